#pragma once
/// Datasets: the typed dataset (what `<datasets>/<name>.json` holds), opening and listing them, and
/// `create`, which builds one from raw stacks (few-frame / many-frame sums with exact statistics).
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "flamecare/log.hpp"

namespace flamecare {

/// The part of a dataset an image belongs to.
enum class Split { kTrain, kTest };

/// "train" or "test" (also the sub-folder of the data dir).
std::string_view split_name(Split split);

/// Which frames of a raw stack the input and the target sum. kNested: input [0, N), target
/// [0, M) (the target contains the input's frames). kDisjoint: input [0, N), target [N, N + M):
/// the two sums share no frame, so their noise is independent (a Noise2Noise pair).
enum class Pairing { kNested, kDisjoint };

/// "nested" or "disjoint" (the `--pairing` values and the JSON's "pairing").
std::string_view pairing_name(Pairing pairing);

/// The pairing named `name`, nullopt for any other text.
std::optional<Pairing> parse_pairing(std::string_view name);

/// Which images must land on the same side of a split. kImage: each image alone; kMosaic: the
/// images of one folder (`<run>/<sample>/<mosaic>/Im_*.tif`); kSample: the images of the folder
/// above it.
enum class GroupBy { kImage, kMosaic, kSample };

/// "image", "mosaic" or "sample" (the `--group-by` values and the JSON's "group_by").
std::string_view group_by_name(GroupBy group_by);

/// The grouping named `name`, nullopt for any other text.
std::optional<GroupBy> parse_group_by(std::string_view name);

/// The group of a raw image (its path relative to the raw root, '/'-separated): kImage → the path
/// itself; kMosaic → its folder; kSample → that folder's parent ("." for the raw root itself).
std::string image_group(std::string_view image, GroupBy group_by);

/// Frames [begin, end) of a raw stack.
struct FrameRange {
  int begin = 0;
  int end = 0;
  int count() const { return end - begin; }
  bool operator==(const FrameRange&) const = default;
};

/// The statistics of one side of a dataset (input sums or ground-truth sums), as its JSON records
/// them: percentiles per channel over all pixels of all images of the dataset (numpy's linear
/// interpolation), mean/std per channel, and min/max/mean/std over all channels.
struct DatasetStats {
  int n_frames = 0;                                   ///< frames summed for this side
  std::vector<double> p0_1, p1, p5, p95, p99, p99_9;  ///< per channel: 0.1 … 99.9th percentile
  std::vector<double> channel_mean, channel_std;      ///< per channel; empty in JSONs without them
  double min = 0, max = 0, mean = 0, std = 0;         ///< over all channels (std: population)
  std::optional<std::uint64_t> n_pixels;              ///< over all channels, when recorded
};

/// One image of a dataset: which raw stack it came from and the shape of its sums.
struct DatasetImage {
  std::int64_t id = 0;  ///< the raw image's index id
  std::string image;    ///< raw path relative to the raw root ("" when the JSON lacks it)
  int channels = 0;     ///< the sums' shape is [1, channels, height, width]
  int height = 0;
  int width = 0;
  Split split = Split::kTrain;
  int bidirectional_correction = 0;  ///< applied before summing (0 = none)
  /// The split group (image_group of `image` under the dataset's group_by; "" in JSONs without).
  std::string group;
};

/// The dataset types `create` makes (the `type` option); only "denoising" exists so far.
inline constexpr const char* kDatasetTypes[] = {"denoising"};

/// What `create` is asked to make. A dataset records the options it was made with (its JSON's
/// "create_options"), so the same dataset can be made again (format_create_config).
struct CreateOptions {
  std::filesystem::path raw_root;
  std::filesystem::path datasets_dir;
  std::filesystem::path out_dir;
  std::string type = "denoising";  ///< one of kDatasetTypes
  int input_frames = 5;
  int gt_frames = 40;
  /// Fraction of the images drawn (seeded) into the test set; not used when test_ids is given.
  double test_fraction = 0.1;
  /// Exactly these images (index ids) form the test set, the rest train; empty: test_fraction
  /// decides. Only with group_by kImage (a usage error otherwise).
  std::vector<std::int64_t> test_ids;
  std::optional<std::uint64_t> seed;  ///< nullopt: a fresh seed, recorded in the JSON
  int threads = 0;
  std::optional<int> channels;  ///< keep only images with this many channels
  std::string date;             ///< YYYYMMDD for the name; "" = today (local time)
  int min_frames = 0;           ///< select only images with at least max(needed frames, min_frames)
  /// Which frames the target sums; kDisjoint needs input_frames + gt_frames frames per image.
  Pairing pairing = Pairing::kNested;
  /// Which images stay together in the train/test split (kImage: today's split for the seed).
  GroupBy group_by = GroupBy::kImage;
};

/// A dataset made by `create` (or by the original notebooks), read from or written to its JSON
/// `{"FLAME_Dataset": {...}}` in one place (see README "Dataset JSON" for the schema).
struct Dataset {
  std::string name;
  std::string type = "denoising";
  std::uint64_t id = 0;                 ///< written as "0x%04x"
  std::optional<std::uint64_t> seed;    ///< split seed (absent in the notebooks' JSONs)
  std::optional<double> test_fraction;  ///< as asked; the split itself is in `images`
  Pairing pairing = Pairing::kNested;   ///< JSON "pairing"; absent in older JSONs = nested
  GroupBy group_by = GroupBy::kImage;   ///< JSON "group_by"; absent in older JSONs = image
  std::filesystem::path raw_root;       ///< absolute, as the creating run saw it
  std::filesystem::path data_dir;       ///< `<out>/<name>`, holding train/ and test/
  DatasetStats input;                   ///< few-frame sums (the JSON's "input")
  DatasetStats output;                  ///< ground-truth sums (the JSON's "output")
  std::vector<DatasetImage> images;     ///< in the JSON's image_ids order (ascending id)
  std::string tool;                     ///< "flamecare X.Y.Z"
  std::string created;                  ///< local time, ISO 8601
  std::filesystem::path json_path;      ///< the file it was read from ("" when built in memory)
  /// The options `create` ran with (seed and date as used, paths absolute; JSON
  /// "create_options"), nullopt in JSONs written before flamecare recorded them.
  std::optional<CreateOptions> create_options;
  /// The frame ladder this dataset is one rung pair of (JSON "create_options.ladder"; empty: none).
  std::vector<int> ladder;
  /// npz files `patches` cut from this dataset, absolute, as it recorded them (JSON "npz_files").
  std::vector<std::filesystem::path> npz_files;
  /// Keys this version does not know, as JSON text of an object: top-level keys as they are,
  /// keys inside FLAME_Dataset under "FLAME_Dataset". Written back unchanged ("" = none).
  std::string extra_json;

  /// Ids of all images, of the test images and of the train images, in image order.
  std::vector<std::int64_t> image_ids() const;
  std::vector<std::int64_t> test_ids() const;
  std::vector<std::int64_t> train_ids() const;
  /// The image with this id. Throws Error(kNotFound).
  const DatasetImage& image(std::int64_t id) const;
  /// Channels of the images (all images of a dataset share it); 0 for an empty dataset.
  int channels() const;
  /// Frames summed for the input, [0, N).
  FrameRange input_frames() const;
  /// Frames summed for the target: [0, M) when nested, [N, N + M) when disjoint.
  FrameRange target_frames() const;
  /// The summed TIFF of image `id` over `frames` (dataset_image_path with this dataset's
  /// pairing). Throws Error(kNotFound) for an id not in the dataset.
  std::filesystem::path image_path(std::int64_t id, FrameRange frames) const;
  /// The summed TIFF of image `id` with `frames` frames from frame 0 (a nested dataset's naming).
  /// Throws Error(kNotFound) for an id not in the dataset.
  std::filesystem::path image_path(std::int64_t id, int frames) const;
  /// image_path(id, input_frames()) and image_path(id, target_frames()).
  std::filesystem::path input_path(std::int64_t id) const;
  std::filesystem::path ground_truth_path(std::int64_t id) const;
};

/// The input's and the target's frames for N input and M target frames under `pairing`.
FrameRange input_frame_range(int input_frames);
FrameRange target_frame_range(Pairing pairing, int input_frames, int target_frames);

/// `<data_dir>/<train|test>/image<id>_frames<frames>.tif`: where every summed TIFF of a nested
/// dataset is (frames from frame 0).
std::filesystem::path dataset_image_path(const std::filesystem::path& data_dir, Split split,
                                         std::int64_t id, int frames);

/// Where a summed TIFF of a dataset is (the one place these names are spelled): nested datasets
/// `image<id>_frames<end>.tif` (the range starts at 0), disjoint ones `image<id>_frames<begin>-
/// <end>.tif` (frames [begin, end)), so the input and the target never share a name, also when
/// N = M.
std::filesystem::path dataset_image_path(const std::filesystem::path& data_dir, Split split,
                                         std::int64_t id, FrameRange frames, Pairing pairing);

/// "0x%04x" (at least four hex digits), as dataset ids are written.
std::string format_dataset_id(std::uint64_t id);

/// Parses dataset JSON text; `source` names it in messages. Accepts the original notebooks' files
/// (percentiles as one number, no per-image records). Throws Error(kCorrupt) for text that is not
/// a dataset JSON or lacks or mistypes what the schema needs.
Dataset parse_dataset_json(std::string_view text, std::string_view source);

/// The dataset's JSON text (two-space indented, keys sorted, ending in a newline): the original
/// schema, the extras flamecare adds, and `extra_json`. parse_dataset_json of it gives `dataset`
/// back (but json_path).
std::string format_dataset_json(const Dataset& dataset);

/// Opens a dataset by name (`<datasets_dir>/<name>.json`) or by the path of its JSON (anything
/// ending in .json, containing a '/', or naming an existing file). Reads only; creates nothing.
/// Throws Error(kNotFound) naming the datasets that do exist when there is no such dataset,
/// Error(kIo) for a file that is not a regular file or cannot be read, Error(kCorrupt) for a JSON
/// that is not a dataset.
Dataset open_dataset(const std::string& name_or_path,
                     const std::filesystem::path& datasets_dir = {});

/// Every dataset JSON in `datasets_dir`, sorted by name. Files that are not dataset JSONs
/// (foreign or broken JSON, FIFOs, directories named *.json) are skipped with a warning naming
/// them. A missing dir gives an empty list. Throws Error(kIo) when the dir cannot be listed.
std::vector<Dataset> list_datasets(const std::filesystem::path& datasets_dir,
                                   const Reporter& reporter = {});

struct CreateResult {
  std::string name;
  std::string id;  ///< "0x%04x"
  std::uint64_t seed = 0;
  std::filesystem::path json;
  std::filesystem::path preview;
  std::filesystem::path data_dir;  ///< <out>/<name>
  std::size_t n_train = 0;
  std::size_t n_test = 0;
  std::map<std::string, std::size_t> skipped_by_reason;  ///< images not used and why
  Dataset dataset;                                       ///< what the JSON holds
};

/// Frames an image needs for these options: gt_frames (nested) or input_frames + gt_frames
/// (disjoint), at least min_frames.
int frames_needed(const CreateOptions& options);

/// Updates the index, selects usable images with ≥ frames_needed frames, splits, sums, writes the
/// TIFFs, statistics JSON and preview. Nothing is overwritten, and a failed or cancelled run
/// leaves no dataset (no JSON, no data dir, no preview, no temporary files). Throws
/// Error(kInvalidArgument) for bad options, Error(kNotFound) when no image is usable,
/// Error(kUnsupported) for mixed channel counts, Error(kIo) when an output cannot be written
/// (naming the path and the system's reason) or free space is short, Error(kCancelled).
CreateResult create_dataset(const CreateOptions& options, const Reporter& reporter);

/// Step-wise denoising: one dataset per consecutive pair of `rungs` (e.g. 5,10,20,40 gives
/// 5→10, 10→20 and 20→40), all from the same images (those with at least the top rung's frames)
/// and the same seed, so every pair has the same train/test split. `options.input_frames` and
/// `gt_frames` are ignored. Throws Error(kInvalidArgument) unless there are at least two strictly
/// increasing rungs ≥ 1, and for disjoint pairing (consecutive rungs overlap by construction:
/// a ladder is nested); otherwise as create_dataset. When cancelled after some pairs were
/// complete, those stay and the Error(kCancelled) names them.
std::vector<CreateResult> create_ladder(const CreateOptions& options, const std::vector<int>& rungs,
                                        const Reporter& reporter);

}  // namespace flamecare
