#pragma once
/// The one exception type the flamecare library throws.
#include <stdexcept>
#include <string>
#include <string_view>

namespace flamecare {

/// What went wrong, coarsely. The CLI exits with 2 (usage error) for kInvalidArgument, 130 for
/// kCancelled and 1 for every other kind.
enum class ErrorKind {
  kInvalidArgument,  ///< a caller's option or input value is not acceptable (and only that)
  kNotFound,         ///< a file, dataset, key or usable image does not exist
  kIo,               ///< the operating system failed a read, write, rename or lock
  kCorrupt,          ///< a file exists but its content is damaged or truncated
  kUnsupported,      ///< a valid input using a feature flamecare does not handle
  kInternal,         ///< a broken invariant inside flamecare
  kCancelled,        ///< the caller asked to stop (Reporter's cancellation check); nothing kept
  kAlreadyExists,    ///< an output exists already and is never overwritten
};

/// Short lowercase name of a kind ("invalid argument", "not found", ...).
std::string_view error_kind_name(ErrorKind kind);

/// Library error: message names the file first, then the cause with numbers.
class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message);
  ErrorKind kind() const { return kind_; }

 private:
  ErrorKind kind_;
};

}  // namespace flamecare
