#include "test_databases.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>

namespace onemcp::registry::testing {
namespace {

const std::string kScript = std::string(ONEMCP_SOURCE_DIR) + "/scripts/pg-test-server";

std::filesystem::path makeTempDir(const char* prefix) {
  std::string tmpl =
      (std::filesystem::temp_directory_path() / (std::string(prefix) + "XXXXXX")).string();
  if (mkdtemp(tmpl.data()) == nullptr) {
    std::cerr << "cannot create a temporary folder\n";
    std::abort();
  }
  return tmpl;
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

std::string runOrDie(const std::string& command) {
  struct Closer {
    void operator()(FILE* f) const { pclose(f); }
  };
  std::string out;
  FILE* raw = popen(command.c_str(), "r");
  if (raw == nullptr) {
    std::cerr << "cannot run: " << command << "\n";
    std::abort();
  }
  char buf[4096];
  std::size_t n = 0;
  while ((n = fread(buf, 1, sizeof buf, raw)) > 0) out.append(buf, n);
  const int status = pclose(raw);
  if (status != 0) {
    std::cerr << "command failed (" << status << "): " << command << "\n" << out << "\n";
    std::abort();
  }
  return trim(out);
}

PgTestServer::PgTestServer() : dir_(makeTempDir("onemcp-pg-")) {
  url_ = runOrDie(kScript + " start " + dir_.string() + " " + std::to_string(getpid()));
}

PgTestServer::~PgTestServer() {
  const std::string stop = kScript + " stop " + dir_.string();
  if (std::system(stop.c_str()) != 0) std::cerr << "stopping the test PostgreSQL failed\n";
}

std::string PgTestServer::createDatabase() {
  return runOrDie(kScript + " createdb " + dir_.string() + " t" + std::to_string(getpid()) + "_" +
                  std::to_string(next_db_++));
}

SqliteTestFiles::SqliteTestFiles() : dir_(makeTempDir("onemcp-sqlite-")) {}

SqliteTestFiles::~SqliteTestFiles() {
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string SqliteTestFiles::createDatabase() {
  return "sqlite:" + (dir_ / ("catalog" + std::to_string(next_db_++) + ".db")).string();
}

}  // namespace onemcp::registry::testing
