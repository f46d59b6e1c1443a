// README code blocks, .env.example, Dockerfile, smithery.yaml and shell words: never crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "onemcp/sandbox/detect.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)onemcp::sandbox::parseReadme(text);
  (void)onemcp::sandbox::parseEnvExample(text);
  (void)onemcp::sandbox::parseDockerfile(text);
  (void)onemcp::sandbox::parseSmithery(text);
  (void)onemcp::sandbox::splitShellWords(text);
  return 0;
}
