#pragma once
// Helpers shared by the app unit tests.
#include <functional>
#include <string>

#include "jointfact/core/error.hpp"

namespace jf::test {

// The InputError message `action` throws, or "no error".
inline std::string input_error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const jf::InputError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace jf::test
