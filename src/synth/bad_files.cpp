// Deliberately unusable raw images, each failing a different check of the screening stage.
#include "synth/bad_files.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <string>

#include <fmt/format.h>

#include "flamecare/error.hpp"
#include "io/atomic_file.hpp"
#include "synth/tissue_model.hpp"

namespace flamecare::detail {
namespace {

template <class T>
void put(std::string& out, T value) {
  out.append(reinterpret_cast<const char*>(&value), sizeof(T));
}

void put_classic_entry(std::string& out, std::uint16_t tag, std::uint16_t type,
                       std::uint32_t value) {
  put(out, tag);
  put(out, type);
  put<std::uint32_t>(out, 1);
  put(out, value);
}

// Copies the first `keep` bytes of `from`, as an interrupted transfer would leave it.
void write_truncated_copy(const std::filesystem::path& from, const std::filesystem::path& to,
                          std::uintmax_t keep) {
  std::ifstream in(from, std::ios::binary);
  AtomicFile file(to);
  std::ofstream out(file.temp_path(), std::ios::binary);
  if (!in || !out) {
    throw Error(ErrorKind::kIo, fmt::format("{}: cannot copy from {}: {}", to.string(),
                                            from.string(), std::strerror(errno)));
  }
  std::vector<char> buffer(1 << 20);
  while (keep > 0 && in) {
    in.read(buffer.data(), std::streamsize(std::min<std::uintmax_t>(keep, buffer.size())));
    out.write(buffer.data(), in.gcount());
    keep -= std::uintmax_t(in.gcount());
  }
  out.close();
  if (!out || keep != 0) {
    throw Error(ErrorKind::kIo, fmt::format("{}: copying {} failed with {} bytes left", to.string(),
                                            from.string(), keep));
  }
  file.commit();
}

TileDataSpec sidecar_for(const SynthOptions& options, int tile_id) {
  return TileDataSpec{.tile_id = tile_id,
                      .frames_per_tile = options.frames,
                      .channels = options.channels,
                      .height = options.size,
                      .width = options.size};
}

}  // namespace

void make_directories(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    throw Error(ErrorKind::kIo,
                fmt::format("{}: cannot create directory: {}", dir.string(), ec.message()));
  }
}

void write_plain_tiff(const std::filesystem::path& path, int height, int width,
                      std::uint64_t seed) {
  constexpr std::uint16_t kShort = 3, kLong = 4;
  const auto pixels = std::uint32_t(height) * std::uint32_t(width);
  constexpr std::uint32_t kIfd = 8;
  constexpr std::uint16_t kEntries = 9;
  const std::uint32_t data = kIfd + 2 + kEntries * 12 + 4;
  std::string out = "II";
  put<std::uint16_t>(out, 42);
  put<std::uint32_t>(out, kIfd);
  put(out, kEntries);
  put_classic_entry(out, 256, kLong, std::uint32_t(width));
  put_classic_entry(out, 257, kLong, std::uint32_t(height));
  put_classic_entry(out, 258, kShort, 8);
  put_classic_entry(out, 259, kShort, 1);
  put_classic_entry(out, 262, kShort, 1);
  put_classic_entry(out, 273, kLong, data);
  put_classic_entry(out, 277, kShort, 1);
  put_classic_entry(out, 278, kLong, std::uint32_t(height));
  put_classic_entry(out, 279, kLong, pixels);
  put<std::uint32_t>(out, 0);
  std::mt19937_64 rng(seed);
  for (std::uint32_t i = 0; i < pixels; ++i) out.push_back(char(rng() & 0xff));
  write_file_atomic(path, out);
}

std::vector<std::filesystem::path> write_bad_files(const SynthOptions& options,
                                                   const StackSpec& base,
                                                   const std::filesystem::path& good_example,
                                                   const Reporter& reporter) {
  const auto dir = good_example.parent_path();
  const auto name = [&](int n) { return dir / fmt::format("Im_{:05d}.tif", n); };
  std::vector<std::filesystem::path> bad;
  // The scope saved the already-summed image: one frame on disk, the sidecar still says F.
  SynthStack summed{.spec = base, .seed = mix_seed(options.seed, 5, 1)};
  summed.spec.frames = 1;
  summed.spec.frames_per_slice = 1;
  summed.frames_summed = options.frames;
  write_synthetic_stack(name(91), summed);
  write_tile_data(name(91), sidecar_for(options, 91));
  bad.push_back(name(91));
  // A transfer cut short: the strip data of the later pages is missing.
  const auto full = std::filesystem::file_size(good_example);
  write_truncated_copy(good_example, name(92), full * 3 / 5);
  write_tile_data(name(92), sidecar_for(options, 92));
  bad.push_back(name(92));
  // A valid TIFF from some other software.
  write_plain_tiff(name(93), options.size, options.size, mix_seed(options.seed, 5, 3));
  write_tile_data(name(93), sidecar_for(options, 93));
  bad.push_back(name(93));
  // A good stack whose sidecar was never copied.
  write_synthetic_stack(name(94), SynthStack{.spec = base, .seed = mix_seed(options.seed, 5, 4)});
  bad.push_back(name(94));
  // A good stack with a sidecar cut off mid-object.
  write_synthetic_stack(name(95), SynthStack{.spec = base, .seed = mix_seed(options.seed, 5, 5)});
  write_file_atomic(dir / "Im_00095.tileData.txt",
                    fmt::format("{{\"TileData\": {{\"tileID\": 95, \"framesPerTile\": {},\n"
                                "  \"tileResolution\": [{}, ",
                                options.frames, options.size));
  bad.push_back(name(95));
  reporter.info(fmt::format("synth: wrote {} unusable files in {}", bad.size(), dir.string()));
  return bad;
}

}  // namespace flamecare::detail
