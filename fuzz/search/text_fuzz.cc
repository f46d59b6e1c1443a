// Feeds arbitrary bytes to the text analysis that every query passes through: word
// splitting (UTF-8 decoding, CJK bigrams), artefact words, the sub-task splitter and
// the schema flattener. Properties: no crash, and no empty word or sub-task.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "onemcp/search/catalog.h"
#include "onemcp/search/splitter.h"
#include "onemcp/search/text.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const auto& w : onemcp::search::splitWords(text)) {
    if (w.empty()) std::abort();
  }
  (void)onemcp::search::describeArtifacts(text);
  for (const auto& t : onemcp::search::splitTasks(text)) {
    if (t.empty()) std::abort();
  }
  onemcp::search::Stemmer stemmer;
  (void)onemcp::search::analyze(text, stemmer);
  (void)onemcp::search::schemaText(text);
  return 0;
}
