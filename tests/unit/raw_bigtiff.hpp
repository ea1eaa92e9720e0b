#pragma once
// A tiny BigTIFF walker for synth tests: independent of any TIFF library and of the reader module.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>

namespace flamecare::synth_test {

namespace fs = std::filesystem;

template <class T>
T get(const std::string& bytes, std::uint64_t at) {
  T v{};
  EXPECT_LE(at + sizeof(T), bytes.size());
  if (at + sizeof(T) <= bytes.size()) std::memcpy(&v, bytes.data() + at, sizeof(T));
  return v;
}

struct RawPage {
  std::map<std::uint16_t, std::pair<std::uint64_t, std::uint64_t>> tags;  // tag → (count, value)
  std::uint64_t ifd = 0;
};

// Walks the BigTIFF IFD chain without any TIFF library.
inline std::vector<RawPage> walk(const std::string& bytes) {
  std::vector<RawPage> pages;
  std::uint64_t ifd = get<std::uint64_t>(bytes, 8);
  while (ifd != 0 && pages.size() < 100000) {
    RawPage page;
    page.ifd = ifd;
    const auto n = get<std::uint64_t>(bytes, ifd);
    std::uint16_t previous = 0;
    for (std::uint64_t i = 0; i < n; ++i) {
      const std::uint64_t e = ifd + 8 + i * 20;
      const auto tag = get<std::uint16_t>(bytes, e);
      EXPECT_GT(tag, previous) << "tags must be sorted";
      previous = tag;
      page.tags[tag] = {get<std::uint64_t>(bytes, e + 4), get<std::uint64_t>(bytes, e + 12)};
    }
    pages.push_back(page);
    ifd = get<std::uint64_t>(bytes, ifd + 8 + n * 20);
  }
  return pages;
}

inline fs::path temp_dir(const std::string& name) {
  const fs::path dir =
      fs::temp_directory_path() /
      fmt::format("flamecare_synth_{}_{}", name, ::testing::UnitTest::GetInstance()->random_seed());
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

}  // namespace flamecare::synth_test
