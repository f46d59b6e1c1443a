// Text analysis shared by the lexical index and the encoders: splits identifiers and
// prose into lower-case words (camelCase, snake_case, kebab-case, CJK bigrams) and
// stems English words with Snowball. A Stemmer holds per-thread scratch state.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace onemcp::search {

// Lower-case words of `text`: ASCII letters/digits runs, split at camelCase humps and
// at letter/digit boundaries; each run of CJK characters yields its bigrams (one
// unigram for a single character). Other bytes separate words.
std::vector<std::string> splitWords(std::string_view text);

// True for very common English function words that carry no retrieval signal.
bool isStopword(std::string_view word);

// English Snowball stemmer. Not thread-safe: create one per thread or per call
// (construction is cheap); the shared index never holds one.
class Stemmer {
 public:
  Stemmer();
  ~Stemmer();
  Stemmer(const Stemmer&) = delete;
  Stemmer& operator=(const Stemmer&) = delete;
  Stemmer(Stemmer&&) noexcept;
  Stemmer& operator=(Stemmer&&) noexcept;

  [[nodiscard]] std::string stem(std::string_view word);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Words describing the artefacts a prompt names: a file path yields "file" (and its
// type: ".xlsx" -> "excel spreadsheet"), plus "write save" when the clause before it
// asks to produce something there ("save it to", "create ... in"); a URL yields "url web
// page", a relative date ("tomorrow", "past three days") yields "current date time".
// Generic vocabulary, so that "save it to /root/a.docx" meets tools that write files.
std::string describeArtifacts(std::string_view text);

// splitWords, drop stopwords, stem: the terms the BM25 index stores and queries.
std::vector<std::string> analyze(std::string_view text, Stemmer& stemmer);

}  // namespace onemcp::search
