// Catalogue records in the official MCP Registry API's shapes, so that the CLI's
// `--json` output and the HTTP API answer alike: a server is {"server": <server.json>,
// "_meta": {...}} and a page is {"servers": [...], "metadata": {"nextCursor", "count"}}.
#pragma once

#include <nlohmann/json.hpp>

#include "onemcp/registry/records.h"
#include "onemcp/registry/registry_search.h"

namespace onemcp::registry {

// Registry-specific metadata goes under this _meta key.
inline constexpr const char* kMetaKey = "io.onemcp/registry";

nlohmann::ordered_json serverEntryJson(const ServerRecord& server);
nlohmann::ordered_json serverPageJson(const ServerPage& page);
// A search answer as POST /v0/search returns it:
// {"servers": [{"id","name","title","description","source","score","verified","tools"}],
// "catalogVersion"}.
nlohmann::ordered_json searchAnswerJson(const RegistryAnswer& answer);

}  // namespace onemcp::registry
