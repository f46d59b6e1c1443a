// Small text helpers that several components need: trimming, ASCII case folding, and a
// SHA-256 hex digest (run-spec image tags, tool-definition pins, catalogue hashes).
#pragma once

#include <string>
#include <string_view>

namespace onemcp {

// Without leading and trailing ASCII whitespace.
std::string trim(std::string_view s);
std::string toLowerAscii(std::string s);
std::string toUpperAscii(std::string s);
// Lower-case hex SHA-256 of the bytes.
std::string sha256Hex(std::string_view data);

}  // namespace onemcp
