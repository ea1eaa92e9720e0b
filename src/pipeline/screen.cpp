// Screening one raw image: a readable single-slice ScanImage stack whose frames on disk match the
// sidecar's framesPerTile. Every problem becomes "<code>: <detail>", never an exception.
#include "flamecare/screen.hpp"

#include <fmt/format.h>

#include "flamecare/error.hpp"

namespace flamecare {

// Reason codes, in the order a file is checked:
//   unreadable      the file cannot be opened or read (missing, permissions, directory, I/O error)
//   empty           the file has 0 bytes
//   not_tiff        the first bytes are not a TIFF/BigTIFF magic
//   truncated       an IFD, the static header or a page's pixel strips lie past the end of file
//   corrupt         other structural damage (unreadable IFD content, pages of different size/type)
//   not_scanimage   a valid TIFF without ScanImage metadata (no static block, SI.* or state.*)
//   unsupported     ScanImage, but compressed, several samples per pixel, an unsupported pixel
//                   type or channel metadata flamecare cannot interpret
//   multi_slice     more than one z slice (Z > 1), e.g. stacks and fast-Z volumes
//   no_sidecar      `<stem>.tileData.txt` does not exist
//   bad_sidecar     the sidecar is unreadable, malformed JSON or misses/garbles a required key
//   frames_mismatch frames on disk F differ from the sidecar's framesPerTile (e.g. a summed
//                   image saved as one frame), or the page count is not F·C·Z
const std::vector<std::string_view> kScreenReasons = {
    "unreadable",  "empty",       "not_tiff",   "truncated",   "corrupt",        "not_scanimage",
    "unsupported", "multi_slice", "no_sidecar", "bad_sidecar", "frames_mismatch"};

std::string_view ScreenResult::reason_code() const {
  const auto colon = std::string_view(reason).find(':');
  return std::string_view(reason).substr(0, colon);
}

namespace {

// The error message without the leading "<file>: " and on one line.
std::string detail_of(const std::exception& e, const std::filesystem::path& file) {
  std::string text = e.what();
  const auto prefix = file.string() + ": ";
  if (text.rfind(prefix, 0) == 0) text.erase(0, prefix.size());
  for (auto& ch : text)
    if (ch == '\n' || ch == '\r') ch = ' ';
  return text;
}

std::string_view tiff_error_code(const Error& e) {
  const std::string_view what = e.what();
  switch (e.kind()) {
    case ErrorKind::kCorrupt:
      if (what.find("empty file") != std::string_view::npos) return "empty";
      if (what.find("not a TIFF") != std::string_view::npos) return "not_tiff";
      if (what.find("truncated") != std::string_view::npos) return "truncated";
      return "corrupt";
    case ErrorKind::kUnsupported:
      if (what.find("not a ScanImage file") != std::string_view::npos) return "not_scanimage";
      return "unsupported";
    case ErrorKind::kNotFound:
    case ErrorKind::kIo:
      return "unreadable";
    default:
      return "corrupt";
  }
}

std::string plural(long long n, std::string_view word) {
  return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
}

void check_frames(ScreenResult& result) {
  const auto& info = *result.info;
  const auto expected = std::size_t(info.frames) * std::size_t(info.channels) * info.slices;
  if (info.frames < 1 || info.pages != expected) {
    result.reason = fmt::format(
        "frames_mismatch: {} on disk but metadata frames x channels x slices = {} x {} x {} = {} "
        "(sidecar framesPerTile {})",
        plural((long long)info.pages, "page"), info.frames, info.channels, info.slices, expected,
        result.tile->frames_per_tile);
    return;
  }
  if (info.frames != result.tile->frames_per_tile) {
    result.reason = fmt::format("frames_mismatch: {} on disk, sidecar framesPerTile {}",
                                plural(info.frames, "frame"), result.tile->frames_per_tile);
    return;
  }
  result.frames = info.frames;
}

}  // namespace

ScreenResult screen_raw_image(const std::filesystem::path& tif) {
  ScreenResult result;
  try {
    result.info = ScanImageReader(tif).info();
  } catch (const Error& e) {
    const auto code = tiff_error_code(e);
    auto detail = detail_of(e, tif);
    const auto repeated = std::string(code) + ": ";  // "truncated: truncated: ..." reads badly
    if (detail.rfind(repeated, 0) == 0) detail.erase(0, repeated.size());
    result.reason = fmt::format("{}: {}", code, detail);
    return result;
  } catch (const std::exception& e) {
    result.reason = fmt::format("unreadable: {}", detail_of(e, tif));
    return result;
  }
  if (result.info->slices > 1) {
    result.reason = fmt::format("multi_slice: {} z slices (only single-slice stacks are used)",
                                result.info->slices);
    return result;
  }
  const auto sidecar = tile_data_path(tif);
  try {
    result.tile = read_tile_data(sidecar);
  } catch (const Error& e) {
    const bool missing = e.kind() == ErrorKind::kNotFound;
    result.reason = missing ? fmt::format("no_sidecar: {} does not exist", sidecar.string())
                            : fmt::format("bad_sidecar: {}", detail_of(e, tif));
    return result;
  } catch (const std::exception& e) {
    result.reason = fmt::format("bad_sidecar: {}: {}", sidecar.string(), e.what());
    return result;
  }
  check_frames(result);
  return result;
}

}  // namespace flamecare
