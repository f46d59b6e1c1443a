// The catalogue's records as plain values: what a store keeps and returns. JSON-valued
// fields are kept as text exactly as given (a server.json keeps its unknown fields), so
// a record read back equals the one written.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace onemcp::registry {

struct ServerRecord {
  std::string id;    // "reg:io.github.x/y", "live:…", "docker:…"
  std::string name;  // server.json name
  std::string title;
  std::string description;
  std::string source;                // where it came from: "mcp-registry", "file:/path", …
  std::string version;               // latest known version ("" when none)
  std::string versions_json = "[]";  // every version seen, newest last
  std::string packages_json = "[]";
  std::string remotes_json = "[]";
  std::string repository;          // repository URL ("" when none)
  std::string server_json = "{}";  // the server.json text, verbatim
  std::string meta_json = "{}";    // source annotations: category, tags, launch, status
  // Prompt-injection patterns found in the text (filled by the store on write).
  std::vector<std::string> flags;
  std::int64_t change_version = 0;  // filled by the store
  bool operator==(const ServerRecord&) const = default;
};

enum class UpsertResult { kInserted, kUpdated, kUnchanged };

struct UpsertOutcome {
  UpsertResult result = UpsertResult::kUnchanged;
  std::int64_t change_version = 0;  // the server's version after the call
  std::vector<std::string> flags;
};

struct PageRequest {
  int limit = 100;     // clamped to [1, StoreLimits::max_page_size]
  std::string cursor;  // "" for the first page; else a next_cursor from a previous page
};

struct ServerPage {
  std::vector<ServerRecord> servers;
  std::string next_cursor;  // "" on the last page
};

struct RunSpecRecord {
  std::string server_id;
  std::string spec_json;           // a sandbox::RunSpec document
  std::string source;              // what produced it: "discovery", "seed", "user"
  std::int64_t updated_at_ms = 0;  // filled by the store
  bool operator==(const RunSpecRecord&) const = default;
};

enum class VerifyOutcome { kVerified, kFailed, kTimeout, kSkipped };
std::string_view verifyOutcomeName(VerifyOutcome outcome);
std::optional<VerifyOutcome> parseVerifyOutcome(std::string_view name);

struct VerificationRecord {
  std::int64_t id = 0;  // filled by the store
  std::string server_id;
  VerifyOutcome outcome = VerifyOutcome::kFailed;
  std::string reason;               // why it failed (or notes when verified)
  std::string timings_json = "{}";  // {"install_ms":…, "initialize_ms":…, "tools_list_ms":…}
  std::string tool_hash;            // hash of the tool definitions it saw
  std::int64_t verified_at_ms = 0;  // wall time; 0: the store's clock
  bool operator==(const VerificationRecord&) const = default;
};

struct ToolRecord {
  std::string server_id;
  std::string name;
  std::string description;
  std::string definition_json;     // the full MCP tool definition, verbatim
  std::vector<std::string> flags;  // filled by the store
  bool operator==(const ToolRecord&) const = default;
};

// A hash of a tool set (names and full definitions, in order): "sha256:<hex>". The
// verifier records it so that a re-verification can tell whether the tools changed.
std::string toolDefinitionHash(const std::vector<ToolRecord>& tools);

enum class EmbeddingOwner { kServer, kTool };

struct EmbeddingRecord {
  EmbeddingOwner owner = EmbeddingOwner::kServer;
  std::string owner_id;  // server id, or "server_id::tool_name"
  std::string model_id;
  std::vector<float> vector;
  bool operator==(const EmbeddingRecord&) const = default;
};

struct EmbeddingPage {
  std::vector<EmbeddingRecord> embeddings;  // ordered by owner id (bytes)
  std::string next_cursor;                  // "" on the last page
};

enum class JobState { kQueued, kLeased, kDone, kFailed };
std::string_view jobStateName(JobState state);
std::optional<JobState> parseJobState(std::string_view name);

struct JobRequest {
  std::string kind;    // "crawl-source", "verify", …
  std::string target;  // what it works on: a source URL, a server id
  std::string payload_json = "{}";
  int max_attempts = 0;  // 0: JobPolicy::max_attempts
};

struct ClaimRequest {
  std::string worker;                  // who claims; needed to renew/complete/fail
  std::chrono::milliseconds lease{0};  // 0: JobPolicy::lease
  std::string kind;                    // "" for any kind
};

struct CrawlJob {
  std::int64_t id = 0;
  std::string kind;
  std::string target;
  std::string payload_json;
  JobState state = JobState::kQueued;
  int attempts = 0;
  int max_attempts = 0;
  std::int64_t not_before_ms = 0;
  std::string lease_owner;
  std::int64_t lease_expires_ms = 0;
  std::string last_error;
};

struct JobPolicy {
  std::chrono::milliseconds lease{std::chrono::minutes(5)};
  std::chrono::milliseconds backoff_base{std::chrono::seconds(30)};
  std::chrono::milliseconds backoff_max{std::chrono::hours(6)};
  int max_attempts = 5;
};

enum class ChangeKind { kServer, kRunSpec, kVerification, kTools, kEmbedding };
std::string_view changeKindName(ChangeKind kind);
std::optional<ChangeKind> parseChangeKind(std::string_view name);

struct Change {
  std::int64_t version = 0;
  ChangeKind kind = ChangeKind::kServer;
  std::string entity_id;  // the server id (the owner id for embeddings)
  bool removed = false;
};

struct ChangeBatch {
  std::vector<Change> changes;  // ascending versions, all > the version asked for
  std::int64_t current_version = 0;
};

// Caps on what one record may hold; a record over a cap is rejected, not truncated.
struct StoreLimits {
  std::size_t max_id_bytes = 512;
  std::size_t max_name_bytes = 512;
  std::size_t max_title_bytes = 1024;
  std::size_t max_description_bytes = std::size_t{16} * 1024;
  std::size_t max_server_json_bytes = std::size_t{256} * 1024;
  std::size_t max_meta_json_bytes = std::size_t{64} * 1024;
  std::size_t max_tool_definition_bytes = std::size_t{64} * 1024;
  std::size_t max_tools_per_server = 2000;
  std::size_t max_run_spec_bytes = std::size_t{64} * 1024;
  std::size_t max_reason_bytes = std::size_t{8} * 1024;
  std::size_t max_embedding_dims = 8192;
  std::size_t max_job_payload_bytes = std::size_t{64} * 1024;
  int max_page_size = 1000;
};

}  // namespace onemcp::registry
