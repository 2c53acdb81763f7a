#include "svd/rank_selection.hpp"

#include <algorithm>
#include <cmath>

namespace jf::svd {

int64_t rank_meeting_tolerance(const std::vector<double>& s, double norm_a, double tol) {
  if (norm_a == 0) return 1;
  // In units of ||A||_F^2, so that huge or tiny matrices neither overflow nor underflow.
  double remaining = 1.0;
  for (size_t k = 1; k <= s.size(); ++k) {
    remaining -= (s[k - 1] / norm_a) * (s[k - 1] / norm_a);
    if (remaining <= tol * tol) return static_cast<int64_t>(k);
  }
  return static_cast<int64_t>(s.size());
}

int64_t optimal_rank_from_spectrum(const std::vector<double>& s_full, double tol) {
  if (s_full.empty() || s_full[0] == 0) return 1;
  // In units of s_0^2 (no overflow); summed from the smallest value up (no cancellation).
  auto squared = [&](int64_t i) { return (s_full[i] / s_full[0]) * (s_full[i] / s_full[0]); };
  double total = 0;
  for (int64_t i = static_cast<int64_t>(s_full.size()) - 1; i >= 0; --i) total += squared(i);
  const double allowed = tol * tol * total;
  // Drop values from the end while the dropped tail stays within the allowance.
  double tail = 0;
  int64_t k = static_cast<int64_t>(s_full.size());
  while (k > 1 && tail + squared(k - 1) <= allowed) {
    tail += squared(k - 1);
    --k;
  }
  return k;
}

double tail_energy_estimate(const std::vector<double>& s, int64_t k, double norm_a) {
  if (norm_a == 0) return 0;
  double captured = 0;
  for (int64_t i = 0; i < k && i < static_cast<int64_t>(s.size()); ++i) captured += (s[i] / norm_a) * (s[i] / norm_a);
  return std::sqrt(std::max(0.0, 1.0 - captured));
}

}  // namespace jf::svd
