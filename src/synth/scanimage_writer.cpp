// ScanImage 2016+ BigTIFF writer (SCANIMAGE.md §2): 16-byte BigTIFF header, static block at 16,
// then per page IFD + fixed 2000-char description slot + one strip, chained by next-IFD offsets.
#include "synth/scanimage_writer.hpp"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <vector>

#include <fmt/format.h>

#include "flamecare/error.hpp"
#include "io/atomic_file.hpp"

namespace flamecare {
namespace detail {
namespace {

static_assert(std::endian::native == std::endian::little, "the writer copies pixels as-is");

constexpr std::uint32_t kMagic = 117637889;
constexpr std::uint64_t kDescriptionSlot = 2000;  // ScanImage's fixed slot, blank padded
constexpr std::uint64_t kDescriptionCount = kDescriptionSlot + 1;
constexpr int kTagCount = 18;
constexpr std::uint64_t kIfdBytes = 8 + kTagCount * 20 + 8;

enum TiffType : std::uint16_t { kAscii = 2, kShort = 3, kLong = 4, kRational = 5, kLong8 = 16 };

std::uint64_t pad8(std::uint64_t n) { return (n + 7) / 8 * 8; }

template <class T>
void put(std::vector<std::uint8_t>& out, T value) {
  const auto* p = reinterpret_cast<const std::uint8_t*>(&value);
  out.insert(out.end(), p, p + sizeof(T));
}

// One 20-byte BigTIFF entry; `value` is stored in the low bytes of the 8-byte field.
void put_entry(std::vector<std::uint8_t>& out, std::uint16_t tag, TiffType type,
               std::uint64_t count, std::uint64_t value) {
  put(out, tag);
  put(out, static_cast<std::uint16_t>(type));
  put(out, count);
  put(out, value);
}

std::string roi_group_json(const StackSpec& spec) {
  // A single imaging scanfield as ScanImage serialises it (SCANIMAGE.md §3.3).
  return fmt::format(
      R"({{"RoiGroups": {{"imagingRoiGroup": {{"ver": 1, "classname": "scanimage.mroi.RoiGroup", )"
      R"("name": "Default Imaging ROI Group", "rois": {{"ver": 1, "classname": "scanimage.mroi.Roi", )"
      R"("name": "Default Imaging Roi", "zs": 0, "scanfields": {{"ver": 1, )"
      R"("classname": "scanimage.mroi.scanfield.fields.RotatedRectangle", "name": "Default )"
      R"(Imaging Scanfield", "centerXY": [0, 0], "sizeXY": [18, 18], "rotationDegrees": 0, )"
      R"("pixelResolutionXY": [{}, {}], "discretePlaneMode": false}}}}}}, )"
      R"("photostimRoiGroups": null, "integrationRoiGroup": {{"ver": 1, )"
      R"("classname": "scanimage.mroi.RoiGroup", "name": "", "rois": {{"_ArrayType_": "double", )"
      R"("_ArraySize_": [1, 0], "_ArrayData_": null}}}}}}}})",
      spec.width, spec.height);
}

void validate(const std::filesystem::path& path, const StackSpec& spec) {
  const auto fail = [&](const std::string& why) {
    throw Error(ErrorKind::kInvalidArgument, fmt::format("{}: {}", path.string(), why));
  };
  if (spec.frames < 1 || spec.channels < 1 || spec.height < 1 || spec.width < 1) {
    fail(fmt::format("stack shape frames {} channels {} height {} width {} must all be >= 1",
                     spec.frames, spec.channels, spec.height, spec.width));
  }
  if (spec.height > 65535 || spec.width > 65535) {
    fail(fmt::format("page {}x{} exceeds 65535 pixels per side", spec.height, spec.width));
  }
  if (spec.header_version != 3 && spec.header_version != 4) {
    fail(fmt::format("header version {} is not 3 or 4", spec.header_version));
  }
  if (spec.first_channel_id < 1)
    fail(fmt::format("first channel id {} < 1", spec.first_channel_id));
  if (spec.frames_per_slice && *spec.frames_per_slice < 1) {
    fail(fmt::format("framesPerSlice {} < 1", *spec.frames_per_slice));
  }
  switch (spec.pixel_type) {
    case PixelType::kInt64:
    case PixelType::kUint64:
    case PixelType::kFloat64:
      fail(fmt::format("pixel type {} is not written by ScanImage",
                       pixel_type_name(spec.pixel_type)));
    default:
      break;
  }
}

std::uint16_t sample_format(PixelType type) {
  if (is_float(type)) return 3;
  return is_signed(type) ? 2 : 1;
}

// Converts with round-to-nearest (ties away from zero) and saturation; NaN becomes 0.
template <class T>
void convert(std::span<const double> in, std::uint8_t* out) {
  for (std::size_t i = 0; i < in.size(); ++i) {
    T v;
    if constexpr (std::is_floating_point_v<T>) {
      v = static_cast<T>(in[i]);
    } else {
      double d = std::isnan(in[i]) ? 0.0 : std::round(in[i]);
      d = std::clamp(d, double(std::numeric_limits<T>::min()),
                     double(std::numeric_limits<T>::max()));
      v = static_cast<T>(d);
    }
    std::memcpy(out + i * sizeof(T), &v, sizeof(T));
  }
}

void convert_page(PixelType type, std::span<const double> in, std::uint8_t* out) {
  switch (type) {
    case PixelType::kInt8:
      return convert<std::int8_t>(in, out);
    case PixelType::kUint8:
      return convert<std::uint8_t>(in, out);
    case PixelType::kInt16:
      return convert<std::int16_t>(in, out);
    case PixelType::kUint16:
      return convert<std::uint16_t>(in, out);
    case PixelType::kInt32:
      return convert<std::int32_t>(in, out);
    case PixelType::kUint32:
      return convert<std::uint32_t>(in, out);
    case PixelType::kFloat32:
      return convert<float>(in, out);
    default:
      throw Error(ErrorKind::kInternal, "unsupported pixel type reached the writer");
  }
}

struct Layout {
  std::uint64_t size0 = 0;  // header text + NUL
  std::uint64_t size1 = 0;  // ROI JSON + NUL
  std::uint64_t first_ifd = 0;
  std::uint64_t strip_bytes = 0;
  std::uint64_t page_stride = 0;
};

// The page's IFD, description slot and strip, at `ifd_offset`.
void build_page(const StackSpec& spec, const Layout& layout, int page, std::uint64_t ifd_offset,
                bool last, std::span<const double> values, std::vector<std::uint8_t>& out) {
  out.clear();
  const std::uint64_t desc_offset = ifd_offset + kIfdBytes;
  const std::uint64_t strip_offset = desc_offset + pad8(kDescriptionCount);
  const auto h = static_cast<std::uint64_t>(spec.height);
  const auto w = static_cast<std::uint64_t>(spec.width);
  put<std::uint64_t>(out, kTagCount);
  put_entry(out, 256, kShort, 1, w);
  put_entry(out, 257, kShort, 1, h);
  put_entry(out, 258, kShort, 1, pixel_size(spec.pixel_type) * 8);
  put_entry(out, 259, kShort, 1, 1);
  put_entry(out, 262, kShort, 1, 1);
  put_entry(out, 270, kAscii, kDescriptionCount, desc_offset);
  put_entry(out, 273, kLong8, 1, strip_offset);
  put_entry(out, 274, kShort, 1, 1);
  put_entry(out, 277, kShort, 1, 1);
  put_entry(out, 278, kShort, 1, h);
  put_entry(out, 279, kLong8, 1, layout.strip_bytes);
  put_entry(out, 282, kRational, 1, (std::uint64_t{1} << 32) | 72);
  put_entry(out, 283, kRational, 1, (std::uint64_t{1} << 32) | 72);
  put_entry(out, 284, kShort, 1, 1);
  put_entry(out, 296, kShort, 1, 2);
  put_entry(out, 305, kAscii, layout.size0, 32);
  put_entry(out, 315, kAscii, layout.size1, 32 + layout.size0);
  put_entry(out, 339, kShort, 1, sample_format(spec.pixel_type));
  put<std::uint64_t>(out, last ? 0 : ifd_offset + layout.page_stride);
  std::string desc = scanimage_frame_description(spec, page);
  desc.resize(kDescriptionSlot, ' ');
  out.insert(out.end(), desc.begin(), desc.end());
  out.resize(strip_offset - ifd_offset, 0);  // NUL terminator + alignment padding
  out.resize(out.size() + layout.strip_bytes);
  convert_page(spec.pixel_type, values, out.data() + (strip_offset - ifd_offset));
  // No padding after the last strip: trailing bytes would look like a legacy appended header.
  out.resize(last ? out.size() : layout.page_stride, 0);
}

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

void write_all(std::FILE* f, const std::filesystem::path& path, const void* data,
               std::size_t size) {
  if (std::fwrite(data, 1, size, f) != size) {
    throw Error(ErrorKind::kIo, fmt::format("{}: write of {} bytes failed: {}", path.string(), size,
                                            std::strerror(errno)));
  }
}

std::vector<std::uint8_t> file_prefix(const std::string& header, const std::string& roi,
                                      const StackSpec& spec, const Layout& layout) {
  std::vector<std::uint8_t> out;
  out.push_back('I');
  out.push_back('I');
  put<std::uint16_t>(out, 43);
  put<std::uint16_t>(out, 8);
  put<std::uint16_t>(out, 0);
  put<std::uint64_t>(out, layout.first_ifd);
  put<std::uint32_t>(out, kMagic);
  put<std::uint32_t>(out, static_cast<std::uint32_t>(spec.header_version));
  put<std::uint32_t>(out, static_cast<std::uint32_t>(layout.size0));
  put<std::uint32_t>(out, static_cast<std::uint32_t>(layout.size1));
  out.insert(out.end(), header.begin(), header.end());
  out.push_back(0);
  out.insert(out.end(), roi.begin(), roi.end());
  out.push_back(0);
  out.resize(layout.first_ifd, 0);
  return out;
}

}  // namespace

void write_scanimage_pages(const std::filesystem::path& path, const StackSpec& spec,
                           const PageFiller& fill) {
  validate(path, spec);
  const std::string header = scanimage_header_text(spec);
  const std::string roi = roi_group_json(spec);
  Layout layout;
  layout.size0 = header.size() + 1;
  layout.size1 = roi.size() + 1;
  layout.first_ifd = pad8(32 + layout.size0 + layout.size1);
  const std::size_t plane = std::size_t(spec.height) * std::size_t(spec.width);
  layout.strip_bytes = plane * pixel_size(spec.pixel_type);
  layout.page_stride = kIfdBytes + pad8(kDescriptionCount) + pad8(layout.strip_bytes);

  AtomicFile file(path);
  std::unique_ptr<std::FILE, FileCloser> f(std::fopen(file.temp_path().c_str(), "wb"));
  if (!f) {
    throw Error(ErrorKind::kIo, fmt::format("{}: cannot create {}: {}", path.string(),
                                            file.temp_path().string(), std::strerror(errno)));
  }
  const auto prefix = file_prefix(header, roi, spec, layout);
  write_all(f.get(), path, prefix.data(), prefix.size());
  const int pages = spec.frames * spec.channels;
  std::vector<double> values(plane);
  std::vector<std::uint8_t> buffer;
  for (int p = 0; p < pages; ++p) {
    std::fill(values.begin(), values.end(), 0.0);
    fill(p, values);
    const std::uint64_t ifd = layout.first_ifd + std::uint64_t(p) * layout.page_stride;
    build_page(spec, layout, p, ifd, p == pages - 1, values, buffer);
    write_all(f.get(), path, buffer.data(), buffer.size());
  }
  if (std::fclose(f.release()) != 0) {
    throw Error(ErrorKind::kIo,
                fmt::format("{}: closing failed: {}", path.string(), std::strerror(errno)));
  }
  file.commit();
}

}  // namespace detail

void write_scanimage_tiff(const std::filesystem::path& path, const StackSpec& spec,
                          const std::function<double(int page, int y, int x)>& value) {
  detail::write_scanimage_pages(path, spec, [&](int page, std::span<double> values) {
    std::size_t i = 0;
    for (int y = 0; y < spec.height; ++y) {
      for (int x = 0; x < spec.width; ++x) values[i++] = value(page, y, x);
    }
  });
}

}  // namespace flamecare
