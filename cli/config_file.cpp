#include "config_file.hpp"

#include <toml++/toml.h>
#include <algorithm>
#include <filesystem>

#include <fmt/format.h>

#include "flamecare/error.hpp"

namespace flamecare::cli {
namespace {

std::string canonical_key(std::string key) {
  std::replace(key.begin(), key.end(), '_', '-');
  return key;
}

// TOML scalar → the text CLI11 would have seen on the command line.
std::string as_argument(const toml::node& node, const std::string& path, const std::string& key) {
  if (const auto* s = node.as_string()) return s->get();
  if (const auto* i = node.as_integer()) return std::to_string(i->get());
  if (const auto* f = node.as_floating_point()) return fmt::format("{}", f->get());
  if (const auto* b = node.as_boolean()) return b->get() ? "true" : "false";
  throw Error(ErrorKind::kInvalidArgument,
              fmt::format("{}: \"{}\" must be a string, number or boolean", path, key));
}

void apply(CLI::App& command, const toml::table& table, const std::string& path) {
  for (const auto& [raw_key, node] : table) {
    const std::string key(raw_key.str());
    if (node.is_table()) {
      if (key == command.get_name()) apply(command, *node.as_table(), path);
      continue;  // tables of other subcommands may share the file
    }
    CLI::Option* option = command.get_option_no_throw("--" + canonical_key(key));
    if (option == nullptr || key == "config") {
      throw Error(ErrorKind::kInvalidArgument,
                  fmt::format("{}: unknown option \"{}\" for `flamecare {}`", path, key,
                              command.get_name()));
    }
    if (option->count() > 0) continue;  // the command line wins
    try {
      option->add_result(as_argument(node, path, key));
      option->run_callback();
    } catch (const CLI::Error& e) {
      throw Error(ErrorKind::kInvalidArgument, fmt::format("{}: \"{}\": {}", path, key, e.what()));
    }
  }
}

}  // namespace

void apply_config_file(CLI::App& command, const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw Error(ErrorKind::kNotFound, fmt::format("{}: config file not found", path));
  }
  toml::table table;
  try {
    table = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    throw Error(ErrorKind::kInvalidArgument,
                fmt::format("{}: line {}: {}", path, e.source().begin.line, e.description()));
  }
  apply(command, table, path);
}

}  // namespace flamecare::cli
