#pragma once
// Hostile raw inputs written byte by byte (no TIFF library): each once crashed, hung or misled
// flamecare (docs/ROBUSTNESS.md). Used by the unit tests, by the `flamecare_crafted` tool that
// the CLI/Python tests and the fuzzing seed corpus call, and free of GoogleTest.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace flamecare::test {

/// Where one page's pixel strips lie, and the bytes stored for them.
struct StripLayout {
  std::vector<std::uint32_t> offsets;
  std::vector<std::uint32_t> counts;
  std::string data;  ///< stored at the page's data offset
};

/// A little-endian classic TIFF: per page the description, the pixel data (and strip tables),
/// then the IFD. Pixels are small increasing numbers unless `layout` replaces them.
struct ClassicTiffSpec {
  int pages = 1;
  std::uint32_t width = 32;
  std::uint32_t height = 32;
  int bits = 16;
  int sample_format = 1;             ///< SampleFormat: 1 uint, 2 int, 3 float
  std::uint32_t rows_per_strip = 0;  ///< 0: one strip per page
  std::string description;           ///< ImageDescription of every page
  /// (page, data offset, page bytes) → strips; empty: one strip per page at the data offset.
  std::function<StripLayout(int, std::uint32_t, std::uint64_t)> layout;
  bool self_loop = false;  ///< the last IFD names itself as the next IFD
};

/// The bytes of the TIFF `spec` describes.
std::string classic_tiff(const ClassicTiffSpec& spec);

/// A ScanImage 3.x header (`state.*` lines separated by CR).
std::string si3_description(int frames, int channels, int slices);

/// A valid SI 3.x stack of `frames` single-channel 32×32 uint16 pages.
std::string si3_stack(int frames);

/// SI 3.x: 65536 saved channels × 65536 slices in 4 pages of 32×32 uint16 (the int product is 0:
/// SIGFPE before the fix).
std::string si3_huge_counts();
/// The same through SI 5 keys: 8 channel ids × 2^29 slices, framesPerSlice Inf.
std::string si5_huge_counts();
/// One SI 3.x page declaring side×side uint16 pixels, one strip per row, every strip on the same
/// 2·side bytes: each strip inside the file and the byte counts adding up (100000: 1 MB that
/// declares 20 GB; `inspect` called it usable and `create` died of bad_alloc).
std::string huge_overlapping_strips(std::uint32_t side = 100000);
/// Two SI 3.x 32×32 pages whose strips are the same bytes.
std::string shared_strips();
/// A valid 2-page SI 3.x stack whose second IFD names itself as the next IFD.
std::string self_loop_ifd();

/// A valid FLAME sidecar for a 32×32 single-channel tile.
std::string sidecar_json(int frames, std::optional<int> bidirectional = std::nullopt);
/// A sidecar whose tileResolution is `depth` nested arrays (about 2 bytes per level).
std::string deep_sidecar(int depth = 100000);
/// A valid sidecar saved as UTF-16LE with its byte-order mark.
std::string utf16_sidecar(int frames);
/// An index CSV whose largest id is 2147483647 (the next id overflowed an int).
std::string index_csv_with_id(std::int64_t id);

/// Every crafted file by name: `<name>.tif` with its `<name>.tileData.txt` where it has one,
/// `*.csv` index files. The names are what the CLI tests and the fuzz corpus use.
std::vector<std::pair<std::string, std::string>> all_crafted_files();

}  // namespace flamecare::test
