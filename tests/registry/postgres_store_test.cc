// The store tests on a real PostgreSQL server, started by this program
// (scripts/pg-test-server) on a free loopback port in a temporary folder; each test
// gets a fresh database. If PostgreSQL cannot start, the program fails: it never skips.
#include <memory>

#include "catalog_store_test.h"
#include "test_databases.h"

namespace onemcp::registry::testing {
namespace {

class PostgresEnvironment : public ::testing::Environment {
 public:
  void SetUp() override { server_ = std::make_unique<PgTestServer>(); }
  void TearDown() override { server_.reset(); }
  PgTestServer& server() { return *server_; }

 private:
  std::unique_ptr<PgTestServer> server_;
};

// gtest takes ownership of the environment and tears it down after the last test.
PostgresEnvironment* const kEnvironment = static_cast<PostgresEnvironment*>(
    ::testing::AddGlobalTestEnvironment(new PostgresEnvironment));  // NOLINT(cppcoreguidelines-owning-memory)

INSTANTIATE_TEST_SUITE_P(Postgres, CatalogStoreTest,
                         ::testing::Values(Backend{
                             "postgres", [] { return kEnvironment->server().createDatabase(); }}),
                         [](const auto& param_info) { return param_info.param.name; });

}  // namespace
}  // namespace onemcp::registry::testing
