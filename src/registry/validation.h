// Checks a record against the store's caps and shape rules before it is written, so that
// both stores reject the same input with the same message. Oversized fields are errors
// (kTooLarge), never truncated; text must be UTF-8; JSON fields must parse.
#pragma once

#include "onemcp/common/result.h"
#include "onemcp/registry/records.h"

namespace onemcp::registry {

Result<void> validateServer(const ServerRecord& server, const StoreLimits& limits);
Result<void> validateTools(const std::string& server_id, const std::vector<ToolRecord>& tools,
                           const StoreLimits& limits);
Result<void> validateRunSpec(const RunSpecRecord& spec, const StoreLimits& limits);
Result<void> validateVerification(const VerificationRecord& record, const StoreLimits& limits);
Result<void> validateEmbedding(const EmbeddingRecord& embedding, const StoreLimits& limits);
Result<void> validateJob(const JobRequest& request, const StoreLimits& limits);

// Text safe to store from an untrusted source (an error message, a reason): at most
// max_bytes, cut on a character boundary, NULs dropped, invalid UTF-8 bytes as '?'.
std::string sanitizeText(std::string_view text, std::size_t max_bytes);

// Opaque page cursors: the last id of the previous page, encoded.
std::string encodeCursor(const std::string& last_id);
Result<std::string> decodeCursor(const std::string& cursor);

}  // namespace onemcp::registry
