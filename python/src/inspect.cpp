// inspect: the JSON text `flamecare inspect --json` prints, from the same library function
// (flamecare/_inspect.py turns it into a dict).
#include <filesystem>
#include <string>

#include <nanobind/stl/filesystem.h>

#include "bindings.hpp"
#include "flamecare/inspect.hpp"

namespace nb = nanobind;
using namespace nb::literals;

namespace flamecare::python {

void bind_inspect(nb::module_& m) {
  m.def(
      "inspect_json",
      [](const std::filesystem::path& file) {
        std::string json;
        {
          nb::gil_scoped_release unlocked;
          json = format_inspect_json(inspect_raw_image(file));
        }
        return to_str(json);
      },
      "file"_a,
      "The JSON object `flamecare inspect --json FILE` prints, as text. Raises NotFoundError "
      "when nothing exists at `file`, InvalidArgumentError for a directory.");
}

}  // namespace flamecare::python
