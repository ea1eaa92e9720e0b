#include "command_line.hpp"

#include <algorithm>
#include <numeric>
#include <string_view>

#include <fmt/format.h>

#include "flamecare/text.hpp"

namespace flamecare::cli {
namespace {

// Levenshtein distance (insertions, deletions and substitutions cost 1).
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), std::size_t{0});
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

bool needs_quotes(std::string_view arg) {
  if (arg.empty()) return true;
  return std::any_of(arg.begin(), arg.end(), [](char c) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       std::string_view("_@%+=:,./-").find(c) != std::string_view::npos;
    return !plain;
  });
}

}  // namespace

std::optional<std::string> command_word(int argc, const char* const* argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (!arg.starts_with('-')) return std::string(arg);
  }
  return std::nullopt;
}

std::string unknown_command_message(const std::string& word,
                                    const std::vector<std::string>& names) {
  std::string list;
  for (const auto& name : names) list += (list.empty() ? "" : ", ") + name;
  std::string message = fmt::format("unknown command \"{}\"", printable(word));
  std::size_t best = std::string::npos;
  std::string nearest;
  for (const auto& name : names) {
    const std::size_t d = edit_distance(word, name);
    if (d < best) best = d, nearest = name;
  }
  if (!nearest.empty() && best <= std::max(word.size(), nearest.size()) / 2)
    message += fmt::format("; did you mean \"{}\"?", nearest);
  return message + fmt::format(" (commands: {})", list);
}

std::string quoted_command_line(int argc, const char* const* argv) {
  std::string line;
  for (int i = 0; i < argc; ++i) {
    std::string arg = printable(argv[i]);
    if (i == 0) arg = "flamecare";  // the path the binary was started by says nothing useful
    if (needs_quotes(arg)) {
      std::string quoted = "'";
      for (const char c : arg) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
      arg = quoted + "'";
    }
    line += (i == 0 ? "" : " ") + arg;
  }
  return line;
}

}  // namespace flamecare::cli
