// The typed Dataset (include/flamecare/dataset.hpp) as flamecare._core.Dataset, its statistics
// and images, opening and listing datasets, the dataset JSON text, and reading a pair of sums into
// numpy arrays without the GIL. flamecare/_dataset.py builds the public fc.Dataset on these.
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <variant>

#include <fmt/format.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/filesystem.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include "bindings.hpp"
#include "flamecare/dataset.hpp"
#include "flamecare/error.hpp"
#include "flamecare/sum_tiff.hpp"
#include "flamecare/text.hpp"
#include "reported_call.hpp"

namespace nb = nanobind;
using namespace nb::literals;

namespace flamecare::python {
namespace {

using SumArray = nb::ndarray<nb::numpy, nb::ndim<3>, nb::c_contig>;

// Hands the image's pixels to numpy without a copy: the array owns them through a capsule.
template <class T>
SumArray owned_array(Image<T>&& image) {
  auto* pixels = new std::vector<T>(std::move(image.pixels));
  nb::capsule owner(pixels, [](void* p) noexcept { delete static_cast<std::vector<T>*>(p); });
  const std::size_t shape[3] = {std::size_t(image.channels), std::size_t(image.height),
                                std::size_t(image.width)};
  return SumArray(pixels->data(), 3, shape, owner, nullptr, nb::dtype<T>());
}

// Reads one summed TIFF and checks it has the shape the dataset records for it.
AnyImage read_checked(const std::filesystem::path& path, const DatasetImage& record) {
  AnyImage image = read_sum_tiff(path);
  const ImageShape s = shape_of(image);
  if (s.channels != record.channels || s.height != record.height || s.width != record.width) {
    throw Error(ErrorKind::kCorrupt,
                fmt::format("{}: shape ({}, {}, {}) but the dataset records ({}, {}, {})",
                            printable(path.native()), s.channels, s.height, s.width,
                            record.channels, record.height, record.width));
  }
  return image;
}

std::pair<SumArray, SumArray> read_pair(const Dataset& dataset, std::int64_t id) {
  AnyImage input, truth;
  {
    nb::gil_scoped_release unlocked;
    const DatasetImage& record = dataset.image(id);
    input = read_checked(dataset.input_path(id), record);
    truth = read_checked(dataset.ground_truth_path(id), record);
  }
  const auto to_array = [](AnyImage& image) {
    return std::visit([](auto& img) { return owned_array(std::move(img)); }, image);
  };
  return {to_array(input), to_array(truth)};
}

void bind_stats(nb::module_& m) {
  nb::class_<DatasetStats>(m, "DatasetStats",
                           "Statistics of one side of a dataset (input or ground-truth sums).")
      .def_ro("n_frames", &DatasetStats::n_frames, "Frames summed for this side.")
      .def_ro("p0_1", &DatasetStats::p0_1, "0.1th percentile per channel.")
      .def_ro("p1", &DatasetStats::p1, "1st percentile per channel.")
      .def_ro("p5", &DatasetStats::p5, "5th percentile per channel.")
      .def_ro("p95", &DatasetStats::p95, "95th percentile per channel.")
      .def_ro("p99", &DatasetStats::p99, "99th percentile per channel.")
      .def_ro("p99_9", &DatasetStats::p99_9, "99.9th percentile per channel.")
      .def_ro("channel_mean", &DatasetStats::channel_mean, "Mean per channel (may be empty).")
      .def_ro("channel_std", &DatasetStats::channel_std, "Std per channel (may be empty).")
      .def_ro("min", &DatasetStats::min, "Minimum over all channels.")
      .def_ro("max", &DatasetStats::max, "Maximum over all channels.")
      .def_ro("mean", &DatasetStats::mean, "Mean over all channels.")
      .def_ro("std", &DatasetStats::std, "Population std over all channels.")
      .def_ro("n_pixels", &DatasetStats::n_pixels, "Pixels over all channels, when recorded.");
}

void bind_image(nb::module_& m) {
  nb::class_<DatasetImage>(m, "DatasetImage", "One image of a dataset.")
      .def_ro("id", &DatasetImage::id, "The raw image's index id.")
      .def_prop_ro(
          "image", [](const DatasetImage& i) { return to_str(printable(i.image)); },
          "Raw path relative to the raw root (bytes that are not UTF-8 written \\xNN).")
      .def_ro("channels", &DatasetImage::channels)
      .def_ro("height", &DatasetImage::height)
      .def_ro("width", &DatasetImage::width)
      .def_prop_ro(
          "split", [](const DatasetImage& i) { return to_str(split_name(i.split)); },
          "\"train\" or \"test\".")
      .def_ro("bidirectional_correction", &DatasetImage::bidirectional_correction,
              "Applied before summing (0 = none).")
      .def_prop_ro(
          "group", [](const DatasetImage& i) { return to_str(printable(i.group)); },
          "The split group (its mosaic or sample folder, or the image itself); \"\" when the "
          "JSON does not record it.");
}

void bind_dataset_class(nb::module_& m) {
  nb::class_<Dataset>(m, "Dataset", "A dataset made by `create` (C++ flamecare::Dataset).")
      .def_prop_ro("name", [](const Dataset& d) { return to_str(d.name); })
      .def_prop_ro("type", [](const Dataset& d) { return to_str(d.type); })
      .def_ro("id", &Dataset::id, "The id as a number (written 0x%04x).")
      .def_ro("seed", &Dataset::seed, "Split seed; None in the original notebooks' JSONs.")
      .def_ro("test_fraction", &Dataset::test_fraction)
      .def_ro("raw_root", &Dataset::raw_root)
      .def_ro("data_dir", &Dataset::data_dir, "<out>/<name>, holding train/ and test/.")
      .def_ro("input", &Dataset::input, "Statistics of the few-frame input sums.")
      .def_ro("output", &Dataset::output, "Statistics of the ground-truth sums.")
      .def_ro("images", &Dataset::images)
      .def_prop_ro("tool", [](const Dataset& d) { return to_str(d.tool); })
      .def_prop_ro("created", [](const Dataset& d) { return to_str(d.created); })
      .def_ro("json_path", &Dataset::json_path, "The JSON it was read from.")
      .def("image_ids", &Dataset::image_ids)
      .def("test_ids", &Dataset::test_ids)
      .def("train_ids", &Dataset::train_ids)
      .def("channels", &Dataset::channels)
      .def("image", &Dataset::image, "id"_a, nb::rv_policy::reference_internal)
      .def_prop_ro(
          "pairing", [](const Dataset& d) { return to_str(pairing_name(d.pairing)); },
          "\"nested\" or \"disjoint\".")
      .def_prop_ro(
          "group_by", [](const Dataset& d) { return to_str(group_by_name(d.group_by)); },
          "\"image\", \"mosaic\" or \"sample\".")
      .def(
          "input_frames",
          [](const Dataset& d) { return std::pair(d.input_frames().begin, d.input_frames().end); },
          "Frames [begin, end) summed for the input.")
      .def(
          "target_frames",
          [](const Dataset& d) {
            return std::pair(d.target_frames().begin, d.target_frames().end);
          },
          "Frames [begin, end) summed for the target.")
      .def(
          "image_path",
          [](const Dataset& d, std::int64_t id, int frames) { return d.image_path(id, frames); },
          "id"_a, "frames"_a)
      .def("input_path", &Dataset::input_path, "id"_a)
      .def("ground_truth_path", &Dataset::ground_truth_path, "id"_a);
}

}  // namespace

void bind_dataset(nb::module_& m) {
  bind_stats(m);
  bind_image(m);
  bind_dataset_class(m);
  m.def("format_dataset_id", &format_dataset_id, "id"_a, "\"0x%04x\", as dataset ids are written.");
  m.def(
      "format_dataset_json", [](const Dataset& d) { return to_str(format_dataset_json(d)); },
      "dataset"_a, "The dataset's JSON text, as `create` writes it.");
  m.def("open_dataset", &open_dataset, "name_or_path"_a, "datasets_dir"_a,
        nb::call_guard<nb::gil_scoped_release>(),
        "Opens a dataset by name (in `datasets_dir`) or by the path of its JSON.");
  m.def(
      "list_datasets",
      [](const std::filesystem::path& datasets_dir, nb::handle sink) {
        std::vector<Dataset> out;
        run_reported(sink, [&](const Reporter& r) { out = list_datasets(datasets_dir, r); });
        return out;
      },
      "datasets_dir"_a, "sink"_a,
      "Every dataset JSON in `datasets_dir`, sorted by name; warnings about other *.json files "
      "go to `sink`.");
  m.def("read_pair", &read_pair, "dataset"_a, "id"_a,
        "The input and ground-truth sums of image `id` as numpy arrays (C, Y, X) of the sums' "
        "dtype, read without the GIL.");
}

}  // namespace flamecare::python
