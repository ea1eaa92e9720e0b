#include <cairo.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "core/simd.hpp"
#include "flamecare/error.hpp"
#include "flamecare/preview.hpp"
#include "io/atomic_file.hpp"
#include "io/png_encode.hpp"
#include "io/png_preview_layout.hpp"
#include "util/parallel.hpp"
#include "util/text.hpp"

namespace flamecare {
namespace {

namespace fs = std::filesystem;
using detail::PreviewLayout;

constexpr const char* kFont = "DejaVu Sans";
constexpr double kBackground = 0.13;  // dark grey: microscopy panels read better on dark
constexpr double kText = 0.92;
constexpr double kBorder = 0.55;

using SurfacePtr = std::unique_ptr<cairo_surface_t, decltype(&cairo_surface_destroy)>;
using ContextPtr = std::unique_ptr<cairo_t, decltype(&cairo_destroy)>;

// lround(clamp(v) · 255) without a libm call per component: x − trunc(x) is exact for
// 0 ≤ x < 2^23, so the comparison rounds half away from zero exactly as lround does.
std::uint8_t to_byte(float v) {
  const float x = std::clamp(v, 0.0f, 1.0f) * 255.0f;
  const auto whole = static_cast<std::uint8_t>(x);
  return static_cast<std::uint8_t>(whole + (x - float(whole) >= 0.5f ? 1 : 0));
}

// An RGB24 surface holding the panel's pixels one to one.
SurfacePtr panel_surface(const RgbImage& image) {
  SurfacePtr surface(cairo_image_surface_create(CAIRO_FORMAT_RGB24, image.width, image.height),
                     cairo_surface_destroy);
  cairo_surface_flush(surface.get());
  unsigned char* data = cairo_image_surface_get_data(surface.get());
  const int stride = cairo_image_surface_get_stride(surface.get());
  for (int y = 0; y < image.height; ++y) {
    auto* row = reinterpret_cast<std::uint32_t*>(data + std::ptrdiff_t(y) * stride);
    for (int x = 0; x < image.width; ++x) {
      const float* p = &image.rgb[3 * (std::size_t(y) * image.width + x)];
      row[x] = (std::uint32_t(to_byte(p[0])) << 16) | (std::uint32_t(to_byte(p[1])) << 8) |
               std::uint32_t(to_byte(p[2]));
    }
  }
  cairo_surface_mark_dirty(surface.get());
  return surface;
}

// Every panel's surface, made on up to `threads` threads before the (serial) drawing: by row,
// then column.
std::vector<std::vector<SurfacePtr>> panel_surfaces(const PreviewSheet& sheet, int threads) {
  std::vector<std::vector<SurfacePtr>> surfaces(sheet.rows.size());
  std::vector<std::pair<std::size_t, std::size_t>> panels;
  for (std::size_t r = 0; r < sheet.rows.size(); ++r) {
    for (std::size_t c = 0; c < sheet.rows[r].panels.size(); ++c) {
      surfaces[r].emplace_back(nullptr, cairo_surface_destroy);
      panels.emplace_back(r, c);
    }
  }
  detail::parallel_for(panels.size(), threads, [&](std::size_t i) {
    const auto [r, c] = panels[i];
    const RgbImage& image = sheet.rows[r].panels[c];
    if (image.width > 0 && image.height > 0) surfaces[r][c] = panel_surface(image);
  });
  return surfaces;
}

// `text` shortened from the left with "…" until it fits `max_width`: the end of a path (the file
// name) is what tells images apart.
std::string fit_text(cairo_t* cr, const std::string& text, double max_width) {
  cairo_text_extents_t ext;
  cairo_text_extents(cr, text.c_str(), &ext);
  if (ext.x_advance <= max_width) return text;
  std::size_t lo = 0, hi = text.size();  // find the fewest dropped bytes that fit
  while (lo < hi) {
    const std::size_t mid = (lo + hi) / 2;
    const std::string candidate = "\u2026" + text.substr(mid);
    cairo_text_extents(cr, candidate.c_str(), &ext);
    if (ext.x_advance <= max_width) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  // Do not cut a UTF-8 sequence in half.
  while (lo < text.size() && (static_cast<unsigned char>(text[lo]) & 0xC0) == 0x80) ++lo;
  return "\u2026" + text.substr(lo);
}

// Draws `text` centred; it first shrinks (down to min_scale × `size`), then loses its start.
void draw_text(cairo_t* cr, const std::string& text, double size, bool bold, double center_x,
               double baseline_y, double max_width, double min_scale = 0.85) {
  cairo_select_font_face(cr, kFont, CAIRO_FONT_SLANT_NORMAL,
                         bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, size);
  cairo_text_extents_t full;
  cairo_text_extents(cr, text.c_str(), &full);
  if (full.x_advance > max_width) {
    cairo_set_font_size(cr, std::max(min_scale * size, size * max_width / full.x_advance));
  }
  const std::string shown = fit_text(cr, text, max_width);
  cairo_text_extents_t ext;
  cairo_text_extents(cr, shown.c_str(), &ext);
  const double x = center_x - ext.x_advance / 2;
  // Drawn through an alpha-only group, whose glyphs are greyscale-antialiased whatever the host's
  // fontconfig asks for (a desktop's sub-pixel setting would colour the edges): grey text stays
  // grey and a sheet is the same file on every machine. The group covers only the text's box.
  cairo_save(cr);
  cairo_rectangle(cr, std::floor(x + ext.x_bearing) - 2, std::floor(baseline_y + ext.y_bearing) - 2,
                  std::ceil(ext.width) + 4, std::ceil(ext.height) + 4);
  cairo_clip(cr);
  cairo_push_group_with_content(cr, CAIRO_CONTENT_ALPHA);
  cairo_move_to(cr, x, baseline_y);
  cairo_show_text(cr, shown.c_str());
  cairo_pattern_t* glyphs = cairo_pop_group(cr);
  cairo_set_source_rgb(cr, kText, kText, kText);
  cairo_mask(cr, glyphs);
  cairo_pattern_destroy(glyphs);
  cairo_restore(cr);
}

// Draws `image` scaled to fit `cell` wide, centred in the box (x, y, cell, row_height);
// enlarged nearest-neighbour so single pixels stay crisp, reduced with cairo's area-averaging
// filter so sparse photon counts do not alias into scattered dots.
void draw_panel(cairo_t* cr, const RgbImage& image, cairo_surface_t* surface, double x, double y,
                int cell, int row_height) {
  const auto [h, w] = detail::fitted_size(image.height, image.width, cell);
  const double ox = x + std::floor((cell - w) / 2.0), oy = y + std::floor((row_height - h) / 2.0);
  if (surface != nullptr) {
    cairo_save(cr);
    cairo_rectangle(cr, ox, oy, w, h);
    cairo_clip(cr);
    cairo_translate(cr, ox, oy);
    cairo_scale(cr, double(w) / image.width, double(h) / image.height);
    cairo_set_source_surface(cr, surface, 0, 0);
    cairo_pattern_set_filter(cairo_get_source(cr),
                             w < image.width ? CAIRO_FILTER_GOOD : CAIRO_FILTER_NEAREST);
    cairo_paint(cr);
    cairo_restore(cr);
  }
  cairo_set_source_rgb(cr, kBorder, kBorder, kBorder);
  cairo_set_line_width(cr, 1.0);
  cairo_rectangle(cr, ox - 0.5, oy - 0.5, w + 1, h + 1);
  cairo_stroke(cr);
}

// The legend line: per item a colour square and its label, in equal slots.
void draw_legend(cairo_t* cr, const PreviewSheet& sheet, const PreviewLayout& layout) {
  constexpr int kSwatch = PreviewLayout::kSwatch;
  const int y = layout.legend_y() + (PreviewLayout::kLegendHeight - kSwatch) / 2;
  for (int i = 0; i < layout.legend_items; ++i) {
    const LegendItem& item = sheet.legend[std::size_t(i)];
    const int x = layout.legend_x(i);
    cairo_set_source_rgb(cr, item.rgb[0], item.rgb[1], item.rgb[2]);
    cairo_rectangle(cr, x, y, kSwatch, kSwatch);
    cairo_fill(cr);
    const double text_width = layout.legend_slot() - kSwatch - 10.0;
    if (text_width <= 0) continue;
    // draw_text centres; a label starts right of its swatch.
    cairo_text_extents_t ext;
    cairo_select_font_face(cr, kFont, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, 12);
    cairo_text_extents(cr, item.label.c_str(), &ext);
    const double shown = std::min(ext.x_advance, text_width);
    draw_text(cr, item.label, 12, false, x + kSwatch + 6 + shown / 2, y + kSwatch - 1, text_width);
  }
}

void draw_sheet(cairo_t* cr, const PreviewSheet& sheet, const PreviewLayout& layout,
                const std::vector<std::vector<SurfacePtr>>& surfaces) {
  cairo_set_source_rgb(cr, kBackground, kBackground, kBackground);
  cairo_paint(cr);
  const double inner = layout.width() - 2.0 * PreviewLayout::kMargin;
  draw_text(cr, sheet.title, 18, true, layout.width() / 2.0, PreviewLayout::kMargin + 20, inner,
            0.6);
  draw_legend(cr, sheet, layout);
  const double column_title_y = layout.cell_y(0) - PreviewLayout::kColumnTitleHeight + 14;
  for (int c = 0; c < int(sheet.column_titles.size()); ++c) {
    draw_text(cr, sheet.column_titles[c], 13, true, layout.cell_x(c) + layout.panel / 2.0,
              column_title_y, layout.panel + PreviewLayout::kColumnGap - 4);
  }
  for (int r = 0; r < layout.rows(); ++r) {
    const PreviewRow& row = sheet.rows[r];
    const int height = layout.row_heights[r];
    for (int c = 0; c < int(row.panels.size()); ++c) {
      draw_panel(cr, row.panels[c], surfaces[r][c].get(), layout.cell_x(c), layout.cell_y(r),
                 layout.panel, height);
    }
    draw_text(cr, row.label, 11, false, layout.width() / 2.0, layout.cell_y(r) + height + 15,
              inner);
  }
}

// The surface as a PNG file, written atomically; the system's reason names a failed write.
void write_png_atomic(const fs::path& path, cairo_surface_t* surface, int threads) {
  const std::string where = detail::printable(path.string());
  cairo_surface_flush(surface);
  std::string png;
  try {
    png = detail::encode_png_rgb24(
        cairo_image_surface_get_data(surface), cairo_image_surface_get_width(surface),
        cairo_image_surface_get_height(surface), cairo_image_surface_get_stride(surface), threads);
  } catch (const Error& e) {
    throw Error(e.kind(), fmt::format("{}: {}", where, e.what()));
  }
  detail::AtomicFile file(path);
  const int fd = ::open(file.temp_path().c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0) {
    const int err = errno;
    throw Error(ErrorKind::kIo, fmt::format("{}: cannot create {}: {}", where,
                                            detail::printable(file.temp_path().filename().string()),
                                            std::strerror(err)));
  }
  int err = detail::write_all(fd, png.data(), png.size());
  if (::close(fd) != 0 && err == 0) err = errno;
  if (err != 0) {
    throw Error(ErrorKind::kIo, fmt::format("{}: cannot write PNG: {}", where, std::strerror(err)));
  }
  file.commit();
}

// values[i] mapped to [0, 1]: (v − lo) / range clamped, NaN (and everything when range ≤ 0) to 0,
// written to `copies` channels from `first` of pixel i of `rgb` (3 for a grey image, else 1).
template <class T>
void channel_to_rgb(const T* values, std::size_t n, double lo, double range, float* rgb, int first,
                    int copies) {
  for (std::size_t i = 0; i < n; ++i) {
    const double t = range > 0 ? (double(values[i]) - lo) / range : 0.0;
    const float v = t != t ? 0.0f : float(t < 0.0 ? 0.0 : (t > 1.0 ? 1.0 : t));
    for (int c = 0; c < copies; ++c) rgb[3 * i + std::size_t(first + c)] = v;
  }
}

// The thumbnails' type (block means): four values per step in GCC's vector extensions (one AVX2
// register where the CPU has it; the same IEEE operations, so the same bytes as the plain loop).
FLAMECARE_HOT_CLONES void channel_to_rgb(const double* values, std::size_t n, double lo,
                                         double range, float* rgb, int first, int copies) {
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
  typedef double Lanes __attribute__((vector_size(32)));
  constexpr std::size_t kLanes = 4;
  std::size_t i = 0;
  if (range > 0) {
    const Lanes zero{}, one = zero + 1.0;
    for (; i + kLanes <= n; i += kLanes) {
      Lanes t;
      std::memcpy(&t, values + i, sizeof t);
      t = (t - lo) / range;
      t = t < zero ? zero : (t > one ? one : t);
      t = t != t ? zero : t;
      float* out = rgb + 3 * i + std::size_t(first);
      for (std::size_t k = 0; k < kLanes; ++k)
        for (int c = 0; c < copies; ++c) out[3 * k + std::size_t(c)] = float(t[k]);
    }
  }
  channel_to_rgb<double>(values + i, n - i, lo, range, rgb + 3 * i, first, copies);
#else
  channel_to_rgb<double>(values, n, lo, range, rgb, first, copies);
#endif
}

template <class T>
RgbImage rgb_of(const Image<T>& im, const std::vector<double>& lo, const std::vector<double>& hi) {
  const ImageShape s{im.channels, im.height, im.width};
  const int used = std::min(s.channels, 3);
  if (used < 1 || int(lo.size()) < used || int(hi.size()) < used) {
    throw Error(ErrorKind::kInvalidArgument,
                fmt::format("to_rgb: {} channels need as many limits, got {} lo and {} hi",
                            s.channels, lo.size(), hi.size()));
  }
  RgbImage out{s.height, s.width, std::vector<float>(3 * std::size_t(s.height) * s.width, 0.0f)};
  for (int c = 0; c < used; ++c) {
    const auto plane = im.plane(c);
    // One channel is shown grey (into all three); else channel c is red, green or blue.
    channel_to_rgb(plane.data(), plane.size(), lo[c], hi[c] - lo[c], out.rgb.data(),
                   used == 1 ? 0 : c, used == 1 ? 3 : 1);
  }
  return out;
}

}  // namespace

RgbImage to_rgb(const AnyImage& image, const std::vector<double>& lo,
                const std::vector<double>& hi) {
  return std::visit([&](const auto& im) { return rgb_of(im, lo, hi); }, image);
}

RgbImage to_rgb(const Image<double>& image, const std::vector<double>& lo,
                const std::vector<double>& hi) {
  return rgb_of(image, lo, hi);
}

RgbImage to_rgb_reduced(const AnyImage& image, const std::vector<double>& lo,
                        const std::vector<double>& hi, int factor) {
  const ImageShape s = shape_of(image);
  if (factor == 1) return to_rgb(image, lo, hi);
  if (s.channels < 1) return to_rgb(image, lo, hi);  // its error
  return to_rgb(AnyImage(block_means(image, std::min(s.channels, 3), factor)), lo, hi);
}

void write_preview_png(const fs::path& path, const PreviewSheet& sheet, int threads) {
  const PreviewLayout layout = detail::preview_layout(sheet);
  if (layout.rows() == 0 || layout.columns == 0 || sheet.panel_size < 8) {
    throw Error(ErrorKind::kInvalidArgument,
                fmt::format("{}: a preview needs rows, panels and a panel size of at least 8 "
                            "(got {} rows, {} columns, size {})",
                            path.string(), layout.rows(), layout.columns, sheet.panel_size));
  }
  for (const PreviewRow& row : sheet.rows) {
    for (const RgbImage& p : row.panels) {
      if (p.rgb.size() != 3 * std::size_t(std::max(p.height, 0)) * std::max(p.width, 0)) {
        throw Error(ErrorKind::kInvalidArgument,
                    fmt::format("{}: panel of {} x {} has {} values", path.string(), p.height,
                                p.width, p.rgb.size()));
      }
    }
  }
  SurfacePtr surface(
      cairo_image_surface_create(CAIRO_FORMAT_RGB24, layout.width(), layout.height()),
      cairo_surface_destroy);
  ContextPtr cr(cairo_create(surface.get()), cairo_destroy);
  draw_sheet(cr.get(), sheet, layout, panel_surfaces(sheet, threads));
  cairo_surface_flush(surface.get());
  if (cairo_status(cr.get()) != CAIRO_STATUS_SUCCESS) {
    throw Error(ErrorKind::kInternal, fmt::format("{}: drawing failed: {}", path.string(),
                                                  cairo_status_to_string(cairo_status(cr.get()))));
  }
  write_png_atomic(path, surface.get(), threads);
}

namespace detail {

void load_preview_fonts() noexcept {
  SurfacePtr surface(cairo_image_surface_create(CAIRO_FORMAT_RGB24, 1, 1), cairo_surface_destroy);
  ContextPtr cr(cairo_create(surface.get()), cairo_destroy);
  for (const auto weight : {CAIRO_FONT_WEIGHT_NORMAL, CAIRO_FONT_WEIGHT_BOLD}) {
    cairo_select_font_face(cr.get(), kFont, CAIRO_FONT_SLANT_NORMAL, weight);
    cairo_text_extents_t ext;
    cairo_text_extents(cr.get(), "0", &ext);
  }
}

PngPixels read_png(const fs::path& path) {
  SurfacePtr png(cairo_image_surface_create_from_png(path.c_str()), cairo_surface_destroy);
  if (cairo_surface_status(png.get()) != CAIRO_STATUS_SUCCESS) {
    throw Error(ErrorKind::kCorrupt,
                fmt::format("{}: cannot read PNG: {}", path.string(),
                            cairo_status_to_string(cairo_surface_status(png.get()))));
  }
  cairo_surface_flush(png.get());
  PngPixels out{
      cairo_image_surface_get_width(png.get()), cairo_image_surface_get_height(png.get()), {}};
  const unsigned char* data = cairo_image_surface_get_data(png.get());
  const int stride = cairo_image_surface_get_stride(png.get());
  out.rgb.reserve(std::size_t(out.width) * out.height);
  for (int y = 0; y < out.height; ++y) {
    const auto* row = reinterpret_cast<const std::uint32_t*>(data + std::ptrdiff_t(y) * stride);
    for (int x = 0; x < out.width; ++x) out.rgb.push_back(row[x] & 0xffffffu);
  }
  return out;
}

}  // namespace detail
}  // namespace flamecare
