#include "onemcp/search/mix_encoder.h"

#include <cmath>
#include <fstream>
#include <sstream>

namespace onemcp::search {

MixEncoder::MixEncoder(std::vector<Part> parts) : parts_(std::move(parts)) {
  float sum = 0.0F;
  for (const auto& p : parts_) sum += p.share;
  for (const auto& p : parts_) {
    scale_.push_back(std::sqrt(p.share / sum));
    dim_ += p.encoder->dim();
  }
}

Result<std::unique_ptr<MixEncoder>> MixEncoder::make(std::vector<Part> parts) {
  if (parts.empty()) return fail(ErrorCode::kInvalidInput, "a mix needs at least one encoder");
  for (const auto& p : parts) {
    if (!p.encoder) return fail(ErrorCode::kInvalidInput, "a mix part has no encoder");
    if (!(p.share > 0.0F) || !std::isfinite(p.share)) {
      return fail(ErrorCode::kInvalidInput, "a mix share must be a positive number");
    }
  }
  return std::unique_ptr<MixEncoder>(new MixEncoder(std::move(parts)));
}

std::string MixEncoder::name() const {
  std::string n = "mix(";
  for (std::size_t i = 0; i < parts_.size(); ++i) {
    std::ostringstream share;
    share << parts_[i].share;
    n += (i ? "," : "") + parts_[i].encoder->name() + ":" + share.str();
  }
  return n + ")";
}

Result<void> MixEncoder::encode(std::span<const std::string_view> texts,
                                std::span<float> out) const {
  if (out.size() < texts.size() * dim_) {
    return fail(ErrorCode::kInvalidInput, "encode: output too small");
  }
  std::vector<float> part;  // per-call scratch: the encoder stays shareable
  std::size_t at = 0;       // this part's first column
  for (std::size_t p = 0; p < parts_.size(); ++p) {
    const std::size_t d = parts_[p].encoder->dim();
    part.assign(texts.size() * d, 0.0F);
    ONEMCP_TRY(parts_[p].encoder->encode(texts, part));
    for (std::size_t i = 0; i < texts.size(); ++i) {
      for (std::size_t c = 0; c < d; ++c) out[i * dim_ + at + c] = scale_[p] * part[i * d + c];
    }
    at += d;
  }
  for (std::size_t i = 0; i < texts.size(); ++i) normaliseRow(out.subspan(i * dim_, dim_));
  return {};
}

Result<std::unique_ptr<Encoder>> loadMixEncoder(const std::filesystem::path& manifest) {
  std::ifstream in(manifest);
  if (!in) return fail(ErrorCode::kNotFound, "cannot open " + manifest.string());
  const auto bad = [&](std::size_t line, const std::string& why) {
    return fail(ErrorCode::kInvalidInput,
                manifest.string() + ":" + std::to_string(line) + ": " + why);
  };
  const auto folder = manifest.parent_path();
  std::vector<MixEncoder::Part> parts;
  bool header = false;
  std::string line;
  for (std::size_t n = 1; std::getline(in, line); ++n) {
    if (line.find_first_not_of(" \t\r") == std::string::npos || line[0] == '#') continue;
    std::istringstream fields(line);
    if (!header) {
      std::string magic;
      int version = 0;
      if (!(fields >> magic >> version) || magic != "onemcp-mix" || version != 1) {
        return bad(n, "expected the header 'onemcp-mix 1'");
      }
      header = true;
      continue;
    }
    float share = 0.0F;
    std::string file;
    if (!(fields >> share >> file)) return bad(n, "expected 'SHARE FILE.omv'");
    const std::filesystem::path path = folder / file;
    if (path.extension() != ".omv") return bad(n, "a part must be an .omv table: " + file);
    auto enc = loadEncoder(path);
    if (!enc) return fail(std::move(enc).error().wrap(manifest.string()));
    parts.push_back({std::shared_ptr<const Encoder>(std::move(*enc)), share});
  }
  if (!header) return bad(1, "expected the header 'onemcp-mix 1'");
  auto mix = MixEncoder::make(std::move(parts));
  if (!mix) return fail(std::move(mix).error().wrap(manifest.string()));
  return std::unique_ptr<Encoder>(std::move(*mix));
}

}  // namespace onemcp::search
