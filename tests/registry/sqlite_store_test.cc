// The store tests on SQLite: each test gets a fresh database file.
#include "catalog_store_test.h"
#include "test_databases.h"

namespace onemcp::registry::testing {
namespace {

SqliteTestFiles& files() {
  static SqliteTestFiles instance;  // removed when the test program exits
  return instance;
}

INSTANTIATE_TEST_SUITE_P(Sqlite, CatalogStoreTest,
                         ::testing::Values(Backend{"sqlite",
                                                   [] { return files().createDatabase(); }}),
                         [](const auto& param_info) { return param_info.param.name; });

}  // namespace
}  // namespace onemcp::registry::testing
