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
  return std::visit([](const auto& im) { return std::as_bytes(std::span(im.pixels)); }, image);
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

// One sum of the current image: its file, its statistics and its thumbnail.
struct SumOutputs::State {
  struct Sum {
    std::filesystem::path path;
    std::optional<SumTiffWriter> tiff;
    PixelStats stats;
    std::optional<BlockMeans> means;
  };
  int channels;
  Sum input, target;
  std::string source;
  bool thumbnails = false;
  ImageShape shape{};
  Writeback* writeback = nullptr;
  Sum& of(SumKind kind) { return kind == SumKind::kInput ? input : target; }
};

SumOutputs::SumOutputs(int channels, Writeback* writeback)
    : state_(new State{channels,
                       {{}, {}, PixelStats(channels), {}},
                       {{}, {}, PixelStats(channels), {}},
                       {},
                       false,
                       {},
                       writeback}) {}

SumOutputs::~SumOutputs() = default;

void SumOutputs::start(std::string source, std::filesystem::path input_tiff,
                       std::filesystem::path target_tiff, bool thumbnails) {
  State& s = *state_;
  s.source = std::move(source);
  s.thumbnails = thumbnails;
  s.shape = {};
  for (State::Sum* sum : {&s.input, &s.target}) {
    sum->tiff.reset();  // an uncommitted file of a previous image is removed
    sum->stats.clear();
    sum->means.reset();
  }
  s.input.path = std::move(input_tiff);
  s.target.path = std::move(target_tiff);
}

void SumOutputs::begin(const SumLayout& layout) {
  State& s = *state_;
  if (layout.shape.channels != s.channels) {
    throw Error(ErrorKind::kCorrupt, fmt::format("{}: {} channels where the dataset has {}",
                                                 s.source, layout.shape.channels, s.channels));
  }
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
  try {
    sum.stats.add_channel(channel, rows);
  } catch (const Error& e) {
    throw Error(e.kind(), fmt::format("{}: {}", state_->source, e.what()));
  }
  if (sum.means) sum.means->add_rows(channel, rows);
  writing([&] { sum.tiff->write_strip(channel, first_row, bytes_of(rows)); });
}

void SumOutputs::commit(PixelStats& input, PixelStats& truth) {
  State& s = *state_;
  input.merge(s.input.stats);
  truth.merge(s.target.stats);
  writing([&] {
    s.input.tiff->commit(true, Durability::kDeferred, s.writeback);
    s.target.tiff->commit(true, Durability::kDeferred, s.writeback);
  });
}

const ImageShape& SumOutputs::shape() const { return state_->shape; }

std::optional<PreviewThumbnails> SumOutputs::take_thumbnails() {
  State& s = *state_;
  if (!s.input.means || !s.target.means) return std::nullopt;
  return PreviewThumbnails{s.input.means->take(), s.target.means->take()};
}

}  // namespace flamecare::detail
