#include "pipeline/sum_outputs.hpp"

#include <algorithm>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "core/block_means.hpp"
#include "flamecare/error.hpp"
#include "io/sum_tiff_internal.hpp"

namespace flamecare::detail {
namespace {

// Runs a write, turning its Error into SumWriteFailed.
template <class Fn>
void writing(Fn&& fn) {
  try {
    fn();
  } catch (const Error&) {
    throw SumWriteFailed{std::current_exception()};
  }
}

std::span<const std::byte> bytes_of(const AnyImage& image) {
  return std::visit(
      [](const auto& im) { return std::as_bytes(std::span(im.pixels)); }, image);
}

// NaN sums cannot enter the statistics; such an image is unusable like an unreadable one.
void require_no_nan(const AnyImage& rows, const std::string& source) {
  const bool nan = std::visit(
      [](const auto& im) {
        return std::any_of(im.pixels.begin(), im.pixels.end(), [](auto v) { return v != v; });
      },
      rows);
  if (nan) throw Error(ErrorKind::kCorrupt, fmt::format("{}: pixel values are NaN", source));
}

}  // namespace

// One sum: its file, its statistics and its thumbnail.
struct SumOutputs::State {
  struct Sum {
    std::filesystem::path path;
    std::optional<SumTiffWriter> tiff;
    PixelStats stats;
    std::optional<BlockMeans> means;
  };
  Sum input, target;
  std::string source;
  bool thumbnails;
  ImageShape shape{};
  Sum& of(SumKind kind) { return kind == SumKind::kInput ? input : target; }
};

SumOutputs::SumOutputs(std::string source, std::filesystem::path input_tiff,
                       std::filesystem::path target_tiff, int channels, bool thumbnails)
    : state_(new State{{std::move(input_tiff), {}, PixelStats(channels), {}},
                       {std::move(target_tiff), {}, PixelStats(channels), {}},
                       std::move(source),
                       thumbnails}) {}

SumOutputs::~SumOutputs() = default;

void SumOutputs::begin(const SumLayout& layout) {
  State& s = *state_;
  s.shape = layout.shape;
  for (SumKind kind : {SumKind::kInput, SumKind::kTarget}) {
    State::Sum& sum = s.of(kind);
    const PixelType type = kind == SumKind::kInput ? layout.input_type : layout.target_type;
    writing([&] { sum.tiff.emplace(sum.path, layout.shape, type, layout.block_rows); });
    if (s.thumbnails) {
      const ImageShape& shape = layout.shape;
      sum.means.emplace(std::min(shape.channels, 3), shape.height, shape.width,
                        preview_factor(shape.height, shape.width));
    }
  }
}

void SumOutputs::block(SumKind kind, int channel, int first_row, const AnyImage& rows) {
  State::Sum& sum = state_->of(kind);
  if (is_float(pixel_type_of(rows))) require_no_nan(rows, state_->source);
  sum.stats.add_channel(channel, rows);
  if (sum.means) sum.means->add_rows(channel, rows);
  writing([&] { sum.tiff->write_strip(channel, first_row, bytes_of(rows)); });
}

void SumOutputs::commit(PixelStats& input, PixelStats& truth) {
  State& s = *state_;
  writing([&] {
    s.input.tiff->commit(true, Durability::kDeferred);
    s.target.tiff->commit(true, Durability::kDeferred);
  });
  input.merge(s.input.stats);
  truth.merge(s.target.stats);
}

const ImageShape& SumOutputs::shape() const { return state_->shape; }

std::optional<PreviewThumbnails> SumOutputs::take_thumbnails() {
  State& s = *state_;
  if (!s.input.means || !s.target.means) return std::nullopt;
  return PreviewThumbnails{s.input.means->take(), s.target.means->take()};
}

}  // namespace flamecare::detail
