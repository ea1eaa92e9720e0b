#pragma once
// Typed reads of parsed JSON values, each failure an Error(kCorrupt) naming the source and key.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace flamecare::detail::json_values {

/// Throws Error(kCorrupt, "<source>: <what>").
[[noreturn]] void corrupt(std::string_view source, const std::string& what);
/// object[key]; missing is corrupt.
const nlohmann::json& member(const nlohmann::json& object, const char* key,
                             std::string_view source);
/// The value as the type; anything else (or out of range) is corrupt.
std::int64_t as_int64(const nlohmann::json& value, const char* key, std::string_view source);
std::uint64_t as_uint64(const nlohmann::json& value, const char* key, std::string_view source);
int as_int(const nlohmann::json& value, const char* key, std::string_view source);
double as_double(const nlohmann::json& value, const char* key, std::string_view source);
std::string as_string(const nlohmann::json& value, const char* key, std::string_view source);
/// A per-channel list; a bare number (the notebooks' files) is one channel.
std::vector<double> as_doubles(const nlohmann::json& value, const char* key,
                               std::string_view source);
/// A list of 64-bit integers.
std::vector<std::int64_t> as_ids(const nlohmann::json& value, const char* key,
                                 std::string_view source);
/// A list of integers from 0 to INT_MAX.
std::vector<int> as_ints(const nlohmann::json& value, const char* key, std::string_view source);

}  // namespace flamecare::detail::json_values
