// pyproject.toml, setup.cfg, setup.py and Cargo.toml readers: never crash, never throw.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "onemcp/sandbox/detect.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)onemcp::sandbox::parsePyproject(text);
  (void)onemcp::sandbox::parseSetupCfg(text);
  (void)onemcp::sandbox::parseSetupPy(text);
  (void)onemcp::sandbox::parseCargoToml(text);
  (void)onemcp::sandbox::parseGoModule(text);
  (void)onemcp::sandbox::requirementName(text);
  return 0;
}
