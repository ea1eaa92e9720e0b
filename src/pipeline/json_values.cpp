#include "pipeline/json_values.hpp"

#include <limits>

#include <fmt/format.h>

#include "flamecare/error.hpp"
#include "util/text.hpp"

namespace flamecare::detail::json_values {

[[noreturn]] void corrupt(std::string_view source, const std::string& what) {
  throw Error(ErrorKind::kCorrupt, fmt::format("{}: {}", printable(source), what));
}

const nlohmann::json& member(const nlohmann::json& object, const char* key,
                             std::string_view source) {
  const auto it = object.find(key);
  if (it == object.end()) corrupt(source, fmt::format("missing \"{}\"", key));
  return *it;
}

std::int64_t as_int64(const nlohmann::json& value, const char* key, std::string_view source) {
  if (value.is_number_unsigned() &&
      value.get<std::uint64_t>() <= std::uint64_t(std::numeric_limits<std::int64_t>::max())) {
    return std::int64_t(value.get<std::uint64_t>());
  }
  if (value.is_number_integer() && !value.is_number_unsigned()) return value.get<std::int64_t>();
  corrupt(source, fmt::format("\"{}\" is not a 64-bit integer", key));
}

std::uint64_t as_uint64(const nlohmann::json& value, const char* key, std::string_view source) {
  // The parser stores every non-negative integer as unsigned.
  if (!value.is_number_unsigned())
    corrupt(source, fmt::format("\"{}\" is not an unsigned integer", key));
  return value.get<std::uint64_t>();
}

int as_int(const nlohmann::json& value, const char* key, std::string_view source) {
  const std::int64_t v = as_int64(value, key, source);
  if (v < std::numeric_limits<int>::min() || v > std::numeric_limits<int>::max())
    corrupt(source, fmt::format("\"{}\" = {} is out of range", key, v));
  return int(v);
}

double as_double(const nlohmann::json& value, const char* key, std::string_view source) {
  if (!value.is_number()) corrupt(source, fmt::format("\"{}\" is not a number", key));
  return value.get<double>();
}

std::string as_string(const nlohmann::json& value, const char* key, std::string_view source) {
  if (!value.is_string()) corrupt(source, fmt::format("\"{}\" is not a string", key));
  return value.get<std::string>();
}

std::vector<double> as_doubles(const nlohmann::json& value, const char* key,
                               std::string_view source) {
  if (value.is_number()) return {value.get<double>()};
  if (!value.is_array()) corrupt(source, fmt::format("\"{}\" is not a number or a list", key));
  std::vector<double> out;
  for (const auto& v : value) out.push_back(as_double(v, key, source));
  return out;
}

std::vector<std::int64_t> as_ids(const nlohmann::json& value, const char* key,
                                 std::string_view source) {
  if (!value.is_array()) corrupt(source, fmt::format("\"{}\" is not a list", key));
  std::vector<std::int64_t> out;
  for (const auto& v : value) out.push_back(as_int64(v, key, source));
  return out;
}

std::vector<int> as_ints(const nlohmann::json& value, const char* key, std::string_view source) {
  std::vector<int> out;
  for (const std::int64_t v : as_ids(value, key, source)) {
    if (v < 0 || v > std::numeric_limits<int>::max())
      corrupt(source, fmt::format("\"{}\" value {} is out of range", key, v));
    out.push_back(int(v));
  }
  return out;
}

}  // namespace flamecare::detail::json_values
