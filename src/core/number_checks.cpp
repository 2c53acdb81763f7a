#include "core/number_checks.hpp"

#include <cmath>

namespace jf {

std::string setting_number_problem(double value) {
  if (!std::isfinite(value)) return "is not a finite number";
  if (std::fabs(value) > kLargestSetting) return "is too large (at most 1e30 in magnitude)";
  return "";
}

}  // namespace jf
