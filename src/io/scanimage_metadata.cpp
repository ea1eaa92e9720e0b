// ScanImage header text: tifffile-compatible `KEY = VALUE` parsing and the C/F/Z derivation of
// SCANIMAGE.md §3.1 and §4.
#include <charconv>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "flamecare/error.hpp"
#include "io/scanimage_detail.hpp"

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

std::optional<double> si_number(const ScanImageInfo& info, std::string_view key) {
  const auto* raw = find_si_value(info, key);
  return raw ? parse_matlab_scalar(*raw) : std::nullopt;
}

std::optional<double> state_number(const ScanImageInfo& info, const std::string& key) {
  const auto it = info.metadata.find(key);
  return it == info.metadata.end() ? std::nullopt : parse_matlab_scalar(it->second);
}

std::string unquote(std::string_view s) {
  s = trim(s);
  if (s.size() >= 2 && s.front() == '\'' && s.back() == '\'') s = s.substr(1, s.size() - 2);
  return std::string(s);
}

bool positive_int(std::optional<double> v) {
  return v && std::isfinite(*v) && *v >= 1 && *v == std::floor(*v) && *v < 1e9;
}

// SI 3.x: state.acq.* keys.
void derive_legacy_shape(ScanImageInfo& info) {
  const auto chans = state_number(info, "state.acq.numberOfChannelsSave");
  info.channels = positive_int(chans) ? int(*chans) : 1;
  for (int id = 1; id <= 4; ++id) {
    const auto saving = state_number(info, fmt::format("state.acq.savingChannel{}", id));
    if (saving && *saving != 0) info.saved_channels.push_back(id);
  }
  const auto z = state_number(info, "state.acq.numberOfZSlices");
  info.slices = positive_int(z) ? int(*z) : 1;
  const auto f = state_number(info, "state.acq.numberOfFrames");
  info.frames =
      positive_int(f) ? int(*f) : int(info.pages / std::size_t(info.channels * info.slices));
  if (const auto it = info.metadata.find("state.software.version"); it != info.metadata.end())
    info.scanimage_version = unquote(it->second);
}

int derive_slices(const ScanImageInfo& info) {
  for (const auto* key :
       {"hStackManager.actualNumSlices", "hStackManager.slicesPerAcq", "hStackManager.numSlices"}) {
    const auto z = si_number(info, key);
    if (positive_int(z)) return int(*z);
  }
  return 1;
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
  const auto* save = find_si_value(info, "hChannels.channelSave");
  const auto ids = save ? parse_matlab_numbers(*save) : std::nullopt;
  if (!ids || ids->empty())
    throw Error(ErrorKind::kUnsupported,
                fmt::format("{}: cannot determine the saved channels (SI.hChannels.channelSave = "
                            "'{}')",
                            info.path.string(), save ? *save : std::string("<missing>")));
  info.channels = int(ids->size());
  info.saved_channels.clear();
  for (double id : *ids) info.saved_channels.push_back(int(id));
  info.slices = derive_slices(info);
  const auto fps = si_number(info, "hStackManager.framesPerSlice");
  auto avg = si_number(info, "hScan2D.logAverageFactor");
  if (!positive_int(avg)) avg = 1.0;
  if (positive_int(fps)) {
    info.frames = std::max(1, int(*fps / *avg));
  } else {  // Inf (focus / unlimited grab) or missing: the pages decide.
    info.frames = int(info.pages / std::size_t(info.channels * info.slices));
  }
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
