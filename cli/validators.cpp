#include "validators.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <limits>
#include <optional>

#include <fmt/format.h>

namespace flamecare::cli {
namespace {

// The whole of `text` as a T, or nothing (no sign for unsigned T, no trailing characters).
template <class T>
std::optional<T> parse_whole(const std::string& text) {
  T value{};
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

std::string shown(const std::string& text) {
  return text.size() > 40 ? text.substr(0, 40) + "..." : text;
}

}  // namespace

CLI::Validator int_at_least(int min) {
  return CLI::Validator(
      [min](std::string& text) -> std::string {
        const auto value = parse_whole<long long>(text);
        if (value && *value >= min && *value <= std::numeric_limits<int>::max()) return "";
        return fmt::format("must be an integer of at least {}, got {}", min, shown(text));
      },
      fmt::format("INT>={}", min));
}

CLI::Validator number_in(double lo, double hi, bool hi_open) {
  return CLI::Validator(
      [=](std::string& text) -> std::string {
        const auto value = parse_whole<double>(text);
        if (value && *value >= lo && (hi_open ? *value < hi : *value <= hi)) return "";
        return fmt::format("must be a number in [{}, {}{}, got {}", lo, hi, hi_open ? ")" : "]",
                           shown(text));
      },
      fmt::format("[{},{}{}", lo, hi, hi_open ? ")" : "]"));
}

CLI::Validator seed_value() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        if (parse_whole<std::uint64_t>(text)) return "";
        return fmt::format("must be an integer from 0 to {}, got {}",
                           std::numeric_limits<std::uint64_t>::max(), shown(text));
      },
      "UINT64");
}

CLI::Validator id_value() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        const auto value = parse_whole<std::int64_t>(text);
        if (value && *value >= 0) return "";
        return fmt::format("must be an image id (an integer from 0 to {}), got {}",
                           std::numeric_limits<std::int64_t>::max(), shown(text));
      },
      "ID");
}

CLI::Validator one_of(std::vector<std::string> allowed) {
  std::string list;
  for (const auto& value : allowed) list += (list.empty() ? "" : ", ") + value;
  return CLI::Validator(
      [allowed, list](std::string& text) -> std::string {
        if (std::find(allowed.begin(), allowed.end(), text) != allowed.end()) return "";
        return fmt::format("must be one of: {}; got {}", list, shown(text));
      },
      list);
}

CLI::Validator calendar_date() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        const auto all = parse_whole<unsigned>(text);
        if (text.size() == 8 && all) {
          using namespace std::chrono;
          const year_month_day date{year(int(*all / 10000)), month(*all / 100 % 100),
                                    day(*all % 100)};
          if (date.ok()) return "";
        }
        return fmt::format("must be a calendar date YYYYMMDD, got {}", shown(text));
      },
      "YYYYMMDD");
}

}  // namespace flamecare::cli
