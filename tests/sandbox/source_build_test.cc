// Building from source, the pure parts and the engine calls (gmock): which folder a
// from_source install copies, how paths move to the built copy, the install script, the
// base images a Dockerfile needs, and the clear error when one is missing.
#include "onemcp/sandbox/source_build.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "mock_docker_client.h"
#include "onemcp/sandbox/hardening.h"

namespace onemcp::sandbox::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::_;
using ::testing::HasSubstr;
using ::testing::Return;

RunSpec typescriptServer() {
  RunSpec s;
  s.name = "ts";
  s.runtime = Runtime::kNode;
  s.install = {InstallKind::kNpm, {"/srv/mcp"}, true, {"npm", "run", "build"}};
  s.command = {"node", "dist/index.js"};
  s.working_dir = "/srv/mcp";
  s.grants = {{"/home/me/ts-server", "/srv/mcp", false}};
  return s;
}

TEST(SourceBuildTest, SourceFolderIsFoundInsideItsGrant) {
  auto spec = typescriptServer();
  spec.install.packages = {"/srv/mcp/packages/server"};
  auto src = sourceFolder(spec);
  ASSERT_TRUE(src) << src.error().message;
  EXPECT_EQ(src->host_path, fs::path("/home/me/ts-server/packages/server"));
  EXPECT_EQ(src->container_path, "/srv/mcp/packages/server");
}

TEST(SourceBuildTest, SourceFolderOutsideEveryGrantIsRefused) {
  auto spec = typescriptServer();
  spec.install.packages = {"/srv/mcpx"};
  auto src = sourceFolder(spec);
  ASSERT_FALSE(src);
  EXPECT_EQ(src.error().code, ErrorCode::kInvalidInput);
  EXPECT_THAT(src.error().message, HasSubstr("server 'ts'"));
  EXPECT_THAT(src.error().message, HasSubstr("not inside a granted folder"));
}

TEST(SourceBuildTest, PathsMoveToTheBuiltCopyOnlyInsideTheSource) {
  EXPECT_EQ(relocateToSourceCopy("/srv/mcp", "/srv/mcp"), "/opt/onemcp/pkg/src");
  EXPECT_EQ(relocateToSourceCopy("/srv/mcp/dist/index.js", "/srv/mcp"),
            "/opt/onemcp/pkg/src/dist/index.js");
  EXPECT_EQ(relocateToSourceCopy("/srv/mcp2/x", "/srv/mcp"), "/srv/mcp2/x");
  EXPECT_EQ(relocateToSourceCopy("dist/index.js", "/srv/mcp"), "dist/index.js");
}

TEST(SourceBuildTest, RunConfigRunsTheBuiltCopy) {
  auto spec = typescriptServer();
  spec.command = {"node", "/srv/mcp/dist/index.js"};
  auto c = runConfig(spec, HostPolicy{}, RunInputs{"onemcp/node:22-x", "i1", {}, "", "abc"});
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->working_dir, "/opt/onemcp/pkg/src");
  EXPECT_EQ(c->cmd, (std::vector<std::string>{"node", "/opt/onemcp/pkg/src/dist/index.js"}));
  bool pkg_ro = false;
  for (const auto& m : c->mounts) {
    if (m.target == "/opt/onemcp/pkg") {
      pkg_ro = m.read_only && m.source == packageVolumeName(spec, "onemcp/node:22-x", "abc");
    }
  }
  EXPECT_TRUE(pkg_ro) << "the package volume of this source fingerprint, read-only";
}

TEST(SourceBuildTest, InstallCopiesTheSourceInstallsThenBuilds) {
  auto spec = typescriptServer();
  auto c = installConfig(spec, "onemcp/node:22-x", HostPolicy{}, "i2", false, "abc");
  ASSERT_EQ(c.cmd.size(), 3u);
  EXPECT_EQ(c.cmd[0], "sh");
  const std::string& script = c.cmd[2];
  const auto copy = script.find("tar -C '/srv/mcp'");
  const auto install = script.find("npm ci");
  const auto build = script.find("cd '/opt/onemcp/pkg/src'\n'npm' 'run' 'build'");
  ASSERT_NE(copy, std::string::npos) << script;
  ASSERT_NE(install, std::string::npos) << script;
  ASSERT_NE(build, std::string::npos) << script;
  EXPECT_LT(copy, install);
  EXPECT_LT(install, build);
  bool source_ro = false;
  for (const auto& m : c.mounts) {
    source_ro =
        source_ro || (m.target == "/srv/mcp" && m.source == "/home/me/ts-server" && m.read_only);
  }
  EXPECT_TRUE(source_ro) << "the source is mounted read-only, to be copied from";
  EXPECT_EQ(c.network_mode, "bridge");
}

TEST(SourceBuildTest, ShellWordsAreQuoted) {
  auto spec = typescriptServer();
  spec.install.build_command = {"sh", "-c", "echo 'it''s'; rm -rf /"};
  auto argv = installArgv(spec);
  EXPECT_THAT(argv[2], HasSubstr("'echo '\\''it'\\'''\\''s'\\''; rm -rf /'"));
}

TEST(SourceBuildTest, PipFromSourceInstallsTheCopyIntoTheVenv) {
  RunSpec spec;
  spec.name = "py";
  spec.runtime = Runtime::kPython;
  spec.install = {InstallKind::kPip, {"/srv/mcp"}, true, {}};
  spec.grants = {{"/src/py", "/srv/mcp", false}};
  auto argv = installArgv(spec);
  EXPECT_THAT(argv[2], HasSubstr("python3 -m venv /opt/onemcp/pkg/venv"));
  EXPECT_THAT(argv[2], HasSubstr("pip-install '/opt/onemcp/pkg/src'"));
}

TEST(SourceBuildTest, ChangedSourceGetsANewPackageVolume) {
  auto spec = typescriptServer();
  EXPECT_NE(packageVolumeName(spec, "img", "aaa"), packageVolumeName(spec, "img", "bbb"));
  auto other = spec;
  other.install.build_command = {"npm", "run", "build:prod"};
  EXPECT_NE(packageVolumeName(spec, "img", "aaa"), packageVolumeName(other, "img", "aaa"));
}

TEST(SourceBuildTest, BuildCommandWordsAreKeptApartInTheVolumeKey) {
  auto a = typescriptServer();
  a.install.build_command = {"npm", "run", "build"};
  auto b = a;
  b.install.build_command = {"npm", "runbuild"};
  EXPECT_NE(packageVolumeName(a, "img", "k"), packageVolumeName(b, "img", "k"));
}

TEST(SourceBuildTest, SourceGrantWithARelativeHostPathIsRefused) {
  auto spec = typescriptServer();
  spec.grants = {{"../elsewhere", "/srv/mcp", false}};
  auto src = sourceFolder(spec);
  ASSERT_FALSE(src);
  EXPECT_THAT(src.error().message, HasSubstr("clean absolute host path"));
}

TEST(SourceBuildTest, FingerprintFollowsTheFilesButNotNodeModules) {
  const fs::path dir = fs::temp_directory_path() / ("onemcp-fp-" + std::to_string(::getpid()));
  fs::create_directories(dir / "node_modules/x");
  std::ofstream(dir / "index.js") << "a";
  auto a = folderFingerprint(dir);
  ASSERT_TRUE(a) << a.error().message;
  std::ofstream(dir / "node_modules/x/y.js") << "ignored";
  EXPECT_EQ(*folderFingerprint(dir), *a);
  std::ofstream(dir / "index.js") << "ab";
  EXPECT_NE(*folderFingerprint(dir), *a);
  fs::remove_all(dir);
  EXPECT_FALSE(folderFingerprint(dir));
}

TEST(SourceBuildTest, BaseImagesSkipStagesScratchAndResolveArgs) {
  const char* dockerfile =
      "ARG PY=python:3.12-slim\n"
      "FROM --platform=linux/amd64 ${PY} AS build\n"
      "RUN pip wheel .\n"
      "from build as test\n"
      "FROM scratch\n"
      "FROM onemcp/python:abc\n"
      "COPY --from=build /w /w\n"
      "FROM $UNKNOWN\n";
  EXPECT_EQ(dockerfileBaseImages(dockerfile),
            (std::vector<std::string>{"python:3.12-slim", "onemcp/python:abc", "$UNKNOWN"}));
}

class ContextImageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("onemcp-ctx-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    std::ofstream(dir_ / "Dockerfile") << "FROM base:1\nCOPY server.py /app/\n";
    std::ofstream(dir_ / "server.py") << "print()\n";
    spec_.name = "built";
    spec_.runtime = Runtime::kImage;
    spec_.image = "onemcp-local/built:latest";
    spec_.build_context = dir_.string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path dir_;
  RunSpec spec_;
  ::testing::StrictMock<MockDockerClient> docker_;
};

TEST_F(ContextImageTest, MissingBaseImageIsNamedAndNothingIsBuilt) {
  EXPECT_CALL(docker_, inspectImage("base:1"))
      .WillOnce(Return(Result<ImageInfo>(fail(ErrorCode::kNotFound, "no such image"))));
  auto r = ensureContextImage(docker_, spec_, dir_ / "work", {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
  EXPECT_THAT(r.error().message, HasSubstr("server 'built'"));
  EXPECT_THAT(r.error().message, HasSubstr("FROM 'base:1'"));
  EXPECT_THAT(r.error().message, HasSubstr("no registry"));
}

TEST_F(ContextImageTest, BuildsOnceThenReusesTheImageOfTheSameContext) {
  EXPECT_CALL(docker_, inspectImage("base:1")).WillRepeatedly(Return(ImageInfo{}));
  ImageBuild seen;
  EXPECT_CALL(docker_, inspectImage("onemcp-local/built:latest"))
      .WillOnce(Return(Result<ImageInfo>(fail(ErrorCode::kNotFound, "no such image"))))
      .WillOnce([&](const std::string&) {
        return Result<ImageInfo>(ImageInfo{"sha256:1", {}, seen.labels, 0});
      });
  EXPECT_CALL(docker_, buildImage(_, _, _))
      .WillOnce([&](const fs::path& tar, const ImageBuild& b, const ProgressFn&) {
        EXPECT_TRUE(fs::exists(tar));
        seen = b;
        return Result<std::string>("sha256:1");
      });
  ASSERT_TRUE(ensureContextImage(docker_, spec_, dir_ / "work", {}));
  EXPECT_EQ(seen.tag, "onemcp-local/built:latest");
  EXPECT_EQ(seen.labels.at(std::string(kLabelManaged)), "true");
  auto again = ensureContextImage(docker_, spec_, dir_ / "work", {});
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(*again, "onemcp-local/built:latest");
  EXPECT_TRUE(fs::is_empty(dir_ / "work")) << "the context tar is deleted";
}

}  // namespace
}  // namespace onemcp::sandbox::testing
