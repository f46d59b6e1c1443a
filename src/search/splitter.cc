#include "onemcp/search/splitter.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace onemcp::search {
namespace {

// Connectives that start a new step; matched case-insensitively at word starts.
constexpr auto kConnectives = std::to_array<std::string_view>({
    "and then ", "then ", "after that", "afterwards", "finally", "additionally", "also ",
    "next, ", "lastly", "as well as ", "followed by ", "once that", "and finally",
});

// Imperative verbs that, after " and ", usually start a second need ("find flights
// and book a hotel"). A general list of task verbs, not tuned to any server.
constexpr auto kTaskVerbs = std::to_array<std::string_view>({
    "analyze", "book",     "calculate", "check",    "compare",   "compile", "convert",
    "create",  "delete",   "download",  "draw",     "email",     "estimate", "export",
    "extract", "fetch",    "find",      "generate", "get",       "give",    "identify",
    "list",    "look",     "make",      "notify",   "open",      "plan",    "plot",
    "post",    "predict",  "prepare",   "provide",  "publish",   "read",    "recommend",
    "record",  "remind",   "render",    "report",   "retrieve",  "run",     "save",
    "schedule", "search",  "send",      "set",      "share",     "show",    "store",
    "suggest", "summarize", "tell",     "track",    "translate", "update",  "upload",
    "visualize", "write",
});

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::size_t wordCount(std::string_view s) {
  std::size_t n = 0;
  bool in = false;
  for (char c : s) {
    const bool sp = std::isspace(static_cast<unsigned char>(c)) != 0;
    if (!sp && !in) ++n;
    in = !sp;
  }
  return n;
}

std::string_view trim(std::string_view s) {
  const auto isTrim = [](char c) {
    return std::isspace(static_cast<unsigned char>(c)) != 0 || c == ',' || c == '-' ||
           c == '*' || c == ':' || c == ';';
  };
  while (!s.empty() && isTrim(s.front())) s.remove_prefix(1);
  while (!s.empty() && isTrim(s.back())) s.remove_suffix(1);
  return s;
}

// Strips a leading list marker ("1.", "2)", "-", "•").
std::string_view stripMarker(std::string_view s) {
  s = trim(s);
  std::size_t i = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])) != 0) ++i;
  if (i > 0 && i < s.size() && (s[i] == '.' || s[i] == ')')) s.remove_prefix(i + 1);
  if (s.starts_with("\xE2\x80\xA2")) s.remove_prefix(3);  // U+2022 bullet
  return trim(s);
}

// Cut positions in `s`: sentence ends, ";", newlines, connectives, "and <verb>".
std::vector<std::size_t> cutPoints(std::string_view s) {
  const std::string low = lower(s);
  std::vector<std::size_t> cuts;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool atEnd = i + 1 >= s.size() || std::isspace(static_cast<unsigned char>(s[i + 1])) != 0;
    if (c == '\n' || c == ';' || ((c == '.' || c == '?' || c == '!') && atEnd)) {
      cuts.push_back(i + 1);
      continue;
    }
    const bool wordStart = i > 0 && (s[i - 1] == ' ' || s[i - 1] == ',');
    if (!wordStart) continue;
    const std::string_view rest = std::string_view(low).substr(i);
    bool cut = false;
    for (auto conn : kConnectives) {
      if (!cut && rest.starts_with(conn)) {
        cuts.push_back(i);
        i += conn.size() - 1;  // "and then": no second cut at "then"
        cut = true;
      }
    }
    if (cut) continue;
    if (rest.starts_with("and ")) {
      const std::string_view after = rest.substr(4);
      for (auto verb : kTaskVerbs) {
        if (after.starts_with(verb) &&
            (after.size() == verb.size() || !std::isalpha(static_cast<unsigned char>(after[verb.size()])))) {
          cuts.push_back(i);
        }
      }
    }
  }
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  return cuts;
}

}  // namespace

std::vector<std::string> splitTasks(std::string_view prompt, const SplitOptions& options) {
  std::vector<std::string> pieces;
  std::size_t start = 0;
  auto cuts = cutPoints(prompt);
  cuts.push_back(prompt.size());
  for (std::size_t cut : cuts) {
    if (cut <= start) continue;
    const std::string_view piece = stripMarker(prompt.substr(start, cut - start));
    start = cut;
    if (piece.empty()) continue;
    if (!pieces.empty() && wordCount(piece) < options.min_words) {
      pieces.back().append(" ").append(piece);
    } else {
      pieces.emplace_back(piece);
    }
  }
  // A short first piece ("Hi!") joins the next one.
  if (pieces.size() > 1 && wordCount(pieces.front()) < options.min_words) {
    pieces[1] = pieces.front() + " " + pieces[1];
    pieces.erase(pieces.begin());
  }
  while (options.max_tasks > 0 && pieces.size() > options.max_tasks) {
    pieces[pieces.size() - 2].append(" ").append(pieces.back());
    pieces.pop_back();
  }
  return pieces;
}

}  // namespace onemcp::search
