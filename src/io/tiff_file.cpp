#include "io/tiff_file.hpp"

#include <unistd.h>

#include <cstdarg>
#include <cstdio>
#include <memory>

#include <fmt/format.h>

#include "util/text.hpp"

namespace flamecare::detail {
namespace {

// Largest single allocation libtiff may make for one file (tag arrays, strip tables). Real
// ScanImage files need kilobytes; a crafted count must fail cleanly instead of exhausting memory.
constexpr tmsize_t kMaxLibtiffAlloc = tmsize_t{256} << 20;

void collect(std::string& sink, const char* module, const char* format, va_list ap) {
  char buffer[1024];
  std::vsnprintf(buffer, sizeof buffer, format, ap);
  if (!sink.empty()) sink += "; ";
  if (module != nullptr && *module != '\0') sink += printable(module) + ": ";
  sink += printable(buffer);
}

int on_error(TIFF*, void* user, const char* module, const char* format, va_list ap) {
  auto* messages = static_cast<TiffMessages*>(user);
  collect(messages->errors, module, format, ap);
  ++messages->error_count;
  return 1;  // handled: libtiff must not also call its global (printing) handler
}

int on_warning(TIFF*, void* user, const char* module, const char* format, va_list ap) {
  collect(static_cast<TiffMessages*>(user)->warnings, module, format, ap);
  return 1;
}

using Options = std::unique_ptr<TIFFOpenOptions, void (*)(TIFFOpenOptions*)>;

Options make_options(TiffMessages& messages) {
  Options options(TIFFOpenOptionsAlloc(), TIFFOpenOptionsFree);
  TIFFOpenOptionsSetErrorHandlerExtR(options.get(), on_error, &messages);
  TIFFOpenOptionsSetWarningHandlerExtR(options.get(), on_warning, &messages);
  TIFFOpenOptionsSetMaxSingleMemAlloc(options.get(), kMaxLibtiffAlloc);
  return options;
}

}  // namespace

TiffFile::TiffFile(const std::filesystem::path& path, const char* mode) {
  const Options options = make_options(messages_);
  tif_ = TIFFOpenExt(path.c_str(), mode, options.get());
}

TiffFile::TiffFile(int fd, const std::filesystem::path& name, const char* mode) {
  const int own = ::dup(fd);
  if (own < 0) {
    messages_.errors = "cannot duplicate the file descriptor";
    ++messages_.error_count;
    return;
  }
  const Options options = make_options(messages_);
  tif_ = TIFFFdOpenExt(own, printable(name.native()).c_str(), mode, options.get());
  if (tif_ == nullptr) ::close(own);  // TIFFClose closes it otherwise
}

TiffFile::~TiffFile() { close(); }

bool TiffFile::close() {
  if (tif_ != nullptr) TIFFClose(tif_);
  tif_ = nullptr;
  return messages_.errors.empty();
}

TiffSampleType tiff_sample_type(PixelType type) {
  const auto bits = static_cast<std::uint16_t>(8 * pixel_size(type));
  if (is_float(type)) return {bits, SAMPLEFORMAT_IEEEFP};
  return {bits,
          is_signed(type) ? std::uint16_t{SAMPLEFORMAT_INT} : std::uint16_t{SAMPLEFORMAT_UINT}};
}

std::optional<PixelType> pixel_type_from_tiff(std::uint16_t bits, std::uint16_t sample_format) {
  for (int i = 0; i <= static_cast<int>(PixelType::kFloat64); ++i) {
    const auto type = static_cast<PixelType>(i);
    const TiffSampleType t = tiff_sample_type(type);
    if (t.bits == bits && t.sample_format == sample_format) return type;
  }
  return std::nullopt;
}

}  // namespace flamecare::detail
