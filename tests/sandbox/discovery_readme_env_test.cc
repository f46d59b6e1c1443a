// State paths from a package's README: a launch example that sets a variable to a file or
// folder path points it at the server's data volume, since the package is read-only.
#include <gtest/gtest.h>

#include "onemcp/sandbox/discovery.h"
#include "onemcp/sandbox/sources.h"

namespace onemcp::sandbox {
namespace {

// One package, served at one version, with the README given.
class ReadmeNpm final : public NpmRegistry {
 public:
  explicit ReadmeNpm(std::optional<std::string> readme) : readme_(std::move(readme)) {}
  Result<NpmPackage> view(const std::string&) override {
    NpmPackage p;
    p.versions = {"1.0.0"};
    p.latest = "1.0.0";
    p.manifest.name = "@acme/notes-server";
    p.manifest.version = "1.0.0";
    p.manifest.bins = {{"notes-server", "dist/index.js"}};
    p.manifest.mcp_dependency = "@modelcontextprotocol/sdk";
    return p;
  }
  Result<std::string> readme(const std::string& spec) override {
    asked = spec;
    if (!readme_) return fail(ErrorCode::kNotFound, "no README");
    return *readme_;
  }
  std::string asked;

 private:
  std::optional<std::string> readme_;
};

const EnvVar* findEnv(const RunSpec& spec, const std::string& name) {
  for (const auto& e : spec.env) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

constexpr const char* kReadme = R"(# Notes server

```json
{
  "mcpServers": {
    "notes": {
      "command": "npx",
      "args": ["-y", "@acme/notes-server"],
      "env": {
        "NOTES_FILE_PATH": "/path/to/custom/notes.jsonl",
        "CACHE_DIR": "/var/cache/notes/",
        "NOTES_API_KEY": "/not/a/path/but/a/secret",
        "NOTES_MODE": "fast",
        "NOTES_LOG": "relative.log"
      }
    }
  }
}
```
)";

TEST(ReadmeStatePaths, APathInTheLaunchExampleGoesToTheDataVolume) {
  ReadmeNpm npm(kReadme);
  Discoverer d(DiscoveryServices{&npm, nullptr, nullptr, {}});
  Discovery found = d.fromNpm("@acme/notes-server");
  EXPECT_EQ(npm.asked, "@acme/notes-server@1.0.0");
  ASSERT_TRUE(found.spec);
  EXPECT_EQ(found.outcome, Outcome::kRunnable) << found.reason;
  const EnvVar* file = findEnv(*found.spec, "NOTES_FILE_PATH");
  ASSERT_NE(file, nullptr);
  EXPECT_EQ(file->value, "/data/notes.jsonl");
  EXPECT_FALSE(file->required);
  EXPECT_FALSE(file->secret);
  const EnvVar* dir = findEnv(*found.spec, "CACHE_DIR");
  ASSERT_NE(dir, nullptr);
  EXPECT_EQ(dir->value, "/data/cache_dir");
  // A credential is never given a path, a non-path setting is not taken from an example,
  // and a relative file name is the server's own business.
  EXPECT_EQ(findEnv(*found.spec, "NOTES_API_KEY"), nullptr);
  EXPECT_EQ(findEnv(*found.spec, "NOTES_MODE"), nullptr);
  EXPECT_EQ(findEnv(*found.spec, "NOTES_LOG"), nullptr);
  bool evidence = false;
  for (const auto& e : found.spec->evidence) {
    evidence = evidence || (e.field == "env.NOTES_FILE_PATH" && e.source == "README.md of @acme/notes-server@1.0.0" &&
                            e.detail.find("/path/to/custom/notes.jsonl") != std::string::npos);
  }
  EXPECT_TRUE(evidence) << "the spec says why NOTES_FILE_PATH is set";
}

TEST(ReadmeStatePaths, ALaunchCommandsOwnValueWinsAndNoReadmeChangesNothing) {
  ReadmeNpm npm(kReadme);
  Discoverer d(DiscoveryServices{&npm, nullptr, nullptr, {}});
  Discovery given = d.fromNpm("@acme/notes-server", {}, {{"NOTES_FILE_PATH", "/data/mine.jsonl"}});
  ASSERT_TRUE(given.spec);
  EXPECT_EQ(findEnv(*given.spec, "NOTES_FILE_PATH")->value, "/data/mine.jsonl");

  ReadmeNpm none(std::nullopt);
  Discoverer bare(DiscoveryServices{&none, nullptr, nullptr, {}});
  Discovery plain = bare.fromNpm("@acme/notes-server");
  ASSERT_TRUE(plain.spec);
  EXPECT_EQ(plain.outcome, Outcome::kRunnable);
  EXPECT_TRUE(plain.spec->env.empty());
}

}  // namespace
}  // namespace onemcp::sandbox
