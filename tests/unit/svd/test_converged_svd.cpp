// The converged SVD (converged_svd.hpp): every returned triplet meets ||A v_i - s_i u_i|| <= T ||A||_2 when
// measured on the gathered factors, the singular values and singular subspaces match LAPACK's (Eigen
// BDCSVD of the gathered matrix) to what the tolerance implies, on every grid and block size with ragged
// edges, also for clustered and repeated singular values and matrices of lower rank than k; with float32 products
// (lanczos_operator.hpp) the reported residuals bound the measured ones.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>
#include <vector>

#include "jointfact/core/error.hpp"
#include "jointfact/svd/converged_svd.hpp"
#include "jointfact/svd/truncated_svd.hpp"
#include "svd_test_support.hpp"

using namespace jf;
using jf::test::gather;

namespace {

svd::SvdOptions converged(int64_t k, double residual_tol, int64_t p = 10) {
  svd::SvdOptions options;
  options.rank = k;
  options.oversample = p;
  options.residual_tol = residual_tol;
  return options;
}

struct Reference {
  Eigen::VectorXd s;
  Eigen::MatrixXd u, v;
};

Reference lapack_svd(const Eigen::MatrixXd& a) {
  const Eigen::BDCSVD<Eigen::MatrixXd> svd(a, Eigen::ComputeThinU | Eigen::ComputeThinV);
  return {svd.singularValues(), svd.matrixU(), svd.matrixV()};
}

// max_i ||A v_i - s_i u_i|| / ||A||_2 from the gathered factors.
double worst_residual(const Eigen::MatrixXd& a, const Eigen::MatrixXd& u, const Eigen::VectorXd& s,
                      const Eigen::MatrixXd& v, double norm_a) {
  return (a * v - u * s.asDiagonal()).colwise().norm().maxCoeff() / norm_a;
}

// Largest principal-angle sine between span(x) and span(y) (orthonormal columns, same count).
double subspace_distance(const Eigen::MatrixXd& x, const Eigen::MatrixXd& y) {
  return (x - y * (y.transpose() * x)).norm();
}

// Clusters of the reference spectrum: runs of values within `gap` of each other.
std::vector<std::pair<int64_t, int64_t>> clusters(const Eigen::VectorXd& s, double gap) {
  std::vector<std::pair<int64_t, int64_t>> result;
  int64_t begin = 0;
  for (int64_t i = 1; i <= s.size(); ++i) {
    if (i == s.size() || s(i - 1) - s(i) > gap) {
      result.push_back({begin, i});
      begin = i;
    }
  }
  return result;
}

// Runs the converged method on every grid and block size and checks the result against LAPACK's.
// `separation`: gap between clusters (subspaces of whole clusters inside k are compared).
void check_against_lapack(const Eigen::MatrixXd& a_full, int64_t k, double tol, double separation) {
  const Reference reference = lapack_svd(a_full);
  const double norm_a = reference.s(0);
  double worst_seen = 0, worst_value = 0, worst_angle = 0;
  for (const GridShape shape : test::grids_fitting(test::world_size())) {
    auto grid = make_grid(MPI_COMM_WORLD, shape);
    for (int64_t nb : {1, 3, 7, 64}) {
      INFO("grid " << shape.prows << "x" << shape.pcols << " nb " << nb);
      const svd::TruncatedSvd result = svd::truncated_svd(svd_test::distribute(a_full, grid, nb), converged(k, tol));
      REQUIRE(result.s.size() == static_cast<size_t>(k));
      REQUIRE(result.residuals.size() == static_cast<size_t>(k));
      const Eigen::MatrixXd u = gather(result.u), v = gather(result.v);
      const Eigen::VectorXd s = svd_test::singular_values(result);
      const double residual = worst_residual(a_full, u, s, v, norm_a);
      CHECK(residual <= tol * (1 + 1e-6) + 1e-14);
      // The reported residuals are the measured ones (relative to s_1, which equals ||A||_2 here), up to the
      // rounding W = A^T Q gathers over restarts: far below any tolerance.
      for (int64_t i = 0; i < k; ++i) {
        CHECK(std::abs(result.residuals[i] - (a_full * v.col(i) - s(i) * u.col(i)).norm() / s(0)) <= 1e-12);
      }
      // Weyl for the Jordan-Wielandt matrix: each s_i is within its residual of a singular value.
      const double value_error = (s - reference.s.head(k)).cwiseAbs().maxCoeff() / norm_a;
      CHECK(value_error <= tol + 1e-14);
      CHECK(result.quality.orthogonality_u < 1e-12);
      CHECK(result.quality.orthogonality_v < 1e-12);
      // Whole clusters inside k: the same singular subspaces (angle <= residual / gap to the others).
      for (const auto& [begin, end] : clusters(reference.s, separation / 2)) {
        if (end > k) break;
        const int64_t size = end - begin;
        const double angle =
            std::max(subspace_distance(u.middleCols(begin, size), reference.u.middleCols(begin, size)),
                     subspace_distance(v.middleCols(begin, size), reference.v.middleCols(begin, size)));
        CHECK(angle <= 10 * tol * norm_a / separation + 1e-12);
        worst_angle = std::max(worst_angle, angle);
      }
      worst_seen = std::max(worst_seen, residual);
      worst_value = std::max(worst_value, value_error);
    }
  }
  if (test::world_rank() == 0) {
    WARN("worst residual " << worst_seen << ", value error " << worst_value << ", subspace angle " << worst_angle
                           << " (tolerance " << tol << ")");
  }
}

}  // namespace

TEST_CASE("converged SVD of s_i = 0.9^i, 157 x 113, k = 12, T = 1e-10: residuals, values and vectors of LAPACK",
          "[svd][converged]") {
  const Eigen::MatrixXd a = svd_test::matrix_with_spectrum(157, 113, svd_test::geometric_spectrum(113, 0.9), 40);
  check_against_lapack(a, 12, 1e-10, 1e-3);
}

TEST_CASE("converged SVD of a wide matrix with a slowly decaying spectrum, k = 9, T = 1e-8", "[svd][converged]") {
  const Eigen::MatrixXd a = svd_test::matrix_with_spectrum(61, 140, svd_test::polynomial_spectrum(61, 0.5), 42);
  check_against_lapack(a, 9, 1e-8, 1e-3);
}

TEST_CASE("converged SVD with repeated and clustered singular values: values and cluster subspaces of LAPACK",
          "[svd][converged]") {
  // Triples and pairs of equal values, a pair 1e-7 apart, then a geometric tail.
  std::vector<double> s = {1.0, 1.0, 1.0, 0.8, 0.8, 0.6, 0.6 - 1e-7, 0.5, 0.5, 0.5};
  for (double tail = 0.45; s.size() < 90; tail *= 0.93) s.push_back(tail);
  const Eigen::MatrixXd a = svd_test::matrix_with_spectrum(131, 97, s, 44);
  // k = 10 ends with the whole triple at 0.5; the pair 1e-7 apart is compared as one cluster.
  check_against_lapack(a, 10, 1e-10, 0.05);
  // k = 9 cuts the triple: its values and residuals still meet the tolerance.
  check_against_lapack(a, 9, 1e-10, 0.05);
}

TEST_CASE("converged SVD of a matrix of rank 6 < k = 10: zero values converge, residuals zero", "[svd][converged]") {
  const Eigen::MatrixXd a = svd_test::matrix_with_spectrum(83, 71, {3.0, 2.0, 1.5, 1.0, 0.5, 0.25}, 46);
  check_against_lapack(a, 10, 1e-10, 0.2);
}

TEST_CASE("converged SVD with k = min(m, n): the basis spans A and every triplet is exact", "[svd][converged]") {
  const Eigen::MatrixXd a = svd_test::matrix_with_spectrum(40, 23, svd_test::geometric_spectrum(23, 0.8), 48);
  check_against_lapack(a, 23, 1e-12, 1e-3);
}

TEST_CASE("the fixed-pass randomized method reports the measured per-triplet residuals", "[svd][converged]") {
  const Eigen::MatrixXd a_full = svd_test::matrix_with_spectrum(120, 90, svd_test::polynomial_spectrum(90, 1.0), 50);
  auto grid = make_grid(MPI_COMM_WORLD, {1, std::min(2, test::world_size())});
  svd::SvdOptions options;
  options.rank = 8;
  const svd::TruncatedSvd result = svd::truncated_svd(svd_test::distribute(a_full, grid, 7), options);
  REQUIRE(result.residuals.size() == 8);
  const Eigen::MatrixXd u = gather(result.u), v = gather(result.v);
  const Eigen::VectorXd s = svd_test::singular_values(result);
  double worst = 0;
  for (int64_t i = 0; i < 8; ++i) {
    const double measured = (a_full * v.col(i) - s(i) * u.col(i)).norm() / s(0);
    CHECK(result.residuals[i] == Approx(measured).margin(1e-15));
    worst = std::max(worst, measured);
  }
  CHECK(worst > 1e-8);  // two passes on a slow spectrum: far from converged, and the output says so
}

TEST_CASE("converged SVD rejects a residual tolerance outside (0, 1), without a rank or with an exact method",
          "[svd][converged]") {
  const Eigen::MatrixXd a_full = svd_test::matrix_with_spectrum(30, 20, svd_test::geometric_spectrum(20, 0.8), 52);
  const DistMatrix a = svd_test::distribute(a_full, make_grid(MPI_COMM_WORLD, {1, 1}), 4);
  CHECK_THROWS_AS(svd::truncated_svd(a, converged(5, 1.5)), InputError);
  CHECK_THROWS_AS(svd::truncated_svd(a, converged(5, -1e-3)), InputError);
  svd::SvdOptions with_tol = converged(0, 1e-6);
  with_tol.tol = 0.1;
  CHECK_THROWS_AS(svd::truncated_svd(a, with_tol), InputError);
  svd::SvdOptions exact = converged(5, 1e-6);
  exact.method = svd::Method::Exact;
  CHECK_THROWS_AS(svd::truncated_svd(a, exact), InputError);
}

namespace {

// A rank-30 signal s_i = 1 / (1 + i) under Gaussian noise of `noise` per entry: ||A||_F several times ||A||_2,
// which is what the float32 rounding bound grows with.
Eigen::MatrixXd signal_plus_noise(int64_t m, int64_t n, double noise, uint64_t stream) {
  std::vector<double> s;
  for (int i = 0; i < 30; ++i) s.push_back(1.0 / (1.0 + i));
  Eigen::MatrixXd a = svd_test::matrix_with_spectrum(m, n, s, stream);
  return a + noise * svd_test::random_orthonormal(m, n, stream + 1) * std::sqrt(static_cast<double>(m)) *
                 svd_test::random_orthonormal(n, n, stream + 2).transpose();
}

bool said(const std::vector<std::string>& lines, const std::string& text) {
  for (const std::string& line : lines) {
    if (line.find(text) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("converged SVD with float32 products: every residual within T, reported residuals bound the measured",
          "[svd][converged]") {
  // A signal over light noise (the deterministic rounding bound mostly suffices), and noise that dominates,
  // ||A||_F ~ 14 ||A||_2 with k = 40 in its bulk: there the deterministic bound exceeds the tolerance and only the
  // probes' measure of ||E||_2 can certify the triplets.
  struct Case {
    int64_t m, n, k;
    double noise, tol;
    bool must_probe;
  };
  for (const Case& c : {Case{1100, 380, 20, 2e-3, 4e-4, false}, Case{2000, 400, 40, 3e-2, 3.5e-4, true}}) {
    const Eigen::MatrixXd a_full = signal_plus_noise(c.m, c.n, c.noise, 60);
    const Reference reference = lapack_svd(a_full);
    const double norm_a = reference.s(0);
    double widest_gap = 0;
    for (const GridShape shape : test::grids_fitting(test::world_size())) {
      auto grid = make_grid(MPI_COMM_WORLD, shape);
      for (int64_t nb : {3, 64}) {
        INFO("noise " << c.noise << " grid " << shape.prows << "x" << shape.pcols << " nb " << nb);
        std::vector<std::string> lines;
        svd::SvdOptions options = converged(c.k, c.tol);
        options.progress = [&](const std::string& line) { lines.push_back(line); };
        const svd::TruncatedSvd result = svd::truncated_svd(svd_test::distribute(a_full, grid, nb), options);
        REQUIRE(said(lines, "products with a float32 copy of A"));
        if (c.must_probe) CHECK(said(lines, "(probed)"));
        const Eigen::MatrixXd u = gather(result.u), v = gather(result.v);
        const Eigen::VectorXd s = svd_test::singular_values(result);
        for (int64_t i = 0; i < c.k; ++i) {
          const double measured = (a_full * v.col(i) - s(i) * u.col(i)).norm() / s(0);
          CHECK(measured <= c.tol);
          CHECK(result.residuals[i] >= measured - 1e-13);  // an upper bound, rounding included
          CHECK(result.residuals[i] <= c.tol);
          widest_gap = std::max(widest_gap, result.residuals[i] - measured);
        }
        CHECK((s - reference.s.head(c.k)).cwiseAbs().maxCoeff() / norm_a <= c.tol);
        CHECK(result.quality.orthogonality_u < 1e-12);
        CHECK(result.quality.orthogonality_v < 1e-12);
      }
    }
    if (test::world_rank() == 0) {
      WARN("noise " << c.noise << ": largest reported - measured residual " << widest_gap << " (tolerance " << c.tol
                    << ")");
    }
  }
}

TEST_CASE("converged SVD in double where asked, where the tolerance leaves float32 no room or memory has none",
          "[svd][converged]") {
  const Eigen::MatrixXd a_full = signal_plus_noise(300, 200, 4e-3, 62);
  auto grid = make_grid(MPI_COMM_WORLD, {1, std::min(2, test::world_size())});
  struct Case {
    double tol;
    bool allow;
    const char* node_memory;  // JOINTFACT_NODE_MEMORY for the run ("" = unset)
    const char* reason;
  };
  for (const Case& c : {Case{1e-3, false, "", "double products asked for"},
                        Case{1e-5, true, "", "below what float32 rounding allows"},
                        Case{1e-3, true, "1M", "does not fit in memory"}}) {
    INFO("tolerance " << c.tol << ", node memory '" << c.node_memory << "'");
    std::vector<std::string> lines;
    svd::SvdOptions options = converged(8, c.tol);
    options.single_precision_products = c.allow;
    options.progress = [&](const std::string& line) { lines.push_back(line); };
    const DistMatrix a = svd_test::distribute(a_full, grid, 5);
    const char* before = std::getenv("JOINTFACT_NODE_MEMORY");
    const std::string saved = before != nullptr ? before : "";
    if (*c.node_memory != '\0') setenv("JOINTFACT_NODE_MEMORY", c.node_memory, 1);
    const svd::TruncatedSvd result = svd::truncated_svd(a, options);
    if (before != nullptr) {
      setenv("JOINTFACT_NODE_MEMORY", saved.c_str(), 1);
    } else {
      unsetenv("JOINTFACT_NODE_MEMORY");
    }
    const double tol = c.tol;
    CHECK(said(lines, c.reason));
    const Eigen::MatrixXd u = gather(result.u), v = gather(result.v);
    const Eigen::VectorXd s = svd_test::singular_values(result);
    for (int64_t i = 0; i < 8; ++i) {
      const double measured = (a_full * v.col(i) - s(i) * u.col(i)).norm() / s(0);
      CHECK(measured <= tol);
      CHECK(std::abs(result.residuals[i] - measured) <= 1e-12);
    }
  }
}
