#pragma once
// Choosing k from a tolerance, and the tail-energy estimate reported with every result.
// Tolerances are relative Frobenius errors: ||A - A_k||_F <= tol ||A||_F.
#include <cstdint>
#include <vector>

namespace jf::svd {

// Given the singular values s of a projection Q B of A (descending) and ||A||_F, the smallest k in
// [1, s.size()] whose squared truncation error, ||A||_F^2 - sum_{i<k} s_i^2 (exact when Q is orthonormal
// and B = Q^T A), is at most tol^2 ||A||_F^2; s.size() when none is.
int64_t rank_meeting_tolerance(const std::vector<double>& s, double norm_a, double tol);

// Given the full spectrum of A, the optimal k: the smallest with sqrt(sum_{i>=k} s_i^2) <= tol ||A||_F.
// The tail is summed from the smallest value up, so no cancellation limits small tolerances.
int64_t optimal_rank_from_spectrum(const std::vector<double>& s_full, double tol);

// sqrt(max(0, ||A||_F^2 - sum_{i<k} s_i^2)) / ||A||_F for the first k values of s.
double tail_energy_estimate(const std::vector<double>& s, int64_t k, double norm_a);

}  // namespace jf::svd
