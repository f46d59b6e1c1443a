// Verification: run a spec with a time budget, `initialize`, list every page of tools,
// then resources and prompts, and record what happened: verified, or where it failed
// (install / start / handshake / listing), a missing secret (named), or a timeout; with
// timings, server info, the full tool definitions and a hash of them for pinning.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "onemcp/common/result.h"
#include "onemcp/mcp/transport.h"
#include "onemcp/sandbox/run_spec.h"

namespace onemcp::sandbox {

enum class VerifyOutcome {
  kVerified,
  kFailedInstall,
  kFailedStart,
  kFailedHandshake,
  kFailedListing,
  kNeedsSecret,
  kTimedOut,
};
std::string_view toString(VerifyOutcome outcome);

// A started server: its MCP transport and, when it failed, why (exit code, stderr tail).
class RunningServer {
 public:
  virtual ~RunningServer() = default;
  virtual std::shared_ptr<mcp::Transport> transport() = 0;
  // "exited with code 1: <stderr tail>", or empty while it runs.
  virtual std::string diagnose() = 0;
};

// Where a spec failed before a transport existed.
enum class StartStage { kInstall, kStart };
struct StartFailure {
  StartStage stage = StartStage::kStart;
  Error error;
};

struct StartRequest {
  RunSpec spec;
  std::map<std::string, std::string> env_values;  // secrets and settings; never logged
  std::chrono::milliseconds budget{60000};
};

// Starts specs: in the sandbox (the server host), or for tests as a local process.
class SpecRunner {
 public:
  virtual ~SpecRunner() = default;
  virtual std::unique_ptr<RunningServer> start(const StartRequest& request, std::optional<StartFailure>& failure) = 0;
};

// Runs node/python stdio specs without install directly on this host, with the spec's
// source grant mapped back to its host folder. Not a sandbox: for the fixture corpus and
// for tests of the verifier itself.
std::unique_ptr<SpecRunner> makeLocalRunner();

struct VerifyOptions {
  std::chrono::milliseconds budget{std::chrono::seconds(60)};  // the whole verification
  std::map<std::string, std::string> env_values;
  std::string previous_tool_hash;  // from the last verification, to tell a change
};

struct VerificationRecord {
  std::string server;
  VerifyOutcome outcome = VerifyOutcome::kVerified;
  std::string reason;  // specific; empty when verified
  // Milliseconds per stage; a stage not reached is absent.
  std::map<std::string, std::int64_t> timings_ms;
  std::string protocol_version;
  nlohmann::json server_info = nlohmann::json::object();
  nlohmann::json tools = nlohmann::json::array();  // full definitions, as the server sent them
  int resources = 0;
  int prompts = 0;
  std::string tool_hash;  // sha256 of the canonical tool definitions
  bool tools_changed = false;  // against VerifyOptions::previous_tool_hash
  // What was installed, and the pinned spec it replaced when the registry does not serve
  // that version (from the run spec's install step).
  std::vector<std::string> installed;
  std::string pinned_not_served;

  [[nodiscard]] nlohmann::json toJson() const;
};

// sha256 (hex) of the tools sorted by name, each serialized with sorted keys.
std::string toolDefinitionsHash(const nlohmann::json& tools);

class Verifier {
 public:
  explicit Verifier(SpecRunner& runner) : runner_(runner) {}
  VerificationRecord verify(const RunSpec& spec, const VerifyOptions& options);

 private:
  SpecRunner& runner_;
};

}  // namespace onemcp::sandbox
