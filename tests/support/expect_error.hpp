#pragma once
// Asserting that a call throws flamecare::Error of a given kind.
#include <gtest/gtest.h>

#include <functional>

#include "flamecare/error.hpp"

namespace flamecare::test_support {

/// Fails the test unless fn throws Error with `kind`.
inline void expect_kind(ErrorKind kind, const std::function<void()>& fn) {
  try {
    fn();
    ADD_FAILURE() << "no error thrown";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), kind) << e.what();
  }
}

}  // namespace flamecare::test_support
