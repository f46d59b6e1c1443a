// A scan of server and tool text for prompt-injection patterns. Tool descriptions are
// read by an LLM, so a hostile one is an attack; the registry keeps such records as data
// and marks them with the patterns found, so that they can be shown and never offered.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace onemcp::registry {

// Names of the pattern classes: "instruction-override", "hidden-tag",
// "sensitive-file", "exfiltration-url", "concealment", "invisible-characters",
// "unicode-tags".
// Returns the classes found in text, sorted, each once; empty for clean text.
std::vector<std::string> scanForInjection(std::string_view text);

// True when text is well-formed UTF-8 (no overlongs, surrogates or code points > U+10FFFF).
bool isValidUtf8(std::string_view text);

}  // namespace onemcp::registry
