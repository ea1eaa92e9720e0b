#include "flamecare/pixel_stats.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include <fmt/format.h>

#include "core/float_ranks.hpp"
#include "core/int_histogram.hpp"
#include "core/numpy_quantile.hpp"
#include "flamecare/error.hpp"

namespace flamecare {
namespace {

__extension__ typedef __int128 Int128;

struct Channel {
  detail::IntHistogram ints;
  detail::FloatRanks floats;
};

PixelType integer_type(std::size_t bytes, bool is_signed_type) {
  switch (bytes) {
    case 1:
      return is_signed_type ? PixelType::kInt8 : PixelType::kUint8;
    case 2:
      return is_signed_type ? PixelType::kInt16 : PixelType::kUint16;
    case 4:
      return is_signed_type ? PixelType::kInt32 : PixelType::kUint32;
    default:
      return is_signed_type ? PixelType::kInt64 : PixelType::kUint64;
  }
}

// numpy's promotion of two integer dtypes (what np.concatenate gives); nullopt where numpy
// would fall back to float64 (int64 with uint64).
std::optional<PixelType> promote_integers(PixelType a, PixelType b) {
  const std::size_t sa = pixel_size(a), sb = pixel_size(b);
  if (is_signed(a) == is_signed(b)) return integer_type(std::max(sa, sb), is_signed(a));
  const std::size_t s_signed = is_signed(a) ? sa : sb, s_unsigned = is_signed(a) ? sb : sa;
  if (s_signed > s_unsigned) return integer_type(s_signed, true);
  if (s_unsigned == 8) return std::nullopt;
  return integer_type(2 * s_unsigned, true);
}

// The sorted ranks numpy reads for kStatPercentiles on n values.
std::vector<std::uint64_t> wanted_ranks(std::uint64_t n) {
  std::vector<std::uint64_t> ranks;
  for (double p : kStatPercentiles) {
    const auto index = detail::quantile_index(n, p);
    ranks.push_back(index.previous);
    ranks.push_back(index.next);
  }
  std::sort(ranks.begin(), ranks.end());
  ranks.erase(std::unique(ranks.begin(), ranks.end()), ranks.end());
  return ranks;
}

// kStatPercentiles from the values at wanted_ranks(n), interpolated in numpy's dtype T.
template <class T, class V>
std::array<double, 6> percentiles_from(std::uint64_t n, const std::vector<V>& at_ranks) {
  const auto ranks = wanted_ranks(n);
  const auto value = [&](std::uint64_t rank) {
    const auto it = std::lower_bound(ranks.begin(), ranks.end(), rank);
    return static_cast<T>(at_ranks[static_cast<std::size_t>(it - ranks.begin())]);
  };
  std::array<double, 6> out{};
  for (std::size_t i = 0; i < kStatPercentiles.size(); ++i) {
    const auto index = detail::quantile_index(n, kStatPercentiles[i]);
    out[i] = detail::numpy_lerp<T>(value(index.previous), value(index.next), index.gamma);
  }
  return out;
}

std::array<double, 6> integer_percentiles(PixelType type, std::uint64_t n,
                                          const std::vector<std::int64_t>& v) {
  switch (type) {
    case PixelType::kInt8:
      return percentiles_from<std::int8_t>(n, v);
    case PixelType::kUint8:
      return percentiles_from<std::uint8_t>(n, v);
    case PixelType::kInt16:
      return percentiles_from<std::int16_t>(n, v);
    case PixelType::kUint16:
      return percentiles_from<std::uint16_t>(n, v);
    case PixelType::kInt32:
      return percentiles_from<std::int32_t>(n, v);
    case PixelType::kUint32:
      return percentiles_from<std::uint32_t>(n, v);
    case PixelType::kUint64:
      return percentiles_from<std::uint64_t>(n, v);
    default:
      return percentiles_from<std::int64_t>(n, v);
  }
}

Int128 exact_sum(const detail::IntHistogram& h) {
  Int128 sum = 0;
  h.for_each([&](std::int64_t v, std::uint64_t c) { sum += Int128(v) * Int128(c); });
  return sum;
}

// Σ count·(v − centre)², in long double around a centre close to the exact mean.
long double squared_deviations(const detail::IntHistogram& h, long double centre) {
  long double m2 = 0;
  h.for_each([&](std::int64_t v, std::uint64_t c) {
    const long double d = static_cast<long double>(v) - centre;
    m2 += static_cast<long double>(c) * d * d;
  });
  return m2;
}

// The smallest and largest value of an integer type, as int64 (uint64 capped at 2^63 − 1, the
// largest value PixelStats accepts).
std::int64_t integer_min(PixelType type) {
  if (!is_signed(type)) return 0;
  return pixel_size(type) == 8 ? std::numeric_limits<std::int64_t>::min()
                               : -(std::int64_t{1} << (8 * pixel_size(type) - 1));
}

std::int64_t integer_max(PixelType type) {
  if (pixel_size(type) == 8) return std::numeric_limits<std::int64_t>::max();
  return (std::int64_t{1} << (8 * pixel_size(type) - (is_signed(type) ? 1 : 0))) - 1;
}

void reject_empty(const std::vector<Channel>& channels, bool is_float_data) {
  for (std::size_t c = 0; c < channels.size(); ++c) {
    const std::uint64_t n = is_float_data ? channels[c].floats.count() : channels[c].ints.count();
    if (n == 0) {
      throw Error(ErrorKind::kInvalidArgument,
                  fmt::format("pixel statistics: channel {} has no pixels", c));
    }
  }
}

}  // namespace

struct PixelStats::Impl {
  int channels = 0;
  std::optional<PixelType> type;  // promoted pixel type of everything added so far
  int pass = 1;
  std::vector<Channel> data;

  bool is_float_data() const { return type == PixelType::kFloat32; }
  void accept_type(PixelType t);
  // accept_type for an image being added: in pass 2 only the first pass's type.
  void accept_image_type(PixelType t) {
    if (pass == 2 && t != type) {
      throw Error(ErrorKind::kInvalidArgument,
                  fmt::format("pixel statistics: second pass got a {} image, first pass had {}",
                              pixel_type_name(t), pixel_type_name(*type)));
    }
    accept_type(t);
  }
  template <class T>
  void add_typed(const Image<T>& image);
  template <class T>
  void add_plane(int c, std::span<const T> plane);
  StatsSummary summarize_integers() const;
  StatsSummary summarize_floats() const;
};

void PixelStats::Impl::accept_type(PixelType t) {
  if (t == PixelType::kFloat64) {
    throw Error(ErrorKind::kUnsupported, "pixel statistics: float64 images are not supported");
  }
  if (!type) {
    type = t;
    return;
  }
  if (is_float(t) != is_float(*type)) {
    throw Error(ErrorKind::kInvalidArgument,
                fmt::format("pixel statistics: cannot mix {} with {} images", pixel_type_name(t),
                            pixel_type_name(*type)));
  }
  if (is_float(t)) return;
  const auto promoted = promote_integers(*type, t);
  if (!promoted) {
    throw Error(ErrorKind::kUnsupported,
                fmt::format("pixel statistics: {} and {} images would promote to float64",
                            pixel_type_name(*type), pixel_type_name(t)));
  }
  type = *promoted;
}

template <class T>
void PixelStats::Impl::add_typed(const Image<T>& image) {
  for (int c = 0; c < channels; ++c) add_plane(c, image.plane(c));
}

template <class T>
void PixelStats::Impl::add_plane(int c, std::span<const T> plane) {
  if constexpr (std::is_same_v<T, float>) {
    if (pass == 1) {
      data[c].floats.add_pass1(plane);
    } else {
      data[c].floats.add_pass2(plane);
    }
  } else if constexpr (std::is_integral_v<T>) {
    if constexpr (std::is_same_v<T, std::uint64_t>) {
      const auto big = std::max_element(plane.begin(), plane.end());
      if (big != plane.end() && *big > std::uint64_t(std::numeric_limits<std::int64_t>::max())) {
        throw Error(ErrorKind::kUnsupported,
                    fmt::format("pixel statistics: uint64 value {} is above 2^63 - 1", *big));
      }
    }
    data[c].ints.add_typed(plane);
  }
}

PixelStats::PixelStats(int channels) : impl_(std::make_unique<Impl>()) {
  if (channels < 1) {
    throw Error(ErrorKind::kInvalidArgument,
                fmt::format("pixel statistics: {} channels (need at least 1)", channels));
  }
  impl_->channels = channels;
  impl_->data.resize(std::size_t(channels));
}
PixelStats::PixelStats(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PixelStats::PixelStats(PixelStats&&) noexcept = default;
PixelStats& PixelStats::operator=(PixelStats&&) noexcept = default;
PixelStats::~PixelStats() = default;

void PixelStats::add(const AnyImage& image) {
  const ImageShape shape = shape_of(image);
  if (shape.channels != impl_->channels) {
    throw Error(ErrorKind::kInvalidArgument,
                fmt::format("pixel statistics: image has {} channels but the dataset has {}",
                            shape.channels, impl_->channels));
  }
  impl_->accept_image_type(pixel_type_of(image));
  std::visit([this](const auto& img) { impl_->add_typed(img); }, image);
}

void PixelStats::add_channel(int channel, const AnyImage& part) {
  const ImageShape shape = shape_of(part);
  if (channel < 0 || channel >= impl_->channels || shape.channels != 1) {
    throw Error(ErrorKind::kInvalidArgument,
                fmt::format("pixel statistics: a part of {} channels for channel {} of {}",
                            shape.channels, channel, impl_->channels));
  }
  impl_->accept_image_type(pixel_type_of(part));
  std::visit([&](const auto& img) { impl_->add_plane(channel, img.plane(0)); }, part);
}

void PixelStats::clear() {
  impl_->type.reset();
  impl_->pass = 1;
  for (Channel& ch : impl_->data) {
    ch.ints.clear();
    ch.floats = detail::FloatRanks();
  }
}

void PixelStats::merge(const PixelStats& other) {
  const Impl& o = *other.impl_;
  if (o.channels != impl_->channels || o.pass != impl_->pass) {
    throw Error(ErrorKind::kInvalidArgument,
                fmt::format("pixel statistics: cannot merge {} channels in pass {} into {} "
                            "channels in pass {}",
                            o.channels, o.pass, impl_->channels, impl_->pass));
  }
  if (o.type) impl_->accept_type(*o.type);
  for (std::size_t c = 0; c < impl_->data.size(); ++c) {
    if (impl_->pass == 2) {
      impl_->data[c].floats.merge_pass2(o.data[c].floats);
    } else if (impl_->is_float_data()) {
      impl_->data[c].floats.merge_pass1(o.data[c].floats);
    } else {
      impl_->data[c].ints.merge(o.data[c].ints);
    }
  }
}

PixelStats PixelStats::fork() const {
  auto impl = std::make_unique<Impl>();
  impl->channels = impl_->channels;
  impl->type = impl_->type;
  impl->pass = impl_->pass;
  impl->data.resize(impl_->data.size());
  if (impl_->pass == 2) {
    for (std::size_t c = 0; c < impl->data.size(); ++c) {
      impl->data[c].floats = impl_->data[c].floats.fork_pass2();
    }
  }
  return PixelStats(std::move(impl));
}

PixelStatsState PixelStats::state() const {
  if (impl_->pass != 1) {
    throw Error(ErrorKind::kInvalidArgument,
                "pixel statistics: the state is saved in the first pass only");
  }
  PixelStatsState out{impl_->channels, impl_->type, {}};
  for (const Channel& ch : impl_->data) {
    PixelStatsState::Channel saved;
    if (impl_->is_float_data()) {
      const auto& f = ch.floats;
      saved.count = f.count();
      saved.min = f.min();
      saved.max = f.max();
      saved.sum = f.compensated_sum().sum;
      saved.compensation = f.compensated_sum().compensation;
      const auto& high = f.high_counts();
      for (std::size_t b = 0; b < high.size(); ++b)
        if (high[b] != 0) saved.high.emplace_back(std::uint32_t(b), high[b]);
    } else {
      ch.ints.for_each([&](std::int64_t v, std::uint64_t c) { saved.values.emplace_back(v, c); });
    }
    out.channel.push_back(std::move(saved));
  }
  return out;
}

namespace {

[[noreturn]] void bad_state(const std::string& what) {
  throw Error(ErrorKind::kInvalidArgument, "pixel statistics state: " + what);
}

detail::FloatRanks restore_floats(const PixelStatsState::Channel& saved) {
  std::vector<std::uint64_t> high;
  std::uint64_t total = 0;
  if (!saved.high.empty()) high.assign(detail::FloatRanks::kBuckets, 0);
  for (std::size_t i = 0; i < saved.high.size(); ++i) {
    const auto [bucket, count] = saved.high[i];
    if (bucket >= detail::FloatRanks::kBuckets || count == 0 ||
        (i > 0 && bucket <= saved.high[i - 1].first))
      bad_state(fmt::format("float bucket {} (count {}) out of range or order", bucket, count));
    high[bucket] = count;
    total += count;
  }
  if (total != saved.count || !saved.values.empty() || std::isnan(saved.min) ||
      std::isnan(saved.max) || saved.min > saved.max)
    bad_state(fmt::format("float channel of {} pixels has bucket counts adding up to {}",
                          saved.count, total));
  return detail::FloatRanks::restore_pass1(saved.count, saved.min, saved.max,
                                           {saved.sum, saved.compensation}, std::move(high));
}

void check_runs(const PixelStatsState::Channel& saved, PixelType type) {
  const std::int64_t lo = type == PixelType::kUint64 ? 0 : integer_min(type);
  const std::int64_t hi = integer_max(type);
  for (std::size_t i = 0; i < saved.values.size(); ++i) {
    const auto [v, c] = saved.values[i];
    if (c == 0 || v < lo || v > hi || (i > 0 && v <= saved.values[i - 1].first))
      bad_state(
          fmt::format("{} value {} (count {}) out of range or order", pixel_type_name(type), v, c));
  }
  if (!saved.high.empty() || saved.count != 0) bad_state("integer channel with float state");
}

}  // namespace

PixelStats PixelStats::from_state(const PixelStatsState& state) {
  PixelStats out(state.channels);
  if (state.channel.size() != std::size_t(state.channels))
    bad_state(
        fmt::format("{} channels but {} channel states", state.channels, state.channel.size()));
  if (!state.type) {
    for (const auto& saved : state.channel)
      if (!saved.values.empty() || saved.count != 0) bad_state("pixels but no pixel type");
    return out;
  }
  if (*state.type == PixelType::kFloat64) bad_state("float64 is not supported");
  out.impl_->type = state.type;
  for (std::size_t c = 0; c < state.channel.size(); ++c) {
    const auto& saved = state.channel[c];
    if (out.impl_->is_float_data()) {
      out.impl_->data[c].floats = restore_floats(saved);
    } else {
      check_runs(saved, *state.type);
      out.impl_->data[c].ints.add_runs(saved.values);
    }
  }
  return out;
}

bool PixelStats::needs_second_pass() const { return impl_->pass == 1 && impl_->is_float_data(); }

void PixelStats::begin_second_pass() {
  if (!needs_second_pass()) {
    throw Error(ErrorKind::kInvalidArgument,
                impl_->pass == 2 ? "pixel statistics: the second pass has already begun"
                                 : "pixel statistics: no second pass needed (no float data)");
  }
  reject_empty(impl_->data, true);
  for (auto& ch : impl_->data) ch.floats.begin_pass2(wanted_ranks(ch.floats.count()));
  impl_->pass = 2;
}

StatsSummary PixelStats::summarize() const {
  if (!impl_->type) throw Error(ErrorKind::kInvalidArgument, "pixel statistics: no images added");
  if (needs_second_pass()) {
    throw Error(ErrorKind::kInvalidArgument,
                "pixel statistics: float data needs its second pass before summarize()");
  }
  return impl_->is_float_data() ? impl_->summarize_floats() : impl_->summarize_integers();
}

StatsSummary PixelStats::Impl::summarize_integers() const {
  reject_empty(data, false);
  StatsSummary out;
  Int128 total = 0;
  for (const auto& ch : data) {
    const auto& h = ch.ints;
    const std::uint64_t n = h.count();
    const Int128 sum = exact_sum(h);
    ChannelStats cs;
    cs.percentiles = integer_percentiles(*type, n, h.values_at_ranks(wanted_ranks(n)));
    cs.min = static_cast<double>(h.min());
    cs.max = static_cast<double>(h.max());
    cs.mean = static_cast<double>(sum) / static_cast<double>(n);
    const long double centre = static_cast<long double>(sum) / static_cast<long double>(n);
    cs.std = static_cast<double>(std::sqrt(squared_deviations(h, centre) / n));
    out.min = out.channels.empty() ? cs.min : std::min(out.min, cs.min);
    out.max = out.channels.empty() ? cs.max : std::max(out.max, cs.max);
    out.count += n;
    total += sum;
    out.channels.push_back(cs);
  }
  out.mean = static_cast<double>(total) / static_cast<double>(out.count);
  const long double centre = static_cast<long double>(total) / out.count;
  long double m2 = 0;
  for (const auto& ch : data) m2 += squared_deviations(ch.ints, centre);
  out.std = static_cast<double>(std::sqrt(m2 / out.count));
  return out;
}

StatsSummary PixelStats::Impl::summarize_floats() const {
  reject_empty(data, true);
  StatsSummary out;
  detail::CompensatedSum total;
  for (const auto& ch : data) {
    const auto& f = ch.floats;
    f.check_pass2();
    const std::uint64_t n = f.count();
    ChannelStats cs;
    cs.percentiles = percentiles_from<float>(n, f.values_at_ranks());
    cs.min = f.min();
    cs.max = f.max();
    cs.mean = f.sum() / static_cast<double>(n);
    cs.std = std::sqrt(f.squared_deviations() / static_cast<double>(n));
    out.min = out.channels.empty() ? cs.min : std::min(out.min, cs.min);
    out.max = out.channels.empty() ? cs.max : std::max(out.max, cs.max);
    out.count += n;
    total.merge(f.compensated_sum());
    out.channels.push_back(cs);
  }
  out.mean = total.value() / static_cast<double>(out.count);
  // Σ(v − m)² = Σ_c [Σ(v − m_c)² + n_c (m_c − m)²], with m_c the centre used in pass 2.
  detail::CompensatedSum m2;
  for (const auto& ch : data) {
    const double d = ch.floats.centre() - out.mean;
    m2.add(ch.floats.squared_deviations());
    m2.add(static_cast<double>(ch.floats.count()) * d * d);
  }
  out.std = std::sqrt(m2.value() / static_cast<double>(out.count));
  return out;
}

double percentile_sorted(const std::vector<double>& sorted, double q) {
  if (sorted.empty() || !(q >= 0.0 && q <= 100.0)) {
    throw Error(ErrorKind::kInvalidArgument,
                fmt::format("percentile_sorted: q = {} on {} values (need 0 <= q <= 100 and at "
                            "least one value)",
                            q, sorted.size()));
  }
  const auto index = detail::quantile_index(sorted.size(), q);
  return detail::numpy_lerp<double>(sorted[index.previous], sorted[index.next], index.gamma);
}

}  // namespace flamecare
