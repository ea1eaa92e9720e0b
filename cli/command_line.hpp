#pragma once
// The command line as a whole: the command name before CLI11 parses it (to name an unknown one
// and suggest the nearest), and the line as typed, for the log files.
#include <optional>
#include <string>
#include <vector>

namespace flamecare::cli {

/// The first argument that is not an option (the command name), nullopt when there is none.
/// Options of the main program take no values, so anything not starting with '-' is the command.
std::optional<std::string> command_word(int argc, const char* const* argv);

/// "unknown command "crate"; did you mean "create"? (commands: a, b, …)": the nearest command by
/// edit distance is suggested when it is close (at most half of the longer word's letters differ).
std::string unknown_command_message(const std::string& word, const std::vector<std::string>& names);

/// The arguments as a shell would need them typed (quoted where needed, bytes that are not UTF-8
/// written \xNN), joined by spaces.
std::string quoted_command_line(int argc, const char* const* argv);

}  // namespace flamecare::cli
