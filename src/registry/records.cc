#include "onemcp/registry/records.h"

#include <openssl/evp.h>

#include <array>
#include <utility>

namespace onemcp::registry {
namespace {

template <typename E, std::size_t N>
std::optional<E> lookup(const std::array<std::pair<E, std::string_view>, N>& table,
                        std::string_view name) {
  for (const auto& [value, text] : table) {
    if (text == name) return value;
  }
  return std::nullopt;
}

template <typename E, std::size_t N>
std::string_view nameOf(const std::array<std::pair<E, std::string_view>, N>& table, E value) {
  for (const auto& [v, text] : table) {
    if (v == value) return text;
  }
  return "unknown";
}

constexpr std::array<std::pair<VerifyOutcome, std::string_view>, 4> kOutcomes = {{
    {VerifyOutcome::kVerified, "verified"},
    {VerifyOutcome::kFailed, "failed"},
    {VerifyOutcome::kTimeout, "timeout"},
    {VerifyOutcome::kSkipped, "skipped"},
}};
constexpr std::array<std::pair<JobState, std::string_view>, 4> kJobStates = {{
    {JobState::kQueued, "queued"},
    {JobState::kLeased, "leased"},
    {JobState::kDone, "done"},
    {JobState::kFailed, "failed"},
}};
constexpr std::array<std::pair<ChangeKind, std::string_view>, 5> kChangeKinds = {{
    {ChangeKind::kServer, "server"},
    {ChangeKind::kRunSpec, "run_spec"},
    {ChangeKind::kVerification, "verification"},
    {ChangeKind::kTools, "tools"},
    {ChangeKind::kEmbedding, "embedding"},
}};

}  // namespace

std::string_view verifyOutcomeName(VerifyOutcome outcome) { return nameOf(kOutcomes, outcome); }
std::optional<VerifyOutcome> parseVerifyOutcome(std::string_view name) {
  return lookup(kOutcomes, name);
}
std::string_view jobStateName(JobState state) { return nameOf(kJobStates, state); }
std::optional<JobState> parseJobState(std::string_view name) { return lookup(kJobStates, name); }
std::string_view changeKindName(ChangeKind kind) { return nameOf(kChangeKinds, kind); }
std::optional<ChangeKind> parseChangeKind(std::string_view name) {
  return lookup(kChangeKinds, name);
}

std::string toolDefinitionHash(const std::vector<ToolRecord>& tools) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  for (const auto& t : tools) {
    for (const std::string* part : {&t.name, &t.definition_json}) {
      const std::string len = std::to_string(part->size()) + ":";
      EVP_DigestUpdate(ctx, len.data(), len.size());
      EVP_DigestUpdate(ctx, part->data(), part->size());
    }
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_DigestFinal_ex(ctx, digest, &n);
  EVP_MD_CTX_free(ctx);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "sha256:";
  for (unsigned int i = 0; i < n; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 15]);
  }
  return out;
}

}  // namespace onemcp::registry
