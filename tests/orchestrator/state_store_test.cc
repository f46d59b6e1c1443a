// The daemon's state in SQLite: what it runs, the user's approvals, the containers it owns
// and the usage history survive reopening the file; usage rows are written in batches
// off the calling thread; a file that is not a state database is refused and left as it is.
#include "onemcp/orchestrator/state_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

namespace onemcp::orchestrator {
namespace {

std::filesystem::path tempFile(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() /
             ("onemcp-state-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir / "daemon.sqlite";
}

Offer memoryOffer() {
  return {"live:memory", "memory", "knowledge graph", 0.5F, false, {"needs the network"}};
}

TEST(StateStoreTest, ServersConsentAndContainersSurviveReopening) {
  const auto file = tempFile("reopen");
  {
    auto store = StateStore::open(file);
    ASSERT_TRUE(store) << store.error().toString();
    ASSERT_TRUE((*store)->putServer({memoryOffer(), "memory", true, 1000}));
    ASSERT_TRUE((*store)->putServer({{"live:other", "other", "", 0, true, {}}, "other", false, 5}));
    ASSERT_TRUE((*store)->setConsent("live:memory", "approved"));
    ASSERT_TRUE((*store)->setContainers("live:memory", {"abc123"}));
    ASSERT_TRUE((*store)->setContainers("live:memory", {"def456"}));  // a restart replaces it
  }
  auto store = StateStore::open(file);
  ASSERT_TRUE(store) << store.error().toString();
  auto servers = (*store)->servers();
  ASSERT_TRUE(servers);
  ASSERT_EQ(servers->size(), 2U);
  const auto& memory = servers->front();
  EXPECT_EQ(memory.offer.server_id, "live:memory");
  EXPECT_EQ(memory.offer.name, "memory");
  EXPECT_EQ(memory.offer.consent_reasons, std::vector<std::string>{"needs the network"});
  EXPECT_FALSE(memory.offer.verified);
  EXPECT_EQ(memory.backend, "memory");
  EXPECT_TRUE(memory.running);
  EXPECT_EQ(memory.last_used_ms, 1000);
  EXPECT_FALSE(servers->back().running);
  auto consent = (*store)->consent("live:memory");
  ASSERT_TRUE(consent);
  ASSERT_TRUE(consent->has_value());
  EXPECT_EQ(**consent, "approved");
  auto never = (*store)->consent("live:other");
  ASSERT_TRUE(never);
  EXPECT_FALSE(never->has_value());
  auto containers = (*store)->containers();
  ASSERT_TRUE(containers);
  ASSERT_EQ(containers->size(), 1U);
  EXPECT_EQ(containers->front().container_id, "def456");
  ASSERT_TRUE((*store)->setRunning("live:memory", false));
  ASSERT_TRUE((*store)->setContainers("live:memory", {}));
  EXPECT_FALSE((*store)->servers()->front().running);
  EXPECT_TRUE((*store)->containers()->empty());
}

TEST(StateStoreTest, ServerToolsSurviveReopeningAndAStartReplacesThem) {
  const auto file = tempFile("tools");
  {
    auto store = StateStore::open(file);
    ASSERT_TRUE(store) << store.error().toString();
    ASSERT_TRUE((*store)->setTools(
        "live:memory", {{"create_entities", "Create entities", R"({"type":"object"})"}}));
    ASSERT_TRUE((*store)->setTools("live:memory", {{"read_graph", "Read the graph", ""},
                                                   {"search_nodes", "Search nodes", ""}}));
    ASSERT_TRUE((*store)->setTools("live:other", {}));
  }
  auto store = StateStore::open(file);
  ASSERT_TRUE(store) << store.error().toString();
  auto tools = (*store)->tools();
  ASSERT_TRUE(tools) << tools.error().toString();
  ASSERT_EQ(tools->size(), 2U);
  const auto& memory = tools->at("live:memory");
  ASSERT_EQ(memory.size(), 2U);
  EXPECT_EQ(memory[0].name, "read_graph");
  EXPECT_EQ(memory[0].description, "Read the graph");
  EXPECT_EQ(memory[1].name, "search_nodes");
  EXPECT_TRUE(tools->at("live:other").empty());
}

TEST(StateStoreTest, UsesWriteAheadLogging) {
  const auto file = tempFile("wal");
  auto store = StateStore::open(file);
  ASSERT_TRUE(store);
  ASSERT_TRUE((*store)->putServer({memoryOffer(), "memory", true, 1}));
  EXPECT_TRUE(std::filesystem::exists(file.string() + "-wal"));
}

TEST(StateStoreTest, UsageRowsAreBatchedAndKeptInOrder) {
  const auto file = tempFile("usage");
  {
    auto store = StateStore::open(file);
    ASSERT_TRUE(store);
    for (int i = 0; i < 1000; ++i) {
      (*store)->recordUsage(
          {i, "s" + std::to_string(i % 3), "memory", "read_graph", i * 10, i % 7 != 0});
    }
    // The writer thread takes full batches without being asked.
    for (int tries = 0; tries < 200; ++tries) {
      auto rows = (*store)->usage(2000);
      ASSERT_TRUE(rows);
      if (rows->size() >= 768) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    EXPECT_GE((*store)->usage(2000)->size(), 768U);
    (*store)->recordUsage({1000, "last", "memory", "create_entities", 5, false});
  }  // closing writes what is queued
  auto store = StateStore::open(file);
  ASSERT_TRUE(store);
  auto rows = (*store)->usage(5000);
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 1001U);
  EXPECT_EQ(rows->front().session, "last");
  EXPECT_EQ(rows->front().tool, "create_entities");
  EXPECT_FALSE(rows->front().ok);
  EXPECT_EQ(rows->back().at_ms, 0);
  EXPECT_EQ((*rows)[1].latency_us, 9990);
  EXPECT_EQ((*rows)[1].session, "s0");
  EXPECT_TRUE((*rows)[1].ok);
}

TEST(StateStoreTest, RecordingUsageFromManyThreadsLosesNothing) {
  auto store = StateStore::open(tempFile("threads"));
  ASSERT_TRUE(store);
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < 500; ++i)
          (*store)->recordUsage({i, "t" + std::to_string(t), "b", "x", 1, true});
      });
    }
  }
  ASSERT_TRUE((*store)->flush());
  EXPECT_EQ((*store)->usage(10000)->size(), 4000U);
}

TEST(StateStoreTest, RefusesAFileThatIsNotADatabaseAndLeavesItAlone) {
  const auto file = tempFile("garbage");
  {
    std::ofstream out(file);
    out << "this is not sqlite, but it is someone's file\n";
  }
  auto store = StateStore::open(file);
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().message.find(file.string()), std::string::npos) << store.error().message;
  std::ifstream in(file);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "this is not sqlite, but it is someone's file\n");
}

TEST(StateStoreTest, RefusesANewerSchema) {
  const auto file = tempFile("newer");
  {
    auto store = StateStore::open(file);
    ASSERT_TRUE(store);
  }
  {
    auto store = StateStore::open(file);
    ASSERT_TRUE(store);
  }
  // Written by a later onemcp: refused, not rewritten.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version=99", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  auto store = StateStore::open(file);
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().message.find("newer"), std::string::npos) << store.error().message;
}

}  // namespace
}  // namespace onemcp::orchestrator
