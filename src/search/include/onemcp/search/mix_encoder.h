// Several encoders as one dense channel: each part's unit vector scaled by the square
// root of its share and concatenated, so the cosine of two mixed vectors is the shares'
// weighted sum of the parts' cosines (two word tables that know different things vote
// together). Read from a small text manifest (.omvmix) that names the tables.
#pragma once

#include <filesystem>
#include <memory>
#include <vector>

#include "onemcp/common/result.h"
#include "onemcp/search/encoder.h"

namespace onemcp::search {

class MixEncoder final : public Encoder {
 public:
  struct Part {
    std::shared_ptr<const Encoder> encoder;
    float share = 1.0F;  // relative: shares are divided by their sum
  };
  // At least one part, every share > 0.
  static Result<std::unique_ptr<MixEncoder>> make(std::vector<Part> parts);

  [[nodiscard]] std::size_t dim() const override { return dim_; }
  [[nodiscard]] std::string name() const override;
  // A text no part knows encodes as zero; one that only some parts know is the
  // known parts' vector, renormalised.
  [[nodiscard]] Result<void> encode(std::span<const std::string_view> texts,
                                    std::span<float> out) const override;

 private:
  explicit MixEncoder(std::vector<Part> parts);
  std::vector<Part> parts_;
  std::vector<float> scale_;  // sqrt(share / sum of shares), per part
  std::size_t dim_ = 0;
};

// Reads a manifest:
//   onemcp-mix 1
//   SHARE FILE.omv        (one line per part; FILE relative to the manifest's folder)
// Blank lines and lines starting with '#' are skipped.
Result<std::unique_ptr<Encoder>> loadMixEncoder(const std::filesystem::path& manifest);

}  // namespace onemcp::search
