#pragma once
/// The one exception type the flamecare library throws.
#include <stdexcept>
#include <string>
#include <string_view>

namespace flamecare {

/// What went wrong, coarsely; the CLI maps every kind to exit code 1.
enum class ErrorKind {
  kInvalidArgument,  ///< a caller's option or input value is not acceptable
  kNotFound,         ///< a file, dataset or key does not exist
  kIo,               ///< the operating system failed a read, write, rename or lock
  kCorrupt,          ///< a file exists but its content is damaged or truncated
  kUnsupported,      ///< a valid file using a feature flamecare does not handle
  kInternal,         ///< a broken invariant inside flamecare
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
