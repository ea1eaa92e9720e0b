// FLAME `<stem>.tileData.txt` sidecars: JSON `{"TileData": {...}}` (DESIGN.md § Words).
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "flamecare/error.hpp"
#include "flamecare/tile_data.hpp"

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
  if (v.is_number_integer()) return v.get<long long>();
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 1e15) return (long long)d;
  }
  return std::nullopt;
}

}  // namespace

std::filesystem::path tile_data_path(const std::filesystem::path& tif) {
  return tif.parent_path() / (tif.stem().string() + ".tileData.txt");
}

TileData parse_tile_data(std::string_view text, std::string_view source) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    bad(source, fmt::format("malformed JSON at byte {}: {}", e.byte, e.what()));
  }
  if (!doc.is_object() || !doc.contains("TileData") || !doc["TileData"].is_object())
    bad(source, "no \"TileData\" object");
  const json& t = doc["TileData"];
  for (const char* key : kRequired)
    if (!t.contains(key)) bad(source, fmt::format("TileData has no required key \"{}\"", key));
  TileData out;
  const auto id = as_integer(t["tileID"]);
  if (!id) bad(source, fmt::format("tileID is not an integer: {}", t["tileID"].dump()));
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
  std::error_code ec;
  if (!std::filesystem::exists(sidecar, ec))
    throw Error(ErrorKind::kNotFound, fmt::format("{}: no such sidecar", sidecar.string()));
  std::ifstream in(sidecar, std::ios::binary);
  if (!in)
    throw Error(ErrorKind::kIo,
                fmt::format("{}: cannot open: {}", sidecar.string(), std::strerror(errno)));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw Error(ErrorKind::kIo, fmt::format("{}: read error", sidecar.string()));
  return parse_tile_data(text.str(), sidecar.string());
}

}  // namespace flamecare
