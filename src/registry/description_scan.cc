#include "onemcp/registry/description_scan.h"

#include <algorithm>
#include <array>
#include <cstdint>

namespace onemcp::registry {
namespace {

struct Pattern {
  std::string_view needle;  // lower case
  std::string_view flag;
};

constexpr std::array kPatterns = {
    Pattern{"ignore previous instructions", "instruction-override"},
    Pattern{"ignore all previous", "instruction-override"},
    Pattern{"ignore the previous", "instruction-override"},
    Pattern{"ignore prior instructions", "instruction-override"},
    Pattern{"disregard previous", "instruction-override"},
    Pattern{"disregard all previous", "instruction-override"},
    Pattern{"ignore your instructions", "instruction-override"},
    Pattern{"new instructions:", "instruction-override"},
    Pattern{"<important>", "hidden-tag"},
    Pattern{"</important>", "hidden-tag"},
    Pattern{"<system>", "hidden-tag"},
    Pattern{"<instructions>", "hidden-tag"},
    Pattern{"<secret>", "hidden-tag"},
    Pattern{"<hidden>", "hidden-tag"},
    Pattern{"~/.ssh", "sensitive-file"},
    Pattern{".ssh/id_", "sensitive-file"},
    Pattern{"id_rsa", "sensitive-file"},
    Pattern{"id_ed25519", "sensitive-file"},
    Pattern{"~/.aws", "sensitive-file"},
    Pattern{".aws/credentials", "sensitive-file"},
    Pattern{"/etc/shadow", "sensitive-file"},
    Pattern{"~/.cursor/mcp.json", "sensitive-file"},
    Pattern{"~/.netrc", "sensitive-file"},
    Pattern{"webhook.site", "exfiltration-url"},
    Pattern{"requestbin", "exfiltration-url"},
    Pattern{"pipedream.net", "exfiltration-url"},
    Pattern{"ngrok.io", "exfiltration-url"},
    Pattern{"ngrok-free.app", "exfiltration-url"},
    Pattern{"burpcollaborator", "exfiltration-url"},
    Pattern{"interact.sh", "exfiltration-url"},
    Pattern{"do not tell the user", "concealment"},
    Pattern{"don't tell the user", "concealment"},
    Pattern{"do not mention", "concealment"},
    Pattern{"without informing the user", "concealment"},
    Pattern{"the user must not know", "concealment"},
};

// Decodes one UTF-8 sequence at text[i]; returns its length (0 when malformed).
std::size_t decode(std::string_view text, std::size_t i, std::uint32_t& cp) {
  const auto b0 = static_cast<unsigned char>(text[i]);
  std::size_t len = 0;
  std::uint32_t min = 0;
  if (b0 < 0x80) {
    cp = b0;
    return 1;
  }
  if ((b0 & 0xE0) == 0xC0) {
    len = 2, cp = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, cp = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (i + len > text.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(text[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

bool isInvisible(std::uint32_t cp) {
  return (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x202A && cp <= 0x202E) ||
         (cp >= 0x2060 && cp <= 0x2064) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0xFEFF ||
         cp == 0x00AD;
}

}  // namespace

bool isValidUtf8(std::string_view text) {
  std::uint32_t cp = 0;
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t len = decode(text, i, cp);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

std::vector<std::string> scanForInjection(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  });
  // Collapse runs of whitespace so "ignore   previous\ninstructions" still matches.
  std::string folded;
  folded.reserve(lower.size());
  for (char c : lower) {
    const bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
    if (space && !folded.empty() && folded.back() == ' ') continue;
    folded.push_back(space ? ' ' : c);
  }
  std::vector<std::string> flags;
  for (const auto& p : kPatterns) {
    if (folded.find(p.needle) != std::string::npos) flags.emplace_back(p.flag);
  }
  std::uint32_t cp = 0;
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t len = decode(text, i, cp);
    if (len == 0) {
      ++i;
      continue;
    }
    if (isInvisible(cp)) flags.emplace_back("invisible-characters");
    if (cp >= 0xE0000 && cp <= 0xE007F) flags.emplace_back("unicode-tags");
    i += len;
  }
  std::sort(flags.begin(), flags.end());
  flags.erase(std::unique(flags.begin(), flags.end()), flags.end());
  return flags;
}

}  // namespace onemcp::registry
