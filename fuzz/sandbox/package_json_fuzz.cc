// package.json and `npm view --json` output: never crash, never throw.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "onemcp/sandbox/detect.h"
#include "onemcp/sandbox/sources.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto m = onemcp::sandbox::parsePackageJson(text);
  if (m && m->node_major) (void)m->node_major->size();
  (void)onemcp::sandbox::parseNpmView(text);
  (void)onemcp::sandbox::lowestNodeMajor(text);
  return 0;
}
