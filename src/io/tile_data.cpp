// FLAME `<stem>.tileData.txt` sidecars: JSON `{"TileData": {...}}` (DESIGN.md § Words).
#include <climits>
#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "flamecare/error.hpp"
#include "flamecare/tile_data.hpp"
#include "io/regular_file.hpp"
#include "util/json_text.hpp"
#include "util/text.hpp"

namespace flamecare {
namespace {

using nlohmann::json;

constexpr const char* kRequired[] = {
    "tileID",        "tileResolution", "tileChannelsAvailable", "channelsAcquired",
    "channelsSaved", "framesPerTile",  "tileScannedThisFile",   "tileZs"};

[[noreturn]] void bad(std::string_view source, const std::string& what) {
  throw Error(ErrorKind::kCorrupt, fmt::format("{}: {}", source, what));
}

// An integral number (5 or 5.0); nullopt for anything else.
std::optional<long long> as_integer(const json& v) {
  if (v.is_number_unsigned()) {
    const auto u = v.get<unsigned long long>();
    return u <= (unsigned long long)LLONG_MAX ? std::optional<long long>((long long)u)
                                              : std::nullopt;
  }
  if (v.is_number_integer()) return v.get<long long>();
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 1e15) return (long long)d;
  }
  return std::nullopt;
}

// What makes text unfit for the JSON parser, checked before parsing: not UTF-8 (UTF-16 from a
// Windows editor, binary data) or nested deeper than kMaxSidecarDepth. nlohmann's values are
// recursive (dump, destruction), so a 100,000-deep array must never be built. "" when fine.
std::string unfit_text(std::string_view text) {
  const auto starts = [&](std::string_view prefix) {
    return text.substr(0, prefix.size()) == prefix;
  };
  if (starts("\xFF\xFE") || starts("\xFE\xFF")) {
    return fmt::format(
        "looks like UTF-16 text (byte-order mark {:02X} {:02X}), not UTF-8 JSON; save "
        "the sidecar as UTF-8",
        (unsigned char)text[0], (unsigned char)text[1]);
  }
  if (const auto nul = text.find('\0'); nul != std::string_view::npos) {
    return fmt::format(
        "has a NUL byte at byte {}: looks like UTF-16 or binary data, not UTF-8 JSON", nul);
  }
  if (const auto bad = detail::first_invalid_utf8(text); bad < text.size()) {
    return fmt::format("is not UTF-8 text (byte {:02X} at byte {})", (unsigned char)text[bad], bad);
  }
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;  // skip the escaped character
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxSidecarDepth) {
        return fmt::format("JSON nested deeper than {} levels (at byte {})", kMaxSidecarDepth, i);
      }
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return "";
}

}  // namespace

std::filesystem::path tile_data_path(const std::filesystem::path& tif) {
  return tif.parent_path() / (tif.stem().string() + ".tileData.txt");
}

TileData parse_tile_data(std::string_view text, std::string_view source) {
  if (const std::string unfit = unfit_text(text); !unfit.empty()) bad(source, unfit);
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    // The parser's own id ("[json.exception.parse_error.101]") means nothing to a reader.
    std::string position;
    const std::string cause = detail::json_parse_error_cause(e.what(), position);
    bad(source, position.empty()
                    ? fmt::format("malformed JSON at byte {}: {}", e.byte, cause)
                    : fmt::format("malformed JSON at byte {} ({}): {}", e.byte, position, cause));
  } catch (const json::exception& e) {  // e.g. out_of_range.406: a number beyond double's range
    bad(source, fmt::format("unreadable JSON: {}", detail::json_error_text(e.what())));
  }
  if (!doc.is_object() || !doc.contains("TileData") || !doc["TileData"].is_object())
    bad(source, "no \"TileData\" object");
  const json& t = doc["TileData"];
  for (const char* key : kRequired)
    if (!t.contains(key)) bad(source, fmt::format("TileData has no required key \"{}\"", key));
  TileData out;
  const auto id = as_integer(t["tileID"]);
  if (!id) bad(source, fmt::format("tileID is not an integer: {}", t["tileID"].dump()));
  if (*id < INT_MIN || *id > INT_MAX) bad(source, fmt::format("tileID {} is out of range", *id));
  out.tile_id = int(*id);
  const auto frames = as_integer(t["framesPerTile"]);
  if (!frames || *frames < 1 || *frames > 1000000000)
    bad(source,
        fmt::format("framesPerTile must be a positive integer, got {}", t["framesPerTile"].dump()));
  out.frames_per_tile = int(*frames);
  if (t.contains("bidirectionalCorrection") && !t["bidirectionalCorrection"].is_null()) {
    const auto b = as_integer(t["bidirectionalCorrection"]);
    if (!b || std::llabs(*b) > 1000000)
      bad(source, fmt::format("bidirectionalCorrection must be a whole number of pixels, got {}",
                              t["bidirectionalCorrection"].dump()));
    out.bidirectional_correction = int(*b);
  }
  out.tile_resolution = t["tileResolution"].dump();
  out.channels_saved = t["channelsSaved"].dump();
  out.raw_json = t.dump();
  return out;
}

TileData read_tile_data(const std::filesystem::path& sidecar) {
  return parse_tile_data(detail::read_regular_file(sidecar, kMaxSidecarBytes),
                         detail::printable(sidecar.native()));
}

}  // namespace flamecare
