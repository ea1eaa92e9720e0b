// RawReader: one raw ScanImage stack, opened once (headers and IFD chain), pixels read on demand
// into numpy arrays without the GIL. flamecare/_raw.py builds the public RawImage on it.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>

#include <fmt/format.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/filesystem.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include "bindings.hpp"
#include "flamecare/error.hpp"
#include "flamecare/scanimage.hpp"
#include "flamecare/tile_data.hpp"
#include "io/regular_file.hpp"

namespace nb = nanobind;
using namespace nb::literals;

namespace flamecare::python {
namespace {

// Sidecars are a few hundred bytes; anything near this is not one.
constexpr std::uint64_t kMaxSidecarBytes = 16u << 20;

using FramesArray = nb::ndarray<nb::device::cpu, nb::c_contig>;

nb::dlpack::dtype dlpack_dtype(PixelType type) {
  switch (type) {
    case PixelType::kInt8:
      return nb::dtype<std::int8_t>();
    case PixelType::kUint8:
      return nb::dtype<std::uint8_t>();
    case PixelType::kInt16:
      return nb::dtype<std::int16_t>();
    case PixelType::kUint16:
      return nb::dtype<std::uint16_t>();
    case PixelType::kInt32:
      return nb::dtype<std::int32_t>();
    case PixelType::kUint32:
      return nb::dtype<std::uint32_t>();
    case PixelType::kInt64:
      return nb::dtype<std::int64_t>();
    case PixelType::kUint64:
      return nb::dtype<std::uint64_t>();
    case PixelType::kFloat32:
      return nb::dtype<float>();
    case PixelType::kFloat64:
      return nb::dtype<double>();
  }
  return nb::dtype<std::uint8_t>();
}

class RawReader {
 public:
  explicit RawReader(const std::filesystem::path& path) : reader_(path) {}

  const ScanImageInfo& info() const { return reader_.info(); }

  /// Whole frames on disk (all C channels of all Z slices present): the file decides, since the
  /// header's frame count need not match what was saved (e.g. an already-summed image).
  std::size_t frames_on_disk() const {
    const auto& i = info();
    const auto per_frame = std::size_t(i.channels) * std::size_t(i.slices);
    return per_frame == 0 ? 0 : i.pages / per_frame;
  }

  /// Reads frames [start, stop) into `out`, shape (stop − start, C, Y, X) of the file's dtype.
  void read_frames(std::int64_t first, std::int64_t last, FramesArray out) {
    const auto& i = info();
    const auto name = i.path.string();
    if (i.slices != 1)
      throw Error(ErrorKind::kUnsupported,
                  fmt::format("{}: {} z slices; only single-slice stacks read as (F, C, Y, X)",
                              name, i.slices));
    if (first < 0 || first > last || std::uint64_t(last) > frames_on_disk())
      throw Error(ErrorKind::kInvalidArgument,
                  fmt::format("{}: frames [{}, {}) requested but the file has {} frames", name,
                              first, last, frames_on_disk()));
    const auto start = std::size_t(first), stop = std::size_t(last);
    check_output(out, stop - start);
    const std::size_t channels = std::size_t(i.channels);
    const std::size_t page_bytes =
        std::size_t(i.height) * std::size_t(i.width) * pixel_size(i.pixel_type);
    auto* bytes = static_cast<std::byte*>(out.data());
    nb::gil_scoped_release unlocked;
    // ScanImageReader is thread-compatible only; two Python threads may share a RawImage.
    std::lock_guard lock(mutex_);
    // Pages are channel-fastest, so frames [start, stop) are pages [start·C, stop·C) in order.
    for (std::size_t page = start * channels; page < stop * channels; ++page) {
      const std::size_t offset = (page - start * channels) * page_bytes;
      reader_.read_page(page, std::span(bytes + offset, page_bytes));
    }
  }

 private:
  void check_output(const FramesArray& out, std::size_t frames) const {
    const auto& i = info();
    const bool shape_ok =
        out.ndim() == 4 && out.shape(0) == frames && out.shape(1) == std::size_t(i.channels) &&
        out.shape(2) == std::size_t(i.height) && out.shape(3) == std::size_t(i.width);
    if (!shape_ok || out.dtype() != dlpack_dtype(i.pixel_type))
      throw Error(ErrorKind::kInvalidArgument,
                  fmt::format("{}: the output array must be C-contiguous ({}, {}, {}, {}) {}",
                              i.path.string(), frames, i.channels, i.height, i.width,
                              pixel_type_name(i.pixel_type)));
  }

  ScanImageReader reader_;
  std::mutex mutex_;
};

nb::typed<nb::dict, nb::str, nb::str> header_dict(const ScanImageInfo& info) {
  nb::typed<nb::dict, nb::str, nb::str> out;
  for (const auto& [key, value] : info.metadata) out[to_str(key)] = to_str(value);
  return out;
}

/// The sidecar's bytes after the same validation screening applies; None when there is none.
std::optional<nb::bytes> read_sidecar(const std::filesystem::path& tif) {
  const auto sidecar = tile_data_path(tif);
  std::optional<std::string> text;
  {
    nb::gil_scoped_release unlocked;
    try {
      text = detail::read_regular_file(sidecar, kMaxSidecarBytes);
    } catch (const Error& e) {
      if (e.kind() != ErrorKind::kNotFound) throw;
    }
    if (text) parse_tile_data(*text, sidecar.string());
  }
  if (!text) return std::nullopt;
  return nb::bytes(text->data(), text->size());
}

}  // namespace

void bind_raw(nb::module_& m) {
  nb::class_<RawReader>(m, "RawReader",
                        "An open raw ScanImage stack: metadata now, pixels on demand.")
      .def(nb::init<const std::filesystem::path&>(), "path"_a,
           nb::call_guard<nb::gil_scoped_release>(),
           "Opens a stack and reads its headers and IFD chain (not its pixels).")
      .def_prop_ro("path", [](const RawReader& r) { return r.info().path; })
      .def_prop_ro("big_tiff", [](const RawReader& r) { return r.info().big_tiff; })
      .def_prop_ro("flavor", [](const RawReader& r) { return to_str(r.info().flavor); })
      .def_prop_ro("header_version", [](const RawReader& r) { return r.info().header_version; })
      .def_prop_ro("scanimage_version",
                   [](const RawReader& r) { return to_str(r.info().scanimage_version); })
      .def_prop_ro("channels", [](const RawReader& r) { return r.info().channels; })
      .def_prop_ro(
          "metadata_frames", [](const RawReader& r) { return r.info().frames; },
          "Frames per slice as the header says (F on disk may differ).")
      .def_prop_ro("frames", &RawReader::frames_on_disk, "Whole frames on disk.")
      .def_prop_ro("slices", [](const RawReader& r) { return r.info().slices; })
      .def_prop_ro("height", [](const RawReader& r) { return r.info().height; })
      .def_prop_ro("width", [](const RawReader& r) { return r.info().width; })
      .def_prop_ro("saved_channels", [](const RawReader& r) { return r.info().saved_channels; })
      .def_prop_ro(
          "dtype",
          [](const RawReader& r) { return std::string(pixel_type_name(r.info().pixel_type)); },
          "numpy dtype name of the pixels.")
      .def_prop_ro("pages", [](const RawReader& r) { return r.info().pages; })
      .def_prop_ro("file_size", [](const RawReader& r) { return r.info().file_size; })
      .def_prop_ro(
          "metadata", [](const RawReader& r) { return header_dict(r.info()); },
          "SI.* / state.* header keys and their raw MATLAB value text.")
      .def("read_frames", &RawReader::read_frames, "start"_a, "stop"_a, "out"_a.noconvert(),
           "Reads frames [start, stop) into `out`, a C-contiguous array of shape "
           "(stop - start, C, Y, X) and the file's dtype, without holding the GIL.");
  m.def("read_sidecar", &read_sidecar, "tif"_a,
        "The bytes of `<stem>.tileData.txt` beside `tif`, validated as a FLAME sidecar, or None "
        "when it does not exist.");
}

}  // namespace flamecare::python
