// Databases for the store tests: a fresh SQLite file, or a fresh database on a
// PostgreSQL server that this process starts (scripts/pg-test-server) on a free
// loopback port in a temporary folder and stops when the tests end.
#pragma once

#include <filesystem>
#include <string>

namespace onemcp::registry::testing {

// Runs a shell command, returns its stdout; aborts the test program when it fails.
std::string runOrDie(const std::string& command);

class PgTestServer {
 public:
  PgTestServer();  // starts it; aborts when PostgreSQL cannot start (never skips)
  ~PgTestServer();
  PgTestServer(const PgTestServer&) = delete;
  PgTestServer& operator=(const PgTestServer&) = delete;

  // A new, empty database; returns its postgresql:// URL.
  std::string createDatabase();
  [[nodiscard]] const std::string& url() const { return url_; }

 private:
  std::filesystem::path dir_;
  std::string url_;
  int next_db_ = 0;
};

class SqliteTestFiles {
 public:
  SqliteTestFiles();
  ~SqliteTestFiles();
  SqliteTestFiles(const SqliteTestFiles&) = delete;
  SqliteTestFiles& operator=(const SqliteTestFiles&) = delete;

  // A new database file path as a "sqlite:" URL.
  std::string createDatabase();
  [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
  int next_db_ = 0;
};

}  // namespace onemcp::registry::testing
