#include "joint/second_difference.hpp"

#include <algorithm>
#include <string>

#include "jointfact/core/error.hpp"

extern "C" {
// LAPACK band Cholesky (local, not ScaLAPACK): factor and solve.
void dpbtrf_(const char* uplo, const int* n, const int* kd, double* ab, const int* ldab, int* info);
void dpbtrs_(const char* uplo, const int* n, const int* kd, const int* nrhs, const double* ab, const int* ldab,
             double* b, const int* ldb, int* info);
}

namespace jf::joint {

SecondDifferenceGram::SecondDifferenceGram(int64_t n)
    : n_(n),
      diagonal_(static_cast<size_t>(n), 0.0),
      first_(static_cast<size_t>(std::max<int64_t>(n - 1, 0)), 0.0),
      second_(static_cast<size_t>(std::max<int64_t>(n - 2, 0)), 0.0) {
  // K = sum_r d_r d_r^T with d_r = e_r - 2 e_(r+1) + e_(r+2): accumulate each row's outer product.
  for (int64_t r = 0; r + 2 < n; ++r) {
    diagonal_[r] += 1.0;
    diagonal_[r + 1] += 4.0;
    diagonal_[r + 2] += 1.0;
    first_[r] -= 2.0;
    first_[r + 1] -= 2.0;
    second_[r] += 1.0;
  }
}

double SecondDifferenceGram::entry(int64_t i, int64_t j) const {
  const int64_t low = std::min(i, j), distance = std::abs(i - j);
  if (distance == 0) return diagonal_[low];
  if (distance == 1) return first_[low];
  if (distance == 2) return second_[low];
  return 0.0;
}

Eigen::VectorXd SecondDifferenceGram::apply(const Eigen::VectorXd& z) const {
  Eigen::VectorXd out = Eigen::VectorXd::Zero(n_);
  for (int64_t i = 0; i < n_; ++i) {
    double sum = diagonal_[i] * z(i);
    if (i >= 1) sum += first_[i - 1] * z(i - 1);
    if (i + 1 < n_) sum += first_[i] * z(i + 1);
    if (i >= 2) sum += second_[i - 2] * z(i - 2);
    if (i + 2 < n_) sum += second_[i] * z(i + 2);
    out(i) = sum;
  }
  return out;
}

double SecondDifferenceGram::energy(const Eigen::Ref<const Eigen::VectorXd>& z) {
  double sum = 0;
  for (int64_t r = 0; r + 2 < z.size(); ++r) {
    const double d = z(r) - 2.0 * z(r + 1) + z(r + 2);
    sum += d * d;
  }
  return sum;
}

Eigen::VectorXd solve_shifted_banded(const SecondDifferenceGram& k, double shift, double mu,
                                     const std::vector<int64_t>& free, const Eigen::VectorXd& rhs) {
  const int64_t size = free.empty() ? k.size() : static_cast<int64_t>(free.size());
  auto index = [&](int64_t a) { return free.empty() ? a : free[static_cast<size_t>(a)]; };
  constexpr int kBand = 2, kLdab = 3;
  // Lower band storage: ab[(a - b) + 3 b] = M(a, b) for b <= a <= b + 2 (compressed numbering).
  std::vector<double> ab(static_cast<size_t>(kLdab * std::max<int64_t>(size, 1)), 0.0);
  for (int64_t b = 0; b < size; ++b) {
    for (int64_t a = b; a < std::min(size, b + kBand + 1); ++a) {
      const int64_t i = index(a), j = index(b);
      ab[static_cast<size_t>((a - b) + kLdab * b)] = (i == j ? shift : 0.0) + mu * k.entry(i, j);
    }
  }
  Eigen::VectorXd y = rhs;
  if (size == 0) return y;
  const int n = static_cast<int>(size), kd = kBand, ldab = kLdab, nrhs = 1;
  int info = 0;
  dpbtrf_("L", &n, &kd, ab.data(), &ldab, &info);
  if (info != 0) throw LibraryError("dpbtrf (smoothness system) failed with info = " + std::to_string(info));
  dpbtrs_("L", &n, &kd, &nrhs, ab.data(), &ldab, y.data(), &n, &info);
  if (info != 0) throw LibraryError("dpbtrs (smoothness system) failed with info = " + std::to_string(info));
  return y;
}

}  // namespace jf::joint
