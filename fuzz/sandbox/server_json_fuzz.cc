// server.json and mcpServers blocks through discovery (offline), and run specs: never
// crash, never throw; whatever spec comes out reads back.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <nlohmann/json.hpp>

#include "onemcp/sandbox/discovery.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace onemcp::sandbox;  // NOLINT(google-build-using-namespace)
  std::string_view text(reinterpret_cast<const char*>(data), size);
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) return 0;
  FixedReachability offline(false, false, false);
  Discoverer discoverer(DiscoveryServices{nullptr, nullptr, &offline, {}});
  Discovery d = discoverer.fromServerJson(j);
  if (d.spec && !parseRunSpec(nlohmann::json(*d.spec))) std::abort();
  for (const auto& m : discoverer.fromMcpServers(j, "fuzz")) {
    if (m.spec && !parseRunSpec(nlohmann::json(*m.spec))) std::abort();
  }
  (void)parseRunSpec(j);
  return 0;
}
