#pragma once
// Geometry of a preview contact sheet, shared by the renderer and its tests.
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <vector>

#include "flamecare/preview.hpp"

namespace flamecare::detail {

struct PreviewLayout {
  static constexpr int kMargin = 16;
  static constexpr int kTitleHeight = 34;
  static constexpr int kColumnTitleHeight = 22;
  static constexpr int kLabelHeight = 22;
  static constexpr int kColumnGap = 12;
  static constexpr int kRowGap = 10;

  int columns = 0;
  int rows = 0;
  int panel = 0;  ///< side of each square panel cell

  int width() const { return 2 * kMargin + columns * panel + (columns - 1) * kColumnGap; }
  int height() const {
    return kMargin + kTitleHeight + kColumnTitleHeight + rows * (panel + kLabelHeight + kRowGap) +
           kMargin - kRowGap;
  }
  /// Top-left corner of the panel cell of (row, column).
  int cell_x(int column) const { return kMargin + column * (panel + kColumnGap); }
  int cell_y(int row) const {
    return kMargin + kTitleHeight + kColumnTitleHeight + row * (panel + kLabelHeight + kRowGap);
  }
};

/// The layout of `sheet`: as many columns as its widest row.
inline PreviewLayout preview_layout(const PreviewSheet& sheet) {
  PreviewLayout layout;
  layout.rows = static_cast<int>(sheet.rows.size());
  layout.panel = sheet.panel_size;
  for (const PreviewRow& row : sheet.rows) {
    layout.columns = std::max(layout.columns, static_cast<int>(row.panels.size()));
  }
  layout.columns = std::max(layout.columns, static_cast<int>(sheet.column_titles.size()));
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
