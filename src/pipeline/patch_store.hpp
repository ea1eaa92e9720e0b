#pragma once
// Temporary on-disk store of patches: written in any order by worker threads, read back in the
// shuffled output order, so memory never holds all patches.
#include <sys/types.h>

#include <cstddef>
#include <filesystem>
#include <optional>
#include <span>
#include <string_view>

namespace flamecare::detail {

class PatchStore {
 public:
  /// Creates two temporary files (inputs, targets) in `dir`: `.patches-<pid>-X.tmp` and
  /// `.patches-<pid>-Y.tmp`. Throws Error(kIo).
  PatchStore(const std::filesystem::path& dir, std::size_t patch_bytes);
  PatchStore(const PatchStore&) = delete;
  PatchStore& operator=(const PatchStore&) = delete;
  ~PatchStore();  ///< removes the files

  /// Writes one input/target patch pair into `slot` (thread-safe: pwrite). Throws Error(kIo).
  void write(std::size_t slot, std::span<const float> input, std::span<const float> target);
  /// Reads the input (which = 0) or target (which = 1) patch of `slot`. Throws Error(kIo).
  void read(int which, std::size_t slot, std::span<float> out) const;
  std::size_t patch_bytes() const { return patch_bytes_; }
  /// The pid in a store file's name, nullopt for any other name (to sweep killed runs' stores).
  static std::optional<pid_t> owner_of(std::string_view filename);

 private:
  std::filesystem::path paths_[2];
  int fds_[2] = {-1, -1};
  std::size_t patch_bytes_;
};

}  // namespace flamecare::detail
