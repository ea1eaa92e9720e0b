#pragma once
// libtiff plumbing shared by the sum-TIFF writer and reader: per-file message capture and the
// PixelType <-> SampleFormat/BitsPerSample mapping.
#include <tiffio.h>

#include <cstdarg>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "flamecare/error.hpp"
#include "flamecare/image.hpp"

namespace flamecare::detail::sum_tiff {

namespace fs = std::filesystem;

// libtiff's messages for one open file, collected instead of printed to stderr.
struct TiffMessages {
  std::string errors;
  std::string warnings;
};

inline int collect(std::string& sink, const char* module, const char* format, va_list ap) {
  char buffer[1024];
  std::vsnprintf(buffer, sizeof buffer, format, ap);
  if (!sink.empty()) sink += "; ";
  if (module != nullptr && *module != '\0') sink += fmt::format("{}: ", module);
  sink += buffer;
  return 1;  // handled: libtiff must not also call its global (printing) handler
}

inline int on_error(TIFF*, void* user, const char* module, const char* format, va_list ap) {
  return collect(static_cast<TiffMessages*>(user)->errors, module, format, ap);
}

inline int on_warning(TIFF*, void* user, const char* module, const char* format, va_list ap) {
  return collect(static_cast<TiffMessages*>(user)->warnings, module, format, ap);
}

// A TIFF* that closes itself and owns the messages its handlers write to.
class TiffFile {
 public:
  TiffFile(const fs::path& path, const char* mode) {
    TIFFOpenOptions* options = TIFFOpenOptionsAlloc();
    TIFFOpenOptionsSetErrorHandlerExtR(options, on_error, &messages_);
    TIFFOpenOptionsSetWarningHandlerExtR(options, on_warning, &messages_);
    tif_ = TIFFOpenExt(path.c_str(), mode, options);
    TIFFOpenOptionsFree(options);
  }
  TiffFile(const TiffFile&) = delete;
  TiffFile& operator=(const TiffFile&) = delete;
  ~TiffFile() { close(); }
  /// Closing flushes a file being written; returns false if libtiff reported an error.
  bool close() {
    if (tif_ != nullptr) TIFFClose(tif_);
    tif_ = nullptr;
    return messages_.errors.empty();
  }
  TIFF* get() const { return tif_; }
  const std::string& errors() const { return messages_.errors; }

 private:
  TiffMessages messages_;  // must outlive tif_: the handlers write here until TIFFClose
  TIFF* tif_ = nullptr;
};

struct TiffType {
  std::uint16_t sample_format;
  std::uint16_t bits;
};

inline TiffType tiff_type(PixelType type) {
  const auto bits = static_cast<std::uint16_t>(8 * pixel_size(type));
  if (is_float(type)) return {SAMPLEFORMAT_IEEEFP, bits};
  return {is_signed(type) ? std::uint16_t{SAMPLEFORMAT_INT} : std::uint16_t{SAMPLEFORMAT_UINT},
          bits};
}

inline std::optional<PixelType> pixel_type_from(std::uint16_t sample_format, std::uint16_t bits) {
  for (int i = 0; i <= static_cast<int>(PixelType::kFloat64); ++i) {
    const auto type = static_cast<PixelType>(i);
    const TiffType t = tiff_type(type);
    if (t.sample_format == sample_format && t.bits == bits) return type;
  }
  return std::nullopt;
}

inline std::byte* pixel_bytes(AnyImage& image) {
  return std::visit([](auto& im) { return reinterpret_cast<std::byte*>(im.pixels.data()); }, image);
}

inline const std::byte* pixel_bytes(const AnyImage& image) {
  return std::visit(
      [](const auto& im) { return reinterpret_cast<const std::byte*>(im.pixels.data()); }, image);
}

[[noreturn]] inline void fail(ErrorKind kind, const fs::path& path, const std::string& cause) {
  throw Error(kind, fmt::format("{}: {}", path.string(), cause));
}

}  // namespace flamecare::detail::sum_tiff
