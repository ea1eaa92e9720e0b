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

class Writeback;

/// A sum that could not be written (the Error it threw): the run fails, where an image that
/// cannot be read or summed is only skipped. Not an Error, so image-level handlers let it pass.
struct SumWriteFailed {
  std::exception_ptr error;
};

/// The outputs of a worker's images, one image at a time (a SumSink for sum_frame_blocks). The
/// image's statistics are kept apart until commit(), so an image that fails half-way leaves no
/// trace in the dataset's; their memory is reused image after image.
class SumOutputs final : public SumSink {
 public:
  /// For a dataset of `channels` channels; the committed TIFFs are handed to writeback through
  /// `writeback` when given (it must outlive this), else by the committing thread.
  explicit SumOutputs(int channels, Writeback* writeback = nullptr);
  SumOutputs(const SumOutputs&) = delete;
  SumOutputs& operator=(const SumOutputs&) = delete;
  ~SumOutputs() override;

  /// Starts an image: `source` names it in messages; its input's and target's TIFF paths;
  /// `thumbnails`: whether to keep the preview's thumbnails. Drops what a previous image left.
  void start(std::string source, std::filesystem::path input_tiff,
             std::filesystem::path target_tiff, bool thumbnails);
  /// Starts both TIFFs. Throws Error(kCorrupt) naming the image when its channel count is not
  /// the dataset's, SumWriteFailed when the TIFFs cannot be created.
  void begin(const SumLayout& layout) override;
  /// Adds the rows to the statistics and thumbnails and writes them. Throws Error(kCorrupt) for
  /// NaN sums and Error naming the image for values the statistics refuse (uint64 above
  /// 2^63 − 1), SumWriteFailed when the rows cannot be written.
  void block(SumKind kind, int channel, int first_row, const AnyImage& rows) override;
  /// After the image's last block: adds its statistics to `input` and `truth`, then renames both
  /// TIFFs into place (handed to writeback, not yet durable). Throws SumWriteFailed, and Error
  /// (kInvalidArgument, kUnsupported) when its statistics cannot join the others' (pixel types
  /// numpy would not combine).
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
