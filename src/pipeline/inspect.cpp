// `inspect`: one raw image screened as `index` screens it, plus its sidecar read on its own, and
// the JSON `flamecare inspect --json` prints and `flamecare.inspect` returns (made only here).
#include "flamecare/inspect.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "flamecare/error.hpp"
#include "util/text.hpp"

namespace flamecare {
namespace fs = std::filesystem;
namespace {

using Json = nlohmann::ordered_json;

SidecarReport read_sidecar(const fs::path& tif) {
  SidecarReport report;
  report.path = tile_data_path(tif);
  try {
    report.tile = read_tile_data(report.path);
    report.state = SidecarState::kValid;
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::kNotFound) return report;
    report.state = SidecarState::kInvalid;
    // The message names the sidecar first; its path is reported on its own.
    std::string_view problem = e.what();
    const std::string named = detail::printable(report.path.native()) + ": ";
    if (problem.starts_with(named)) problem.remove_prefix(named.size());
    report.problem = detail::one_line(detail::printable(problem));
  } catch (const std::exception& e) {  // e.g. bad_alloc: unusable either way
    report.state = SidecarState::kInvalid;
    report.problem = detail::one_line(detail::printable(e.what()));
  }
  return report;
}

Json tile_json(const TileData& t) {
  Json s;
  s["tile_id"] = t.tile_id;
  s["frames_per_tile"] = t.frames_per_tile;
  s["channels_saved"] = Json::parse(t.channels_saved);  // compact JSON written by the parser
  s["bidirectional_correction"] =
      t.bidirectional_correction ? Json(*t.bidirectional_correction) : Json(nullptr);
  return s;
}

// The TIFF's facts, null when it could not be read as ScanImage.
void add_tiff_facts(Json& j, const ScanImageInfo* i) {
  const auto fact = [&](auto value) { return i ? Json(value) : Json(nullptr); };
  j["format"] = fact(i && i->big_tiff ? "BigTIFF" : "classic TIFF");
  j["scanimage_version"] = fact(i ? detail::printable(i->scanimage_version) : std::string());
  j["header_version"] = i && i->header_version ? Json(i->header_version) : Json(nullptr);
  j["frames"] = fact(i ? i->frames : 0);
  j["channels"] = fact(i ? i->channels : 0);
  j["slices"] = fact(i ? i->slices : 0);
  j["height"] = fact(i ? i->height : 0);
  j["width"] = fact(i ? i->width : 0);
  j["dtype"] = fact(i ? std::string(pixel_type_name(i->pixel_type)) : std::string());
  j["pages"] = fact(i ? i->pages : 0);
}

}  // namespace

std::string_view to_string(SidecarState state) {
  switch (state) {
    case SidecarState::kMissing:
      return "missing";
    case SidecarState::kValid:
      return "valid";
    case SidecarState::kInvalid:
      return "invalid";
  }
  return "invalid";
}

InspectReport inspect_raw_image(const fs::path& file) {
  const std::string name = detail::printable(file.native());
  std::error_code ec;
  // A broken symlink exists (as a name) and is reported as unreadable, as `index` does.
  if (!fs::exists(fs::symlink_status(file, ec)))
    throw Error(ErrorKind::kNotFound, fmt::format("{}: no such file", name));
  if (fs::is_directory(file, ec)) {
    throw Error(ErrorKind::kInvalidArgument,
                fmt::format("{}: is a directory; inspect takes one raw image file", name));
  }
  InspectReport report;
  report.file = file;
  report.screen = screen_raw_image(file);
  if (report.screen.info) {
    report.file_size = report.screen.info->file_size;
  } else {
    const auto size = fs::file_size(file, ec);
    report.file_size = ec ? 0 : size;
  }
  report.sidecar = read_sidecar(file);
  return report;
}

std::string format_inspect_json(const InspectReport& report) {
  Json j;
  j["file"] = detail::printable(report.file.native());
  add_tiff_facts(j, report.screen.info ? &*report.screen.info : nullptr);
  j["file_size"] = report.file_size;
  const SidecarReport& s = report.sidecar;
  j["sidecar"] = s.tile ? tile_json(*s.tile) : Json(nullptr);
  j["sidecar_path"] = detail::printable(s.path.native());
  j["sidecar_state"] = std::string(to_string(s.state));
  j["sidecar_problem"] = s.problem;
  j["usable"] = report.screen.usable();
  j["reason"] = report.screen.reason_text();
  return j.dump(2);
}

}  // namespace flamecare
