#pragma once
// Test data for the sparse module: Hadamard, random butterfly chains, Gaussian noise, supports
// and a synthetic SEC-SAXS data set for FSMF.

#include "jointfact/sparse/butterfly_support.hpp"
#include "jointfact/sparse/csr.hpp"
#include "jointfact/sparse/support_classes.hpp"

#include <Eigen/Dense>

#include <bitset>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace jf::sparse::testing {

// Sylvester Hadamard matrix, unnormalised: H[i][j] = (-1)^popcount(i & j).
inline Eigen::MatrixXd sylvester_hadamard(std::int64_t n) {
  Eigen::MatrixXd h(n, n);
  for (std::int64_t j = 0; j < n; ++j)
    for (std::int64_t i = 0; i < n; ++i)
      h(i, j) = (std::bitset<64>(static_cast<unsigned long long>(i & j)).count() % 2) ? -1.0 : 1.0;
  return h;
}

inline Eigen::MatrixXd gaussian_matrix(Eigen::Index rows, Eigen::Index cols, std::mt19937_64& rng) {
  std::normal_distribution<double> normal;
  Eigen::MatrixXd m(rows, cols);
  for (Eigen::Index j = 0; j < cols; ++j)
    for (Eigen::Index i = 0; i < rows; ++i) m(i, j) = normal(rng);
  return m;
}

// F_1 ... F_J in contract order with N(0, 1) values on their supports.
inline std::vector<CsrMatrix> random_butterfly_factors(int log2n, std::mt19937_64& rng) {
  std::normal_distribution<double> normal;
  std::vector<CsrMatrix> factors;
  for (int i = 1; i <= log2n; ++i) {
    CsrMatrix f = butterfly_factor_pattern(log2n, i);
    for (double& value : f.data) value = normal(rng);
    factors.push_back(std::move(f));
  }
  return factors;
}

inline SupportMatrix support_from(Eigen::Index rows, Eigen::Index cols,
                                  const std::vector<std::pair<std::pair<int, int>, std::vector<int>>>& spans) {
  // spans: for each factor column, [begin, end) of true rows. Unlisted columns stay empty.
  SupportMatrix s = SupportMatrix::Constant(rows, cols, false);
  for (const auto& [range, columns] : spans)
    for (int c : columns) s.col(c).segment(range.first, range.second - range.first).setConstant(true);
  return s;
}

inline double pearson(const Eigen::VectorXd& a, const Eigen::VectorXd& b) {
  const Eigen::VectorXd ca = a.array() - a.mean();
  const Eigen::VectorXd cb = b.array() - b.mean();
  return ca.dot(cb) / (ca.norm() * cb.norm());
}

// A synthetic SEC-SAXS data set: D (q x frames) = profiles x concentrations^T + noise, each
// concentration an elution peak cut to its (overlapping) EFA window of frames.
struct SecData {
  Eigen::MatrixXd clean, noisy, profiles, concentrations;
  SupportMatrix support_x, support_y;
  double noise_rel = 0.0;
};

inline SecData make_sec_data(double noise_std) {
  const Eigen::Index q_count = 120;
  const Eigen::Index frames = 150;
  const int windows[3][2] = {{10, 70}, {45, 105}, {80, 140}};
  const double centers[3] = {40, 75, 110};
  const double widths[3] = {9, 10, 9};
  const double radii[3] = {12, 22, 35};  // radius of gyration, Angstrom
  SecData d;
  d.profiles.resize(q_count, 3);
  d.concentrations = Eigen::MatrixXd::Zero(frames, 3);
  for (Eigen::Index i = 0; i < q_count; ++i) {
    const double q = 0.005 + 0.25 * i / (q_count - 1);
    for (int k = 0; k < 3; ++k)
      d.profiles(i, k) = std::exp(-q * q * radii[k] * radii[k] / 3) * (1 + 0.2 * std::cos(q * (k + 1) * 30));
  }
  for (int k = 0; k < 3; ++k)
    for (int t = windows[k][0]; t < windows[k][1]; ++t)
      d.concentrations(t, k) = std::exp(-0.5 * std::pow((t - centers[k]) / widths[k], 2));
  d.clean = d.profiles * d.concentrations.transpose();
  std::mt19937_64 rng(2024);
  const Eigen::MatrixXd noise = noise_std * gaussian_matrix(q_count, frames, rng);
  d.noisy = d.clean + noise;
  d.noise_rel = noise.norm() / d.noisy.norm();
  d.support_x = SupportMatrix::Constant(q_count, 3, true);
  d.support_y = SupportMatrix::Constant(frames, 3, false);
  for (int k = 0; k < 3; ++k)
    d.support_y.col(k).segment(windows[k][0], windows[k][1] - windows[k][0]).setConstant(true);
  return d;
}

}  // namespace jf::sparse::testing
