#include "config_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <toml++/toml.h>
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "flamecare/error.hpp"
#include "flamecare/text.hpp"

namespace flamecare::cli {
namespace {

// A config is a few hundred bytes; anything far larger is not one.
constexpr std::size_t kMaxConfigBytes = 1 << 20;

std::string canonical_key(std::string key) {
  std::replace(key.begin(), key.end(), '_', '-');
  return key;
}

[[noreturn]] void bad(const std::string& path, const std::string& what) {
  throw Error(ErrorKind::kInvalidArgument, fmt::format("{}: {}", printable(path), what));
}

// The whole file: a regular file or a pipe (`--config <(…)`), never a directory.
std::string read_config(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    throw Error(err == ENOENT ? ErrorKind::kNotFound : ErrorKind::kIo,
                fmt::format("{}: config file {}", printable(path),
                            err == ENOENT ? "not found" : std::strerror(err)));
  }
  struct stat st {};
  std::string text;
  int err = ::fstat(fd, &st) != 0 ? errno : (S_ISDIR(st.st_mode) ? EISDIR : 0);
  char buffer[65536];
  while (err == 0 && text.size() <= kMaxConfigBytes) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) err = errno;
    if (n <= 0) break;
    text.append(buffer, std::size_t(n));
  }
  ::close(fd);
  if (err != 0) {
    throw Error(ErrorKind::kIo, fmt::format("{}: cannot read the config file: {}", printable(path),
                                            std::strerror(err)));
  }
  if (text.size() > kMaxConfigBytes)
    bad(path, fmt::format("larger than {} bytes", kMaxConfigBytes));
  return text;
}

// TOML scalar → the text CLI11 would have seen on the command line.
std::string as_argument(const toml::node& node, const std::string& path, const std::string& key) {
  if (const auto* s = node.as_string()) return s->get();
  if (const auto* i = node.as_integer()) return std::to_string(i->get());
  if (const auto* f = node.as_floating_point()) return fmt::format("{}", f->get());
  if (const auto* b = node.as_boolean()) return b->get() ? "true" : "false";
  bad(path, fmt::format("\"{}\" must be a string, number, boolean or a list of them", key));
}

// The option a key names: a long name or a positional's name, `_` and `-` alike.
CLI::Option* option_named(CLI::App& command, const std::string& key) {
  const std::string wanted = canonical_key(key);
  if (wanted == "config" || wanted == "help") return nullptr;
  for (CLI::Option* option : command.get_options()) {
    for (const std::string& name : option->get_lnames())
      if (canonical_key(name) == wanted) return option;
    if (option->get_lnames().empty() && option->get_snames().empty() &&
        canonical_key(option->get_name()) == wanted)
      return option;
  }
  return nullptr;
}

std::vector<std::string> values_of(const toml::node& node, const CLI::Option& option,
                                   const std::string& path, const std::string& key) {
  const auto* array = node.as_array();
  if (array == nullptr) return {as_argument(node, path, key)};
  if (option.get_items_expected_max() <= 1)
    bad(path, fmt::format("\"{}\" takes one value, not a list", key));
  if (array->empty()) bad(path, fmt::format("\"{}\" is an empty list", key));
  std::vector<std::string> values;
  for (const toml::node& item : *array) values.push_back(as_argument(item, path, key));
  return values;
}

bool is_command(const CLI::App& command, const std::string& name) {
  const CLI::App* parent = command.get_parent();
  if (parent == nullptr) return false;
  const auto all = parent->get_subcommands([](const CLI::App*) { return true; });
  return std::any_of(all.begin(), all.end(),
                     [&](const CLI::App* sub) { return sub->get_name() == name; });
}

void apply(CLI::App& command, const toml::table& table, const std::string& path,
           std::vector<std::string>& applied) {
  for (const auto& [raw_key, node] : table) {
    const std::string key(raw_key.str());
    if (node.is_table()) {
      if (key == command.get_name()) {
        apply(command, *node.as_table(), path, applied);
      } else if (!is_command(command, key)) {  // other subcommands' tables may share the file
        bad(path, fmt::format("unknown table [{}] (a table is named after a command)", key));
      }
      continue;
    }
    CLI::Option* option = option_named(command, key);
    if (option == nullptr)
      bad(path, fmt::format("unknown option \"{}\" for `flamecare {}`", key, command.get_name()));
    const std::vector<std::string> values = values_of(node, *option, path, key);
    if (option->count() > 0) continue;  // the command line wins
    try {
      for (const auto& value : values) option->add_result(value);
      option->run_callback();
    } catch (const CLI::Error& e) {
      bad(path, fmt::format("\"{}\": {}", key, e.what()));
    }
    std::string shown;
    for (const auto& value : values) shown += (shown.empty() ? "" : ", ") + value;
    applied.push_back(fmt::format("{} = {}", canonical_key(key), shown));
  }
}

}  // namespace

std::vector<std::string> apply_config_file(CLI::App& command, const std::string& path) {
  const std::string text = read_config(path);
  toml::table table;
  try {
    table = toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    bad(path, fmt::format("line {}: {}", e.source().begin.line, e.description()));
  }
  std::vector<std::string> applied;
  apply(command, table, path, applied);
  check_exclusions(command);
  return applied;
}

void check_exclusions(const CLI::App& command) {
  for (const CLI::Option* option : command.get_options()) {
    if (option->count() == 0) continue;
    for (const CLI::Option* other : option->get_excludes()) {
      if (other->count() > 0) {
        throw Error(ErrorKind::kInvalidArgument,
                    fmt::format("{} and {} cannot be used together", option->get_name(),
                                other->get_name()));
      }
    }
  }
}

void require_option(const CLI::Option* option, const std::string& shown_name,
                    const std::string& config_key) {
  if (option->count() > 0) return;
  throw Error(ErrorKind::kInvalidArgument,
              fmt::format("{} is required: give it on the command line or as {} in --config",
                          shown_name, config_key));
}

}  // namespace flamecare::cli
