#include "onemcp/search/static_model.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "onemcp/search/mix_encoder.h"
#include "onemcp/search/text.h"

namespace onemcp::search {
namespace {

constexpr char kMagic[8] = {'O', 'M', 'C', 'P', 'V', 'E', 'C', '1'};
constexpr std::size_t kHeaderBytes = 64;

struct Header {
  char magic[8];
  std::uint32_t version;
  std::uint32_t dim;
  std::uint32_t count;
  std::uint32_t flags;
  std::uint64_t strings_bytes;
  std::uint64_t off_offsets;
  std::uint64_t off_strings;
  std::uint64_t off_weights;
  std::uint64_t off_vectors;
};
static_assert(sizeof(Header) == kHeaderBytes);

bool inBounds(std::uint64_t off, std::uint64_t bytes, std::size_t len) {
  return off <= len && bytes <= len - off;
}

}  // namespace

float halfToFloat(std::uint16_t h) {
  const std::uint32_t sign = (h & 0x8000U) << 16;
  std::uint32_t exp = (h >> 10) & 0x1FU;
  std::uint32_t mant = h & 0x3FFU;
  std::uint32_t bits = 0;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else {  // subnormal: renormalise
      exp = 127 - 15 + 1;
      while ((mant & 0x400U) == 0) {
        mant <<= 1;
        --exp;
      }
      bits = sign | (exp << 23) | ((mant & 0x3FFU) << 13);
    }
  } else if (exp == 31) {
    bits = sign | 0x7F800000U | (mant << 13);
  } else {
    bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
  }
  float f = 0.0F;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

Result<std::shared_ptr<const StaticModel>> StaticModel::open(const std::filesystem::path& file) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return fail(ErrorCode::kNotFound,
                "cannot open model " + file.string() + " (run scripts/build-models)");
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || st.st_size < static_cast<off_t>(kHeaderBytes)) {
    ::close(fd);
    return fail(ErrorCode::kInvalidInput, file.string() + ": too short to be a model");
  }
  const auto len = static_cast<std::size_t>(st.st_size);
  void* map = ::mmap(nullptr, len, PROT_READ, MAP_SHARED, fd, 0);
  ::close(fd);
  if (map == MAP_FAILED) return fail(ErrorCode::kIo, "cannot mmap " + file.string());
  std::shared_ptr<StaticModel> model(new StaticModel());
  model->map_ = map;
  model->map_len_ = len;
  Header h{};
  std::memcpy(&h, map, sizeof h);
  const std::uint64_t count = h.count;
  if (std::memcmp(h.magic, kMagic, sizeof kMagic) != 0 || h.version != 1 || h.dim == 0 ||
      !inBounds(h.off_offsets, (count + 1) * 4, len) ||
      !inBounds(h.off_strings, h.strings_bytes, len) || !inBounds(h.off_weights, count * 4, len) ||
      !inBounds(h.off_vectors, count * h.dim * 2, len) || h.off_offsets % 4 != 0 ||
      h.off_weights % 4 != 0 || h.off_vectors % 2 != 0) {
    return fail(ErrorCode::kInvalidInput, file.string() + ": not a valid .omv model");
  }
  const auto* base = static_cast<const char*>(map);
  model->dim_ = h.dim;
  model->count_ = h.count;
  model->offsets_ = reinterpret_cast<const std::uint32_t*>(base + h.off_offsets);
  model->strings_ = base + h.off_strings;
  model->weights_ = reinterpret_cast<const float*>(base + h.off_weights);
  model->vectors_ = reinterpret_cast<const std::uint16_t*>(base + h.off_vectors);
  for (std::uint32_t i = 0; i < h.count; ++i) {
    if (model->offsets_[i] > model->offsets_[i + 1]) {
      return fail(ErrorCode::kInvalidInput, file.string() + ": word offsets out of order");
    }
  }
  if (model->offsets_[h.count] > h.strings_bytes) {
    return fail(ErrorCode::kInvalidInput, file.string() + ": word offsets past the strings");
  }
  return std::shared_ptr<const StaticModel>(std::move(model));
}

StaticModel::~StaticModel() {
  if (map_ != nullptr) ::munmap(const_cast<void*>(map_), map_len_);
}

std::string_view StaticModel::word(std::uint32_t row) const {
  return {strings_ + offsets_[row], offsets_[row + 1] - offsets_[row]};
}

std::optional<std::uint32_t> StaticModel::find(std::string_view w) const {
  std::uint32_t lo = 0;
  std::uint32_t hi = count_;
  while (lo < hi) {
    const std::uint32_t mid = lo + (hi - lo) / 2;
    const int c = word(mid).compare(w);
    if (c == 0) return mid;
    if (c < 0) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return std::nullopt;
}

void StaticModel::accumulate(std::uint32_t row, float w, std::span<float> acc) const {
  const std::uint16_t* v = vectors_ + static_cast<std::size_t>(row) * dim_;
  for (std::uint32_t d = 0; d < dim_; ++d) acc[d] += w * halfToFloat(v[d]);
}

StaticEncoder::StaticEncoder(std::shared_ptr<const StaticModel> model, std::string name)
    : model_(std::move(model)), name_(std::move(name)) {}

Result<void> StaticEncoder::encode(std::span<const std::string_view> texts,
                                   std::span<float> out) const {
  const std::size_t dim = model_->dim();
  if (out.size() < texts.size() * dim) {
    return fail(ErrorCode::kInvalidParams, "encode: output buffer too small");
  }
  for (std::size_t i = 0; i < texts.size(); ++i) {
    std::span<float> row = out.subspan(i * dim, dim);
    std::fill(row.begin(), row.end(), 0.0F);
    for (const auto& w : splitWords(texts[i])) {
      if (auto r = model_->find(w)) model_->accumulate(*r, model_->weight(*r), row);
    }
    normaliseRow(row);
  }
  return {};
}

void normaliseRow(std::span<float> row) {
  double norm = 0.0;
  for (float x : row) norm += static_cast<double>(x) * x;
  if (norm > 0.0) {
    const auto inv = static_cast<float>(1.0 / std::sqrt(norm));
    for (float& x : row) x *= inv;
  }
}

Result<std::unique_ptr<Encoder>> loadEncoder(const std::filesystem::path& model_file) {
  // The kind is the file's own name, or its target's when it is a link (the model
  // folder's default.omv links to the current default, a table or a mix manifest).
  std::filesystem::path file = model_file;
  std::error_code ec;
  if (std::filesystem::is_symlink(model_file, ec)) {
    auto target = std::filesystem::read_symlink(model_file, ec);
    if (!ec) file = target.is_absolute() ? target : model_file.parent_path() / target;
  }
  if (file.extension() == ".omvmix") return loadMixEncoder(file);
  if (file.extension() != ".omv") {
    return fail(ErrorCode::kInvalidInput,
                model_file.string() +
                    ": unsupported model format; supported: .omv static tables and .omvmix "
                    "mixes of them (transformer models are not supported yet)");
  }
  auto model = StaticModel::open(file);
  if (!model) return fail(std::move(model).error());
  return std::unique_ptr<Encoder>(
      std::make_unique<StaticEncoder>(std::move(*model), file.stem().string()));
}

}  // namespace onemcp::search
