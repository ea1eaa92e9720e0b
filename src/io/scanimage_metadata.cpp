// ScanImage header text: tifffile-compatible `KEY = VALUE` parsing and the C/F/Z derivation of
// SCANIMAGE.md §3.1 and §4.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "flamecare/error.hpp"
#include "io/scanimage_detail.hpp"
#include "util/text.hpp"

namespace flamecare {
namespace {

constexpr std::string_view kSpace = " \t\r\n\f\v";

std::string_view trim(std::string_view s) {
  const auto b = s.find_first_not_of(kSpace);
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(kSpace);
  return s.substr(b, e - b + 1);
}

// tifffile drops keys holding any of these characters (they are not MATLAB property paths).
bool key_is_valid(std::string_view key) {
  return !key.empty() && key.find_first_of(" ';[]{}<>") == std::string_view::npos;
}

void add_line(std::string_view line, std::map<std::string, std::string>& out) {
  line = trim(line);
  if (line.empty() || line.front() == '%') return;
  const auto eq = line.find('=');
  if (eq == std::string_view::npos) return;
  const auto key = trim(line.substr(0, eq));
  if (!key_is_valid(key)) return;
  out[std::string(key)] = std::string(trim(line.substr(eq + 1)));
}

std::optional<double> parse_plain_number(std::string_view s) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty() || s.front() == '+') return std::nullopt;
  double value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return value;
}

}  // namespace

std::map<std::string, std::string> parse_si_text(std::string_view text) {
  std::map<std::string, std::string> out;
  // One pass; each line is handled once, so the cost is linear in the text size
  // (plus the map's logarithmic insertions per key).
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find_first_of("\r\n", start);
    if (end == std::string_view::npos) end = text.size();
    add_line(text.substr(start, end - start), out);
    start = end + 1;
  }
  return out;
}

std::optional<double> parse_matlab_scalar(std::string_view raw) {
  const auto s = trim(raw);
  if (s == "true" || s == "True") return 1.0;
  if (s == "false" || s == "False") return 0.0;
  return parse_plain_number(s);
}

std::optional<std::vector<double>> parse_matlab_numbers(std::string_view raw) {
  auto s = trim(raw);
  std::vector<double> values;
  if (s.size() >= 2 && s.front() == '[' && s.back() == ']') {
    s = s.substr(1, s.size() - 2);
  } else {
    const auto scalar = parse_matlab_scalar(s);
    if (!scalar) return std::nullopt;
    values.push_back(*scalar);
    return values;
  }
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b = s.find_first_not_of(" \t,;", i);
    if (b == std::string_view::npos) break;
    auto e = s.find_first_of(" \t,;", b);
    if (e == std::string_view::npos) e = s.size();
    const auto value = parse_matlab_scalar(s.substr(b, e - b));
    if (!value) return std::nullopt;
    values.push_back(*value);
    i = e;
  }
  return values;
}

namespace detail {
namespace {

[[noreturn]] void out_of_range(const ScanImageInfo& info, std::string_view key,
                               std::string_view raw, int limit) {
  throw RawFileError(ErrorKind::kCorrupt, ScreenReason::kCorrupt, info.path,
                     fmt::format("header value {} = {} is out of range (1..{})", key, raw, limit));
}

// A count from the header: nullopt when absent or not a positive whole number (the caller then
// falls back as ScanImage readers do); a RawFileError when it is a whole number above `limit`.
std::optional<int> header_count(const ScanImageInfo& info, std::string_view key,
                                const std::string* raw, int limit) {
  const auto v = raw ? parse_matlab_scalar(*raw) : std::nullopt;
  if (!v || !std::isfinite(*v) || *v < 1 || *v != std::floor(*v)) return std::nullopt;
  if (*v > limit) out_of_range(info, key, trim(*raw), limit);
  return int(*v);
}

const std::string* state_value(const ScanImageInfo& info, const std::string& key) {
  const auto it = info.metadata.find(key);
  return it == info.metadata.end() ? nullptr : &it->second;
}

std::optional<int> state_count(const ScanImageInfo& info, const std::string& key, int limit) {
  return header_count(info, key, state_value(info, key), limit);
}

std::optional<int> si_count(const ScanImageInfo& info, std::string_view key, int limit) {
  return header_count(info, fmt::format("SI.{}", key), find_si_value(info, key), limit);
}

std::string unquote(std::string_view s) {
  s = trim(s);
  if (s.size() >= 2 && s.front() == '\'' && s.back() == '\'') s = s.substr(1, s.size() - 2);
  return printable(s);
}

// Frames when the header does not say: the pages of one channel of one slice. channels and
// slices are range-checked, so their product cannot overflow; the result may be 0 (too few
// pages), which screening reports as frames_mismatch.
int frames_from_pages(const ScanImageInfo& info) {
  const std::uint64_t per_frame = std::uint64_t(info.channels) * std::uint64_t(info.slices);
  return int(std::min<std::uint64_t>(info.pages / per_frame, kMaxFrames));
}

// SI 3.x: state.acq.* keys.
void derive_legacy_shape(ScanImageInfo& info) {
  info.channels = state_count(info, "state.acq.numberOfChannelsSave", kMaxChannels).value_or(1);
  for (int id = 1; id <= 4; ++id) {
    const auto* saving = state_value(info, fmt::format("state.acq.savingChannel{}", id));
    const auto value = saving ? parse_matlab_scalar(*saving) : std::nullopt;
    if (value && *value != 0) info.saved_channels.push_back(id);
  }
  info.slices = state_count(info, "state.acq.numberOfZSlices", kMaxSlices).value_or(1);
  const auto frames = state_count(info, "state.acq.numberOfFrames", kMaxFrames);
  info.frames = frames ? *frames : frames_from_pages(info);
  if (const auto* version = state_value(info, "state.software.version"))
    info.scanimage_version = unquote(*version);
}

int derive_slices(const ScanImageInfo& info) {
  for (const auto* key :
       {"hStackManager.actualNumSlices", "hStackManager.slicesPerAcq", "hStackManager.numSlices"}) {
    if (const auto z = si_count(info, key, kMaxSlices)) return *z;
  }
  return 1;
}

// SI.hChannels.channelSave: a scalar or a list of channel ids, each a whole number 1..64.
void derive_channels(ScanImageInfo& info) {
  const auto* save = find_si_value(info, "hChannels.channelSave");
  const auto ids = save ? parse_matlab_numbers(*save) : std::nullopt;
  if (!ids || ids->empty()) {
    throw RawFileError(ErrorKind::kUnsupported, ScreenReason::kUnsupported, info.path,
                       fmt::format("cannot determine the saved channels (SI.hChannels.channelSave "
                                   "= '{}')",
                                   save ? printable(trim(*save)) : std::string("<missing>")));
  }
  if (ids->size() > std::size_t(kMaxChannels)) {
    out_of_range(info, "the number of SI.hChannels.channelSave ids", std::to_string(ids->size()),
                 kMaxChannels);
  }
  info.channels = int(ids->size());
  info.saved_channels.clear();
  for (const double id : *ids) {
    if (!(id >= 1 && id <= kMaxChannels && id == std::floor(id))) {
      out_of_range(info, "a channel id of SI.hChannels.channelSave", fmt::format("{}", id),
                   kMaxChannels);
    }
    info.saved_channels.push_back(int(id));
  }
}

}  // namespace

const std::string* find_si_value(const ScanImageInfo& info, std::string_view key) {
  for (const auto* prefix : {"SI.", "scanimage.SI.", "scanimage.SI5.", "scanimage.SI4."}) {
    const auto it = info.metadata.find(std::string(prefix) + std::string(key));
    if (it != info.metadata.end()) return &it->second;
  }
  return nullptr;
}

void derive_si_shape(ScanImageInfo& info) {
  if (info.metadata.count("state.software.version") ||
      info.metadata.count("state.acq.numberOfFrames")) {
    derive_legacy_shape(info);
    return;
  }
  derive_channels(info);
  info.slices = derive_slices(info);
  const auto fps = si_count(info, "hStackManager.framesPerSlice", kMaxFrames);
  const int average = si_count(info, "hScan2D.logAverageFactor", kMaxFrames).value_or(1);
  // Inf (focus / unlimited grab) or missing framesPerSlice: the pages decide.
  info.frames = fps ? std::max(1, *fps / average) : frames_from_pages(info);
  const auto* major = find_si_value(info, "VERSION_MAJOR");
  const auto* minor = find_si_value(info, "VERSION_MINOR");
  if (major) {
    info.scanimage_version = unquote(*major);
    const auto m = minor ? unquote(*minor) : std::string();
    if (!m.empty() && m != "0") info.scanimage_version += "." + m;
  }
}

}  // namespace detail
}  // namespace flamecare
