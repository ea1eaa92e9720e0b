#pragma once
// Refusing up front a run whose outputs cannot fit, instead of failing (or filling the disk)
// after all its work.
#include <cstdint>
#include <filesystem>
#include <string_view>

namespace flamecare::detail {

/// Bytes available to this user on the file system holding `dir` (statvfs f_bavail). Throws
/// Error(kIo) when it cannot be asked.
std::uint64_t free_bytes(const std::filesystem::path& dir);

/// "12.3 MiB" / "4.0 GiB" for messages.
std::string format_bytes(long double bytes);

/// Throws Error(kIo) "<dir>: not enough free space: <what> need about X, Y are free" when
/// `needed` (an estimate, possibly beyond 64 bits) exceeds what is free in `dir`.
void require_free_space(const std::filesystem::path& dir, long double needed,
                        std::string_view what);

}  // namespace flamecare::detail
