// Uses an installed flamecare through its public headers only: writes a small synthetic corpus,
// indexes it, reads one stack and checks an error kind. Prints "consumer ok" and exits 0 when
// everything matches; exits 1 with the reason otherwise.
#include <cstddef>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <flamecare/error.hpp>
#include <flamecare/index.hpp>
#include <flamecare/scanimage.hpp>
#include <flamecare/synth.hpp>

namespace {

int fail(const std::string& why) {
  std::fprintf(stderr, "consumer: %s\n", why.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) return fail("usage: consumer SCRATCH_DIR");
  const std::filesystem::path dir = argv[1];
  std::filesystem::remove_all(dir);
  try {
    flamecare::SynthOptions synth;
    synth.out = dir / "raw";
    synth.images = 2;
    synth.size = 32;
    synth.frames = 4;
    const auto corpus = flamecare::write_synthetic_corpus(synth, flamecare::Reporter());
    if (corpus.good.size() != 2) return fail("synth wrote " + std::to_string(corpus.good.size()));

    const auto index = flamecare::update_index(
        {.raw_root = dir / "raw", .datasets_dir = dir / "datasets", .threads = 2, .screen = {}},
        flamecare::Reporter());
    if (index.summary.usable != 2) return fail("index: not 2 usable images");

    const flamecare::ScanImageReader reader(corpus.good.front());
    const auto& info = reader.info();
    if (info.frames != 4 || info.channels != 2 || info.height != 32 || info.width != 32)
      return fail("unexpected shape of " + corpus.good.front().string());
    std::vector<std::byte> page(32 * 32 * flamecare::pixel_size(info.pixel_type));
    reader.read_page(info.pages - 1, page);

    try {
      flamecare::ScanImageReader missing(dir / "missing.tif");
      return fail("opening a missing file did not throw");
    } catch (const flamecare::Error& e) {
      if (e.kind() != flamecare::ErrorKind::kNotFound)
        return fail(std::string("missing file: wrong kind: ") + e.what());
    }
  } catch (const flamecare::Error& e) {
    return fail(e.what());
  }
  std::printf("consumer ok\n");
  return 0;
}
