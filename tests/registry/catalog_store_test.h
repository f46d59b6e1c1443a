// The store tests, written once and instantiated per backend (sqlite_store_test.cc,
// postgres_store_test.cc), so that both stores are held to the same behaviour.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "onemcp/common/clock.h"
#include "onemcp/registry/catalog_store.h"

namespace onemcp::registry::testing {

struct Backend {
  std::string name;
  std::function<std::string()> new_database;  // a fresh database's URL
};

class CatalogStoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override;
  // Another store on the same database (another process or replica, in effect).
  std::unique_ptr<CatalogStore> openStore(const StoreOptions& options = {});

  ManualClock clock_;
  std::string url_;
  std::unique_ptr<CatalogStore> store_;
};

ServerRecord makeServer(const std::string& id);

}  // namespace onemcp::registry::testing
