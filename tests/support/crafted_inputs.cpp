// Hostile raw inputs, byte by byte (see crafted_inputs.hpp).
#include "support/crafted_inputs.hpp"

#include <cstring>

namespace flamecare::test {
namespace {

constexpr std::uint16_t kShort = 3, kLong = 4, kAscii = 2;

void put16(std::string& out, std::uint16_t v) {
  out += char(v & 0xff);
  out += char(v >> 8);
}

void put32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out += char((v >> (8 * i)) & 0xff);
}

void set32(std::string& out, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out[at + std::size_t(i)] = char((v >> (8 * i)) & 0xff);
}

void entry(std::string& out, std::uint16_t tag, std::uint16_t type, std::uint32_t count,
           std::uint32_t value) {
  put16(out, tag);
  put16(out, type);
  put32(out, count);
  if (type == kShort && count == 1) {
    put16(out, std::uint16_t(value));
    put16(out, 0);
  } else {
    put32(out, value);
  }
}

void pad_even(std::string& out) {
  if (out.size() % 2) out += '\0';
}

StripLayout default_layout(int page, std::uint32_t data_at, std::uint64_t page_bytes) {
  StripLayout layout{{data_at}, {std::uint32_t(page_bytes)}, std::string(page_bytes, '\0')};
  for (std::size_t i = 0; i < layout.data.size(); ++i) {
    layout.data[i] = char((std::size_t(page) * 7 + i) % 251);
  }
  return layout;
}

}  // namespace

std::string classic_tiff(const ClassicTiffSpec& spec) {
  std::string out("II*\0\0\0\0\0", 8);
  std::size_t next_at = 4;  // where the previous next-IFD offset is stored
  const std::string description = spec.description + '\0';
  const std::uint64_t page_bytes = std::uint64_t(spec.width) * spec.height * (spec.bits / 8);
  for (int p = 0; p < spec.pages; ++p) {
    const auto description_at = std::uint32_t(out.size());
    out += description;
    pad_even(out);
    const auto data_at = std::uint32_t(out.size());
    const StripLayout strips =
        spec.layout ? spec.layout(p, data_at, page_bytes) : default_layout(p, data_at, page_bytes);
    out += strips.data;
    pad_even(out);
    std::uint32_t offsets = strips.offsets.at(0), counts = strips.counts.at(0);
    if (strips.offsets.size() > 1) {
      offsets = std::uint32_t(out.size());
      for (const auto v : strips.offsets) put32(out, v);
      counts = std::uint32_t(out.size());
      for (const auto v : strips.counts) put32(out, v);
    }
    const auto ifd_at = std::uint32_t(out.size());
    const auto n = std::uint32_t(strips.offsets.size());
    put16(out, 11);
    entry(out, 256, kLong, 1, spec.width);
    entry(out, 257, kLong, 1, spec.height);
    entry(out, 258, kShort, 1, std::uint32_t(spec.bits));
    entry(out, 259, kShort, 1, 1);
    entry(out, 262, kShort, 1, 1);
    entry(out, 270, kAscii, std::uint32_t(description.size()), description_at);
    entry(out, 273, kLong, n, offsets);
    entry(out, 277, kShort, 1, 1);
    entry(out, 278, kLong, 1, spec.rows_per_strip ? spec.rows_per_strip : spec.height);
    entry(out, 279, kLong, n, counts);
    entry(out, 339, kShort, 1, std::uint32_t(spec.sample_format));
    set32(out, next_at, ifd_at);
    next_at = out.size();
    put32(out, 0);
    if (spec.self_loop && p == spec.pages - 1) set32(out, next_at, ifd_at);
  }
  return out;
}

std::string si3_description(int frames, int channels, int slices) {
  return "state.software.version=3.8\rstate.acq.numberOfFrames=" + std::to_string(frames) +
         "\rstate.acq.numberOfChannelsSave=" + std::to_string(channels) +
         "\rstate.acq.numberOfZSlices=" + std::to_string(slices) + "\rstate.acq.savingChannel1=1\r";
}

std::string si3_huge_counts() {
  ClassicTiffSpec spec;
  spec.pages = 4;
  spec.description =
      "state.software.version=3.8\rstate.acq.numberOfChannelsSave=65536\r"
      "state.acq.numberOfZSlices=65536\r";
  return classic_tiff(spec);
}

std::string si5_huge_counts() {
  ClassicTiffSpec spec;
  spec.pages = 4;
  spec.description =
      "frameNumbers = 1\nscanimage.SI.VERSION_MAJOR = '5.1'\n"
      "scanimage.SI.hChannels.channelSave = [1;2;3;4;5;6;7;8]\n"
      "scanimage.SI.hStackManager.numSlices = 536870912\n"
      "scanimage.SI.hStackManager.framesPerSlice = Inf\n";
  return classic_tiff(spec);
}

std::string huge_overlapping_strips(std::uint32_t side) {
  ClassicTiffSpec spec;
  spec.width = side;
  spec.height = side;
  spec.rows_per_strip = 1;
  spec.description = si3_description(1, 1, 1);
  spec.layout = [side](int, std::uint32_t data_at, std::uint64_t) {
    return StripLayout{std::vector<std::uint32_t>(side, data_at),
                       std::vector<std::uint32_t>(side, 2 * side), std::string(2 * side, '\0')};
  };
  return classic_tiff(spec);
}

std::string shared_strips() {
  ClassicTiffSpec spec;
  spec.pages = 2;
  spec.description = si3_description(2, 1, 1);
  std::uint32_t first = 0;
  spec.layout = [first](int page, std::uint32_t data_at, std::uint64_t bytes) mutable {
    if (page == 0) first = data_at;
    return StripLayout{{first}, {std::uint32_t(bytes)}, page == 0 ? std::string(bytes, 'x') : ""};
  };
  return classic_tiff(spec);
}

std::string self_loop_ifd() {
  ClassicTiffSpec spec;
  spec.pages = 2;
  spec.width = 8;
  spec.height = 8;
  spec.description = si3_description(2, 1, 1);
  spec.self_loop = true;
  return classic_tiff(spec);
}

std::string sidecar_json(int frames, std::optional<int> bidirectional) {
  std::string text =
      "{\"TileData\": {\"tileID\": 1, \"tileResolution\": [32, 32], \"tileChannelsAvailable\": "
      "4,\n \"channelsAcquired\": [1], \"channelsSaved\": [1], \"framesPerTile\": " +
      std::to_string(frames) + ",\n \"tileScannedThisFile\": true, \"tileZs\": [0]";
  if (bidirectional) text += ", \"bidirectionalCorrection\": " + std::to_string(*bidirectional);
  return text + "}}\n";
}

std::string deep_sidecar(int depth) {
  return "{\"TileData\": {\"tileID\": 1, \"tileResolution\": " +
         std::string(std::size_t(depth), '[') + std::string(std::size_t(depth), ']') +
         ", \"tileChannelsAvailable\": 4, \"channelsAcquired\": [1], \"channelsSaved\": [1], "
         "\"framesPerTile\": 1, \"tileScannedThisFile\": true, \"tileZs\": [0]}}";
}

std::string utf16_sidecar(int frames) {
  std::string out("\xFF\xFE", 2);  // the UTF-16LE byte-order mark, as Windows editors write
  for (const char c : sidecar_json(frames)) {
    out += c;
    out += '\0';
  }
  return out;
}

std::string index_csv_with_id(std::int64_t id) {
  return "id,image,imgarr_nframes\n" + std::to_string(id) + ",old/gone.tif,40\n";
}

std::string si3_stack(int frames) {
  ClassicTiffSpec spec;
  spec.pages = frames;
  spec.description = si3_description(frames, 1, 1);
  return classic_tiff(spec);
}

std::vector<std::pair<std::string, std::string>> all_crafted_files() {
  return {
      {"si3_huge_counts.tif", si3_huge_counts()},
      {"si3_huge_counts.tileData.txt", sidecar_json(1)},
      {"si5_huge_counts.tif", si5_huge_counts()},
      {"si5_huge_counts.tileData.txt", sidecar_json(1)},
      {"huge_overlapping_strips.tif", huge_overlapping_strips()},
      {"huge_overlapping_strips.tileData.txt", sidecar_json(1)},
      {"shared_strips.tif", shared_strips()},
      {"shared_strips.tileData.txt", sidecar_json(2)},
      {"self_loop_ifd.tif", self_loop_ifd()},
      {"self_loop_ifd.tileData.txt", sidecar_json(2)},
      {"deep_sidecar.tif", si3_stack(1)},
      {"deep_sidecar.tileData.txt", deep_sidecar()},
      {"utf16_sidecar.tif", si3_stack(1)},
      {"utf16_sidecar.tileData.txt", utf16_sidecar(1)},
      {"number_overflow.tileData.txt",  // found by fuzz_tile_data
       "{\"TileData\": {\"framesPerTile\": 1E1111111111111111111111}}"},
      {"index_id_2147483647.csv", index_csv_with_id(2147483647)},
  };
}

}  // namespace flamecare::test
