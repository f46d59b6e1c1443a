#include "onemcp/search/text.h"

#include <libstemmer.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>

namespace onemcp::search {
namespace {

enum class CharKind { kSeparator, kLower, kUpper, kDigit, kCjk, kOtherLetter };

// Decodes one UTF-8 code point at text[i]; advances i. Invalid bytes decode as U+FFFD.
char32_t decode(std::string_view text, std::size_t& i) {
  const auto b0 = static_cast<unsigned char>(text[i]);
  int len = b0 < 0x80 ? 1 : (b0 >> 5) == 0x6 ? 2 : (b0 >> 4) == 0xE ? 3 : (b0 >> 3) == 0x1E ? 4 : 0;
  if (len == 0 || i + len > text.size()) {
    ++i;
    return 0xFFFD;
  }
  char32_t cp = len == 1 ? b0 : len == 2 ? (b0 & 0x1F) : len == 3 ? (b0 & 0x0F) : (b0 & 0x07);
  for (int k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(text[i + k]);
    if ((b & 0xC0) != 0x80) {
      ++i;
      return 0xFFFD;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  i += len;
  return cp;
}

CharKind kindOf(char32_t cp) {
  if (cp >= 'a' && cp <= 'z') return CharKind::kLower;
  if (cp >= 'A' && cp <= 'Z') return CharKind::kUpper;
  if (cp >= '0' && cp <= '9') return CharKind::kDigit;
  if (cp < 0x80) return CharKind::kSeparator;
  if ((cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF)) return CharKind::kCjk;
  // General punctuation, CJK punctuation, full-width forms, specials: separators.
  if ((cp >= 0x2000 && cp <= 0x206F) || (cp >= 0x3000 && cp <= 0x303F) ||
      (cp >= 0xFF00 && cp <= 0xFFEF) || cp == 0xFFFD || cp == 0xA0) {
    return CharKind::kSeparator;
  }
  return CharKind::kOtherLetter;
}

void flushCjk(std::vector<std::string>& cjk, std::vector<std::string>& out) {
  if (cjk.size() == 1) out.push_back(cjk[0]);
  for (std::size_t k = 0; k + 1 < cjk.size(); ++k) out.push_back(cjk[k] + cjk[k + 1]);
  cjk.clear();
}

}  // namespace

std::vector<std::string> splitWords(std::string_view text) {
  std::vector<std::string> out;
  std::vector<std::string> cjk;
  std::string word;
  CharKind prev = CharKind::kSeparator;
  auto flushWord = [&] {
    if (!word.empty()) out.push_back(std::move(word));
    word.clear();
  };
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t start = i;
    const char32_t cp = decode(text, i);
    const CharKind kind = kindOf(cp);
    if (kind != CharKind::kCjk) flushCjk(cjk, out);
    switch (kind) {
      case CharKind::kSeparator:
        flushWord();
        break;
      case CharKind::kCjk:
        flushWord();
        cjk.emplace_back(text.substr(start, i - start));
        break;
      case CharKind::kUpper: {
        // A hump starts a word unless it continues an upper-case run ("HTTPServer"
        // splits before "Server": an upper followed by a lower ends the run).
        const bool nextLower = i < text.size() && text[i] >= 'a' && text[i] <= 'z';
        if (prev == CharKind::kLower || prev == CharKind::kDigit ||
            (prev == CharKind::kUpper && nextLower)) {
          flushWord();
        }
        word.push_back(static_cast<char>(cp - 'A' + 'a'));
        break;
      }
      case CharKind::kLower:
      case CharKind::kOtherLetter:
        if (prev == CharKind::kDigit) flushWord();
        word.append(text.substr(start, i - start));
        break;
      case CharKind::kDigit:
        if (prev != CharKind::kDigit) flushWord();
        word.push_back(static_cast<char>(cp));
        break;
    }
    prev = kind;
  }
  flushCjk(cjk, out);
  flushWord();
  return out;
}

bool isStopword(std::string_view word) {
  static constexpr auto kStop = std::to_array<std::string_view>({
      "a",    "about", "all",  "also", "am",    "an",   "and",  "any",   "are",  "as",
      "at",   "be",    "been", "but",  "by",    "can",  "could", "do",   "does", "for",
      "from", "had",   "has",  "have", "he",    "her",  "his",  "how",   "i",    "if",
      "in",   "into",  "is",   "it",   "its",   "me",   "my",   "of",    "on",   "or",
      "our",  "please", "she", "so",   "some",  "that", "the",  "their", "them", "then",
      "there", "these", "they", "this", "those", "to",  "us",   "was",   "we",   "were",
      "will", "with",  "would", "you"});
  return std::binary_search(kStop.begin(), kStop.end(), word);
}

struct Stemmer::Impl {
  sb_stemmer* stemmer = sb_stemmer_new("english", "UTF_8");
  ~Impl() {
    if (stemmer != nullptr) sb_stemmer_delete(stemmer);
  }
};

Stemmer::Stemmer() : impl_(std::make_unique<Impl>()) {}
Stemmer::~Stemmer() = default;
Stemmer::Stemmer(Stemmer&&) noexcept = default;
Stemmer& Stemmer::operator=(Stemmer&&) noexcept = default;

std::string Stemmer::stem(std::string_view word) {
  if (impl_->stemmer == nullptr || word.empty()) return std::string(word);
  const sb_symbol* out = sb_stemmer_stem(impl_->stemmer,
                                         reinterpret_cast<const sb_symbol*>(word.data()),
                                         static_cast<int>(word.size()));
  if (out == nullptr) return std::string(word);
  return {reinterpret_cast<const char*>(out),
          static_cast<std::size_t>(sb_stemmer_length(impl_->stemmer))};
}

namespace {

std::string_view fileTypeWords(std::string_view ext) {
  static constexpr std::pair<std::string_view, std::string_view> kTypes[] = {
      {"md", "markdown text"},       {"markdown", "markdown text"},
      {"doc", "word document"},      {"docx", "word document"},
      {"ppt", "powerpoint presentation slides"}, {"pptx", "powerpoint presentation slides"},
      {"xls", "excel spreadsheet"},  {"xlsx", "excel spreadsheet"},
      {"csv", "csv spreadsheet table"}, {"pdf", "pdf document"},
      {"html", "html web page"},     {"htm", "html web page"},
      {"png", "image picture"},      {"jpg", "image picture"},
      {"jpeg", "image picture"},     {"svg", "image vector graphic"},
      {"gif", "image animation"},    {"txt", "text"},
      {"json", "json data"},         {"py", "python code"},
      {"js", "javascript code"},     {"ts", "typescript code"},
      {"mp3", "audio"},              {"wav", "audio"},
      {"mp4", "video"},              {"bib", "bibtex bibliography"},
  };
  for (const auto& [e, words] : kTypes) {
    if (e == ext) return words;
  }
  return {};
}

bool isRelativeTimeWord(std::string_view w) {
  static constexpr std::string_view kWords[] = {
      "today",  "tomorrow", "yesterday", "tonight",  "monday", "tuesday", "wednesday",
      "thursday", "friday", "saturday",  "sunday",   "weekend"};
  for (auto k : kWords) {
    if (k == w) return true;
  }
  return false;
}

// "next week", "last month", "past three days", "24h": the prompt needs today's date.
bool mentionsRelativeTime(std::string_view text) {
  const auto words = splitWords(text);
  static constexpr std::string_view kUnits[] = {"day", "days", "week", "weeks", "month",
                                                "months", "year", "years", "hours", "h"};
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (isRelativeTimeWord(words[i])) return true;
    const bool anchor = words[i] == "next" || words[i] == "last" || words[i] == "past" ||
                        words[i] == "coming" || words[i] == "ago";
    for (std::size_t j = i + 1; anchor && j < std::min(words.size(), i + 3); ++j) {
      for (auto u : kUnits) {
        if (words[j] == u) return true;
      }
    }
  }
  return false;
}

// True when the clause before a path asks to produce something there ("save it to",
// "write a report in", "create ... at"): the task then needs a tool that writes files.
bool writesTo(std::string_view before) {
  const auto cut = before.find_last_of(".?!\n");
  if (cut != std::string_view::npos && cut + 1 < before.size()) before = before.substr(cut + 1);
  static constexpr std::string_view kVerbs[] = {
      "save",      "saved",   "saving",   "write",   "store",    "stored",  "export",
      "output",    "create",  "generate", "put",     "make",     "produce", "organize",
      "summarize", "compile", "draft",    "convert", "download", "record",  "report"};
  for (const auto& w : splitWords(before)) {
    for (auto v : kVerbs) {
      if (w == v) return true;
    }
  }
  return false;
}

}  // namespace

std::string describeArtifacts(std::string_view text) {
  std::string out;
  if (mentionsRelativeTime(text)) out += " current date time";
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i])) != 0) ++i;
    std::size_t j = i;
    while (j < text.size() && std::isspace(static_cast<unsigned char>(text[j])) == 0) ++j;
    std::string_view tok = text.substr(i, j - i);
    i = j;
    while (!tok.empty() && std::string_view(".,;:!?)\"'`").find(tok.back()) != std::string_view::npos) {
      tok.remove_suffix(1);
    }
    const bool url = tok.starts_with("http://") || tok.starts_with("https://") || tok.starts_with("www.");
    const bool path = !url && (tok.starts_with("/") || tok.starts_with("~/") || tok.starts_with("./")) &&
                      tok.find('/', 1) != std::string_view::npos;
    if (url) out += " url web page link";
    if (!path) continue;
    out += " file";
    if (writesTo(text.substr(0, i))) out += " write save";
    const auto dot = tok.rfind('.');
    if (dot != std::string_view::npos && dot > tok.rfind('/')) {
      std::string ext(tok.substr(dot + 1));
      for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (auto words = fileTypeWords(ext); !words.empty()) out.append(" ").append(words);
    } else {
      out += " directory folder";
    }
  }
  return out;
}

std::vector<std::string> analyze(std::string_view text, Stemmer& stemmer) {
  std::vector<std::string> terms;
  for (auto& w : splitWords(text)) {
    if (isStopword(w)) continue;
    terms.push_back(stemmer.stem(w));
  }
  return terms;
}

}  // namespace onemcp::search
