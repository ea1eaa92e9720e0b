#pragma once
/// Streaming writer of NumPy .npz archives (stored ZIP members, ZIP64 when large or forced).
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "flamecare/image.hpp"

namespace flamecare {

/// Writes arrays one after another without holding them in memory. The archive is written to a
/// temporary name and appears under its final name only at commit(); destroying an uncommitted
/// writer removes the temporary file. numpy.load reads the result.
class NpzWriter {
 public:
  /// force_zip64 writes ZIP64 records even for small members (used to test that path).
  /// The written data is handed to the device's writeback every 16 MB (a hint; commit()'s fsync
  /// makes it durable). writeback_thread: those requests are made on a thread of the writer's
  /// own, started at the first, so the writing threads do not wait while the device's queue is
  /// full (unless 8 requests already wait: then the writing thread makes its own). Throws
  /// Error(kIo).
  explicit NpzWriter(const std::filesystem::path& path, bool force_zip64 = false,
                     bool writeback_thread = false);
  NpzWriter(const NpzWriter&) = delete;
  NpzWriter& operator=(const NpzWriter&) = delete;
  ~NpzWriter();

  /// Starts member `<name>.npy` of dtype and C-order shape. Throws Error(kInvalidArgument) if the
  /// previous array was not finished.
  void begin_array(std::string_view name, PixelType dtype, const std::vector<std::size_t>& shape);
  /// Appends raw little-endian element bytes in C order.
  void append(std::span<const std::byte> data);
  /// Appends `size` bytes of the open file `fd` from byte `offset`, copied by the kernel without
  /// passing through this process (copy_file_range, else read and write). `crc32` must be the
  /// CRC-32 of exactly those bytes: the member's CRC is combined from it, never recomputed.
  /// Throws Error(kInvalidArgument) past the shape's byte count, Error(kIo) on a failed copy.
  void append_from_file(int fd, std::uint64_t offset, std::uint64_t size, std::uint32_t crc32);
  /// Lays out the next array (dtype, C-order shape) as `blocks` equal blocks whose bytes come
  /// later, in any order, through write_block; the array counts as ended, so the next array or
  /// commit() may follow at once (an empty array takes zero blocks). Returns the number
  /// write_block takes. Throws Error(kInvalidArgument) while an array is open, for zero blocks of
  /// a non-empty array or a byte count that `blocks` does not divide.
  std::size_t reserve_array(std::string_view name, PixelType dtype,
                            const std::vector<std::size_t>& shape, std::size_t blocks);
  /// Writes block `block` of reserved array `array` in place (pwrite) and keeps its CRC-32.
  /// Several threads may write different blocks at once, once every array is reserved.
  /// Throws Error(kInvalidArgument) for an unknown array or block, a size other than the block's
  /// or a block written twice; Error(kIo) naming the archive and the system's reason.
  void write_block(std::size_t array, std::size_t block, std::span<const std::byte> data);
  /// Ends the current array. Throws Error(kInvalidArgument) if the byte count differs from the
  /// shape's.
  void end_array();
  /// A 0-d numpy unicode array (dtype '<U{n}'), e.g. axes = "SCYX".
  void add_unicode_scalar(std::string_view name, std::string_view ascii_value);
  /// Writes the archive's end and makes it durable (fsync) without naming it, so that the wait
  /// for the disk can overlap other work; commit() then only names it. Throws as commit() but
  /// never Error(kAlreadyExists).
  void finish();
  /// Finishes the archive (unless finish() did) and renames it into place. Throws
  /// Error(kAlreadyExists) when the final name exists (never overwritten), Error(kIo) naming the
  /// system's reason for a failed write, Error(kInvalidArgument) naming the array when a block of a
  /// reserved array was not written.
  void commit();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// The .npy v1.0 header (magic, version, little-endian header length, dict, padding to 64
/// bytes) for dtype and shape; uses format 2.0 if the dict does not fit 65535 bytes.
std::vector<std::byte> npy_header(std::string_view descr, const std::vector<std::size_t>& shape);

}  // namespace flamecare
