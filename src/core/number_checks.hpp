#pragma once
// Bounds for every real-valued setting (command-line option or config value): finite, and small enough
// that squares and products of it with the data cannot overflow a double.
#include <string>

namespace jf {

// Largest magnitude a real-valued setting may have.
constexpr double kLargestSetting = 1e30;

// "" when `value` is finite with |value| <= kLargestSetting, else why not ("is not finite" / "is too large").
std::string setting_number_problem(double value);

}  // namespace jf
