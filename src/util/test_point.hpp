#pragma once
// Named points in a run where a test can stop the process, to kill it, fill its disk or check its
// files in the window that follows (e.g. between publishing a dataset's data and its JSON).
#include <string_view>

namespace flamecare::detail {

/// Environment variable naming the point to stop at (one name, e.g. "create:claimed").
inline constexpr const char* kTestStopEnv = "FLAMECARE_TEST_STOP_AT";

/// When FLAMECARE_TEST_STOP_AT equals `name`, stops this process with SIGSTOP (a test then
/// inspects it, kills it or sends SIGCONT); otherwise does nothing. Unset in normal use, so it is
/// harmless in production.
void test_point(std::string_view name);

}  // namespace flamecare::detail
