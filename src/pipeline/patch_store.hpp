#pragma once
// On-disk store of patches for the sharded steps (`patches-shard` writes one per shard, in any
// order, from its worker threads; `patches-merge` reads them back in the shuffled output order),
// so memory never holds all patches. A single run needs none: it places each patch in its npz.
#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "flamecare/npz.hpp"

namespace flamecare::detail {

/// Where the outputs read stored patches from: one store (a single run) or the shard stores.
class PatchSource {
 public:
  virtual ~PatchSource() = default;
  /// Reads the input (which = 0) or target (which = 1) patch of `slot`. Throws Error(kIo).
  virtual void read(int which, std::size_t slot, std::span<float> out) const = 0;
  /// Appends the input or target patch of `slot` to the npz's current array, copied file to file
  /// by the kernel with its recorded CRC. Throws as NpzWriter::append_from_file.
  virtual void append_to(NpzWriter& npz, int which, std::size_t slot) const = 0;
};

class PatchStore : public PatchSource {
 public:
  /// Creates two temporary files (inputs, targets) in `dir`: `.patches-<pid>-X.tmp` and
  /// `.patches-<pid>-Y.tmp`, for slots 0 … max_slots − 1. Throws Error(kIo).
  PatchStore(const std::filesystem::path& dir, std::size_t patch_bytes, std::size_t max_slots);
  /// The same with the two files' names given (created or truncated); removed by the destructor
  /// unless published. Throws Error(kIo).
  PatchStore(const std::filesystem::path& x_path, const std::filesystem::path& y_path,
             std::size_t patch_bytes, std::size_t max_slots);
  /// Opens a published store read-only: `crcs[0]` / `crcs[1]` are its slots' CRCs (one per slot);
  /// the files are kept by the destructor. Throws Error(kNotFound) for a missing file,
  /// Error(kCorrupt) naming the file when its size is not slots × patch_bytes, Error(kIo).
  static std::unique_ptr<PatchStore> open(const std::filesystem::path& x_path,
                                          const std::filesystem::path& y_path,
                                          std::size_t patch_bytes,
                                          std::vector<std::uint32_t> crcs[2]);
  PatchStore(const PatchStore&) = delete;
  PatchStore& operator=(const PatchStore&) = delete;
  ~PatchStore();  ///< removes the files (unless published or opened)

  /// Writes one input/target patch pair into `slot` (< max_slots) and keeps the CRC-32 of each,
  /// computed here on the writing thread (thread-safe: pwrite, one slot per call). Throws
  /// Error(kIo), Error(kInvalidArgument) for a slot out of range.
  void write(std::size_t slot, std::span<const float> input, std::span<const float> target);
  void read(int which, std::size_t slot, std::span<float> out) const override;
  void append_to(NpzWriter& npz, int which, std::size_t slot) const override;
  /// Makes the files durable (fsync) and renames them to `x_path` / `y_path` (replacing those);
  /// they are kept from then on. Throws Error(kIo) naming the file.
  void publish(const std::filesystem::path& x_path, const std::filesystem::path& y_path);
  /// The CRC-32 write() kept for the input (which = 0) or target (which = 1) patch of `slot`.
  std::uint32_t crc(int which, std::size_t slot) const { return crcs_[which].at(slot); }
  std::size_t patch_bytes() const { return patch_bytes_; }
  /// The pid in a store file's name, nullopt for any other name (to sweep killed runs' stores).
  static std::optional<pid_t> owner_of(std::string_view filename);

 private:
  std::filesystem::path paths_[2];
  int fds_[2] = {-1, -1};
  explicit PatchStore(std::size_t patch_bytes) : patch_bytes_(patch_bytes) {}
  std::size_t patch_bytes_;
  bool keep_ = false;                   // published or opened: the files outlive this object
  std::vector<std::uint32_t> crcs_[2];  // per slot: written by the thread that writes the slot
};

}  // namespace flamecare::detail
