#pragma once
// Temporary on-disk store of patches: written in any order by worker threads, read back in the
// shuffled output order, so memory never holds all patches.
#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "flamecare/npz.hpp"

namespace flamecare::detail {

class PatchStore {
 public:
  /// Creates two temporary files (inputs, targets) in `dir`: `.patches-<pid>-X.tmp` and
  /// `.patches-<pid>-Y.tmp`, for slots 0 … max_slots − 1. Throws Error(kIo).
  PatchStore(const std::filesystem::path& dir, std::size_t patch_bytes, std::size_t max_slots);
  PatchStore(const PatchStore&) = delete;
  PatchStore& operator=(const PatchStore&) = delete;
  ~PatchStore();  ///< removes the files

  /// Writes one input/target patch pair into `slot` (< max_slots) and keeps the CRC-32 of each,
  /// computed here on the writing thread (thread-safe: pwrite, one slot per call). Throws
  /// Error(kIo), Error(kInvalidArgument) for a slot out of range.
  void write(std::size_t slot, std::span<const float> input, std::span<const float> target);
  /// Reads the input (which = 0) or target (which = 1) patch of `slot`. Throws Error(kIo).
  void read(int which, std::size_t slot, std::span<float> out) const;
  /// Appends the input (which = 0) or target (which = 1) patch of `slot` to the npz's current
  /// array, copied file to file by the kernel with the CRC kept by write(). Throws as
  /// NpzWriter::append_from_file.
  void append_to(NpzWriter& npz, int which, std::size_t slot) const;
  std::size_t patch_bytes() const { return patch_bytes_; }
  /// The pid in a store file's name, nullopt for any other name (to sweep killed runs' stores).
  static std::optional<pid_t> owner_of(std::string_view filename);

 private:
  std::filesystem::path paths_[2];
  int fds_[2] = {-1, -1};
  std::size_t patch_bytes_;
  std::vector<std::uint32_t> crcs_[2];  // per slot: written by the thread that writes the slot
};

}  // namespace flamecare::detail
