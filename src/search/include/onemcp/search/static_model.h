// A static embedding model: one float16 vector and one weight per vocabulary word,
// read in place from an mmap-ed file. Encoding is a weighted mean of word vectors
// (SIF-style weights stored in the file), then L2 normalisation.
//
// File format ".omv" (little-endian; every section 16-byte aligned; docs/retrieval.md):
//   header  64 bytes: magic "OMCPVEC1", u32 version=1, u32 dim, u32 count,
//           u32 flags (0; reserved), u64 strings_bytes,
//           u64 off_offsets, u64 off_strings, u64 off_weights, u64 off_vectors
//   offsets u32[count+1]  byte offsets of each word in the strings blob (words sorted
//           by bytes, so lookup is a binary search with no load-time hashing)
//   strings UTF-8 bytes of the words, concatenated
//   weights f32[count]    per-word weight (e.g. a / (a + p(word)))
//   vectors f16[count*dim] row-major
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

#include "onemcp/common/result.h"
#include "onemcp/search/encoder.h"

namespace onemcp::search {

class StaticModel {
 public:
  static Result<std::shared_ptr<const StaticModel>> open(const std::filesystem::path& file);
  ~StaticModel();
  StaticModel(const StaticModel&) = delete;
  StaticModel& operator=(const StaticModel&) = delete;

  [[nodiscard]] std::uint32_t dim() const { return dim_; }
  [[nodiscard]] std::uint32_t size() const { return count_; }
  // Row of `word` (exact bytes), if present.
  [[nodiscard]] std::optional<std::uint32_t> find(std::string_view word) const;
  [[nodiscard]] std::string_view word(std::uint32_t row) const;
  [[nodiscard]] float weight(std::uint32_t row) const { return weights_[row]; }
  // Adds weight * vector(row) to acc (dim() floats).
  void accumulate(std::uint32_t row, float weight, std::span<float> acc) const;

 private:
  StaticModel() = default;
  const void* map_ = nullptr;
  std::size_t map_len_ = 0;
  std::uint32_t dim_ = 0;
  std::uint32_t count_ = 0;
  const std::uint32_t* offsets_ = nullptr;
  const char* strings_ = nullptr;
  const float* weights_ = nullptr;
  const std::uint16_t* vectors_ = nullptr;
};

// Weighted mean of the model's word vectors over splitWords(text).
class StaticEncoder final : public Encoder {
 public:
  StaticEncoder(std::shared_ptr<const StaticModel> model, std::string name);
  [[nodiscard]] std::size_t dim() const override { return model_->dim(); }
  [[nodiscard]] std::string name() const override { return name_; }
  [[nodiscard]] Result<void> encode(std::span<const std::string_view> texts,
                                    std::span<float> out) const override;

 private:
  std::shared_ptr<const StaticModel> model_;
  std::string name_;
};

// IEEE half to float (exposed for tests).
float halfToFloat(std::uint16_t h);

}  // namespace onemcp::search
