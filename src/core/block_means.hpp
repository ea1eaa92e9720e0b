#pragma once
// Block means of an image whose rows arrive a few at a time (the preview's thumbnails, made from
// each block of sums while `create` has it in cache); block_means (flamecare/preview.hpp) is the
// same over a whole image.
#include <vector>

#include "flamecare/image.hpp"

namespace flamecare::detail {

/// The block means of the first `channels` channels of a height × width image reduced by
/// `factor` (see block_means), fed rows channel by channel, top to bottom. Bit for bit
/// block_means of the whole image: each block's column sums are added row after row in float64.
class BlockMeans {
 public:
  /// Throws Error(kInvalidArgument) for factor < 1, channels < 1 or an empty image.
  BlockMeans(int channels, int height, int width, int factor);

  /// The next rows of `channel`: every row of plane `plane` of `rows` (an image of the same
  /// width). Channels from `channels` on are ignored. Throws Error(kInvalidArgument) for rows out
  /// of order or of another width.
  void add_rows(int channel, const AnyImage& rows, int plane = 0);
  /// The means, once every row of every kept channel was added (else Error(kInvalidArgument)).
  Image<double> take();

 private:
  template <class T>
  void add_typed(int channel, const Image<T>& rows, int plane);
  void finish_band(int channel);

  int factor_, height_, width_;
  Image<double> out_;
  std::vector<double> column_sums_;  // of the current band of `factor_` rows
  int channel_ = 0;                  // the channel being fed
  int next_row_ = 0;                 // its next row
};

}  // namespace flamecare::detail
