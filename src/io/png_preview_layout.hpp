#pragma once
// Geometry of a preview contact sheet, shared by the renderer and its tests.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <utility>
#include <vector>

#include "flamecare/preview.hpp"

namespace flamecare::detail {

/// Loads the fonts the preview draws with (fontconfig's configuration and the font files, some
/// 20 ms): `create` calls it on a thread of its own while summing, so the preview at the end does
/// not wait for it. Thread-safe; never throws (a failure shows again when the preview is drawn).
void load_preview_fonts() noexcept;

/// Side lengths of `image` scaled to fit a `cell` x `cell` square, keeping its aspect.
inline std::pair<int, int> fitted_size(int height, int width, int cell) {
  if (height <= 0 || width <= 0) return {cell, cell};
  const double scale = std::min(double(cell) / width, double(cell) / height);
  return {std::max(1, int(std::lround(height * scale))),
          std::max(1, int(std::lround(width * scale)))};
}

struct PreviewLayout {
  static constexpr int kMargin = 16;
  static constexpr int kTitleHeight = 34;
  static constexpr int kLegendHeight = 22;
  static constexpr int kLegendSlot = 170;  ///< widest slot of one legend item
  static constexpr int kSwatch = 12;
  static constexpr int kColumnTitleHeight = 22;
  static constexpr int kLabelHeight = 22;
  static constexpr int kColumnGap = 12;
  static constexpr int kRowGap = 10;

  int columns = 0;
  int panel = 0;                 ///< width of each column (and the longest side of a panel)
  std::vector<int> row_heights;  ///< tallest fitted panel of each row
  int legend_items = 0;          ///< entries of the legend line (0: no legend line)

  int rows() const { return static_cast<int>(row_heights.size()); }
  int width() const { return 2 * kMargin + columns * panel + (columns - 1) * kColumnGap; }
  int height() const { return cell_y(rows()) + kMargin - kRowGap; }
  /// Top edge of the legend line (under the title).
  int legend_y() const { return kMargin + kTitleHeight; }
  /// Width of each legend item's slot; the slots are centred on the sheet.
  int legend_slot() const {
    return legend_items == 0 ? 0 : std::min(kLegendSlot, (width() - 2 * kMargin) / legend_items);
  }
  /// Left edge of legend item `item`'s swatch (its label follows it).
  int legend_x(int item) const {
    return (width() - legend_items * legend_slot()) / 2 + item * legend_slot();
  }
  /// Left edge of column `column`.
  int cell_x(int column) const { return kMargin + column * (panel + kColumnGap); }
  /// Top edge of row `row` (row == rows() gives the end of the last row).
  int cell_y(int row) const {
    int y = legend_y() + (legend_items > 0 ? kLegendHeight : 0) + kColumnTitleHeight;
    for (int r = 0; r < row; ++r) y += row_heights[r] + kLabelHeight + kRowGap;
    return y;
  }
};

/// The layout of `sheet`: as many columns as its widest row, each row as tall as its tallest
/// fitted panel (so wide images do not leave empty bands).
inline PreviewLayout preview_layout(const PreviewSheet& sheet) {
  PreviewLayout layout;
  layout.panel = sheet.panel_size;
  for (const PreviewRow& row : sheet.rows) {
    layout.columns = std::max(layout.columns, static_cast<int>(row.panels.size()));
    int height = row.panels.empty() ? sheet.panel_size : 1;
    for (const RgbImage& p : row.panels) {
      height = std::max(height, fitted_size(p.height, p.width, sheet.panel_size).first);
    }
    layout.row_heights.push_back(height);
  }
  layout.columns = std::max(layout.columns, static_cast<int>(sheet.column_titles.size()));
  layout.legend_items = static_cast<int>(sheet.legend.size());
  return layout;
}

/// A PNG decoded by cairo: 0xRRGGBB per pixel, row-major (for checking rendered sheets).
struct PngPixels {
  int width = 0;
  int height = 0;
  std::vector<std::uint32_t> rgb;
  std::uint32_t at(int x, int y) const { return rgb[std::size_t(y) * width + x]; }
};

/// Reads a PNG with cairo. Throws Error(kCorrupt) if cairo cannot decode it.
PngPixels read_png(const std::filesystem::path& path);

}  // namespace flamecare::detail
