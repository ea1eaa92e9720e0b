#pragma once
// What `create` makes of one image's sums, block by block while each block is in cache: the two
// sum TIFFs (strip by strip), the image's share of the dataset statistics and, for an image the
// preview shows, its thumbnails. No whole-image sum is ever held.
#include <exception>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "flamecare/pixel_stats.hpp"
#include "pipeline/create_preview.hpp"
#include "pipeline/frame_sums.hpp"

namespace flamecare::detail {

/// A sum that could not be written (the Error it threw): the run fails, where an image that
/// cannot be read or summed is only skipped. Not an Error, so image-level handlers let it pass.
struct SumWriteFailed {
  std::exception_ptr error;
};

/// The outputs of one image's sums (a SumSink for sum_frame_blocks).
class SumOutputs final : public SumSink {
 public:
  /// `source`: the raw image as messages name it; the input's and the target's TIFF paths;
  /// `channels`: the dataset's; `thumbnails`: whether to keep the preview's thumbnails.
  SumOutputs(std::string source, std::filesystem::path input_tiff,
             std::filesystem::path target_tiff, int channels, bool thumbnails);
  SumOutputs(const SumOutputs&) = delete;
  SumOutputs& operator=(const SumOutputs&) = delete;
  ~SumOutputs() override;

  /// Starts both TIFFs (throws SumWriteFailed when they cannot be created).
  void begin(const SumLayout& layout) override;
  /// Adds the rows to the statistics and thumbnails and writes them. Throws Error(kCorrupt) for
  /// NaN sums, SumWriteFailed when the rows cannot be written.
  void block(SumKind kind, int channel, int first_row, const AnyImage& rows) override;
  /// After the last block: renames both TIFFs into place (handed to writeback, not yet durable)
  /// and adds the image's statistics to `input` and `truth`. Throws SumWriteFailed.
  void commit(PixelStats& input, PixelStats& truth);

  /// The sums' shape (after begin()).
  const ImageShape& shape() const;
  /// The thumbnails, when kept (after commit()).
  std::optional<PreviewThumbnails> take_thumbnails();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace flamecare::detail
