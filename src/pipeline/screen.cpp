// Screening one raw image: a readable single-slice ScanImage stack whose frames on disk match the
// sidecar's framesPerTile. Every problem becomes a ScreenReason + detail, never an exception; the
// reasons come from the reader as codes (RawFileError), never from message text.
#include "flamecare/screen.hpp"

#include <array>
#include <utility>

#include <fmt/format.h>

#include "util/text.hpp"

namespace flamecare {
namespace {

// The one table of reason codes (README "Reason codes"), in the order a file is checked.
constexpr std::array<std::pair<ScreenReason, std::string_view>, 11> kCodes = {{
    {ScreenReason::kUnreadable, "unreadable"},
    {ScreenReason::kEmpty, "empty"},
    {ScreenReason::kNotTiff, "not_tiff"},
    {ScreenReason::kTruncated, "truncated"},
    {ScreenReason::kCorrupt, "corrupt"},
    {ScreenReason::kNotScanImage, "not_scanimage"},
    {ScreenReason::kUnsupported, "unsupported"},
    {ScreenReason::kMultiSlice, "multi_slice"},
    {ScreenReason::kNoSidecar, "no_sidecar"},
    {ScreenReason::kBadSidecar, "bad_sidecar"},
    {ScreenReason::kFramesMismatch, "frames_mismatch"},
}};

std::vector<std::string_view> all_codes() {
  std::vector<std::string_view> codes;
  for (const auto& [reason, code] : kCodes) codes.push_back(code);
  return codes;
}

// A detail never repeats its code ("truncated: truncated: ..." reads badly).
std::string without_code(ScreenReason reason, std::string detail) {
  const std::string repeated = std::string(to_string(reason)) + ": ";
  if (detail.starts_with(repeated)) detail.erase(0, repeated.size());
  return detail;
}

std::string plural(long long n, std::string_view word) {
  return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
}

void set_reason(ScreenResult& result, ScreenReason reason, const std::string& detail) {
  result.frames = -1;
  result.reason = reason;
  result.detail = without_code(reason, detail::one_line(detail::printable(detail)));
}

void check_frames(ScreenResult& result) {
  const auto& info = *result.info;
  // Each factor is range-checked by the reader (at most 1e9 · 64 · 1e6), so no overflow.
  const auto expected =
      std::uint64_t(info.frames) * std::uint64_t(info.channels) * std::uint64_t(info.slices);
  if (info.frames < 1 || info.pages != expected) {
    set_reason(result, ScreenReason::kFramesMismatch,
               fmt::format("{} on disk but metadata frames x channels x slices = {} x {} x {} = "
                           "{} (sidecar framesPerTile {})",
                           plural((long long)info.pages, "page"), info.frames, info.channels,
                           info.slices, expected, result.tile->frames_per_tile));
    return;
  }
  if (info.frames != result.tile->frames_per_tile) {
    set_reason(result, ScreenReason::kFramesMismatch,
               fmt::format("{} on disk, sidecar framesPerTile {}", plural(info.frames, "frame"),
                           result.tile->frames_per_tile));
    return;
  }
  result.frames = info.frames;
}

}  // namespace

const std::vector<std::string_view> kScreenReasons = all_codes();

std::string_view to_string(ScreenReason reason) {
  for (const auto& [r, code] : kCodes) {
    if (r == reason) return code;
  }
  return "";
}

std::optional<ScreenReason> parse_screen_reason(std::string_view code) {
  for (const auto& [reason, c] : kCodes) {
    if (c == code) return reason;
  }
  return std::nullopt;
}

RawFileError::RawFileError(ErrorKind kind, ScreenReason reason, const std::filesystem::path& file,
                           const std::string& detail)
    : Error(kind, fmt::format("{}: {}", detail::printable(file.native()), detail)),
      reason_(reason),
      detail_(detail::one_line(detail::printable(detail))) {}

std::string ScreenResult::reason_text() const {
  if (reason == ScreenReason::kNone) return "";
  return fmt::format("{}: {}", to_string(reason), detail);
}

ScreenResult screen_raw_image(const std::filesystem::path& tif) {
  ScreenResult result;
  try {
    result.info = ScanImageReader(tif).info();
  } catch (const RawFileError& e) {
    set_reason(result, e.reason(), e.detail());
    return result;
  } catch (const std::exception& e) {  // e.g. bad_alloc: the file is not usable either way
    set_reason(result, ScreenReason::kUnreadable, e.what());
    return result;
  }
  if (result.info->slices > 1) {
    set_reason(result, ScreenReason::kMultiSlice,
               fmt::format("{} z slices (only single-slice stacks are used)", result.info->slices));
    return result;
  }
  const auto sidecar = tile_data_path(tif);
  try {
    result.tile = read_tile_data(sidecar);
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::kNotFound) {
      set_reason(result, ScreenReason::kNoSidecar,
                 fmt::format("{} does not exist", detail::printable(sidecar.native())));
    } else {
      set_reason(result, ScreenReason::kBadSidecar, e.what());
    }
    return result;
  } catch (const std::exception& e) {
    set_reason(result, ScreenReason::kBadSidecar,
               fmt::format("{}: {}", detail::printable(sidecar.native()), e.what()));
    return result;
  }
  check_frames(result);
  return result;
}

}  // namespace flamecare
