// Sentence encoders: text in, L2-normalised float vector out. An Encoder is the
// immutable model, shared by all threads; each encode() call keeps its scratch state
// on its own stack (llama.cpp's model/context split), so concurrent calls never lock.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "onemcp/common/result.h"

namespace onemcp::search {

class Encoder {
 public:
  virtual ~Encoder() = default;
  // Length of every vector this encoder produces.
  [[nodiscard]] virtual std::size_t dim() const = 0;
  // A short name for reports ("glove-sif-100").
  [[nodiscard]] virtual std::string name() const = 0;
  // Writes texts.size() rows of dim() floats to `out` (row-major). A text with no
  // known token encodes as the zero vector. Thread-safe.
  [[nodiscard]] virtual Result<void> encode(std::span<const std::string_view> texts,
                                            std::span<float> out) const = 0;
};

// Scales `row` to unit length (a zero row stays zero): every encoder's last step.
void normaliseRow(std::span<float> row);

// Loads an encoder from a model file: the static-table format (.omv, see
// static_model.h) today; a transformer model given by path returns
// kInvalidInput naming what is supported, so the call site is ready for one.
Result<std::unique_ptr<Encoder>> loadEncoder(const std::filesystem::path& model_file);

}  // namespace onemcp::search
