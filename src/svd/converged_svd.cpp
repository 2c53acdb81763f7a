// Thick-restart block Golub-Kahan-Lanczos with full re-orthogonalisation (converged_svd.hpp).
#include "jointfact/svd/converged_svd.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "distributed/cholesky_qr.hpp"
#include "distributed/counter_random.hpp"
#include "distributed/small_matrix.hpp"
#include "jointfact/core/collective.hpp"
#include "jointfact/core/error.hpp"
#include "jointfact/core/log.hpp"
#include "jointfact/distributed/pblas.hpp"
#include "svd/lanczos_operator.hpp"
#include "svd/thin_basis.hpp"

extern "C" {
void dgesdd_(const char* jobz, const int* m, const int* n, double* a, const int* lda, double* s, double* u,
             const int* ldu, double* vt, const int* ldvt, double* work, const int* lwork, int* iwork, int* info);
}

namespace jf::svd {
namespace {

constexpr int kMaxSteps = 5000;
// A column that keeps less than this fraction of its norm through one Gram-Schmidt sweep gets a second one
// (1 / sqrt(2), the usual choice). 8000 x 4000, k = 100, T = 1e-10: orthogonality 7e-15 as with two sweeps
// always, while 0.5 let it drift to 2e-11.
constexpr double kReorthogonalize = 0.7071;
// Directions that replace a numerically vanished Lanczos block (an invariant subspace was reached).
constexpr uint64_t kStreamRestartDirections = kStreamSketch + 3;
// The Gaussian probes that measure the float32 rounding (probed_rounding).
constexpr uint64_t kStreamRoundingProbes = kStreamSketch + 4;

// Q = [Q_done | Q_pending] (m x c) and P (n x L), both orthonormal, with
//   A P = Q B  (B = Q^T A P, c x L, kept exactly: every product A P_j is orthogonalised against all of Q), and
//   A^T Q_done lies in span(P) (every done block's product A^T Q_j was orthogonalised against P).
// Q_pending = the newest block, A^T Q_pending not yet taken.
struct Bidiagonalization {
  ThinBasis q, p;
  int64_t q_done = 0;
  Eigen::MatrixXd b;  // q.cols() x p.cols()
  // p.cols(): a bound on ||(A P - Q B) e_j||, the float32 rounding in column j (lanczos_operator.hpp; 0 in double).
  Eigen::VectorXd p_error;
  int64_t pending() const { return q.cols() - q_done; }
};

// z = basis * along + block * coupling (+ rounding): the part of z outside the basis as new orthonormal columns.
struct Extension {
  DistMatrix block;          // rows x c, orthonormal, orthogonal to the basis
  Eigen::MatrixXd along;     // basis.cols() x b
  Eigen::MatrixXd coupling;  // c x b
};

// Leading eigenvectors of a small symmetric matrix, descending, identical on every rank (computed on rank 0).
void symmetric_eigen_on_root(const Eigen::MatrixXd& gram, MPI_Comm comm, Eigen::MatrixXd& vectors,
                             Eigen::VectorXd& values) {
  const int64_t b = gram.rows();
  Eigen::MatrixXd packed(b, b + 1);
  if (comm_rank(comm) == 0) {
    const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eigen(gram);
    packed.leftCols(b) = eigen.eigenvectors().rowwise().reverse();
    packed.col(b) = eigen.eigenvalues().reverse();
  }
  broadcast_matrix(packed, comm);
  vectors = packed.leftCols(b);
  values = packed.col(b);
}

// The fast case: z's columns well apart from each other. Unit columns, then CholeskyQR2: z = block * R.
bool try_well_conditioned_block(const DistMatrix& z, Extension& result) {
  const std::vector<double> norms = column_norms(z);
  std::vector<double> inverse(norms.size());
  for (size_t j = 0; j < norms.size(); ++j) {
    if (!(norms[j] > 0)) return false;
    inverse[j] = 1.0 / norms[j];
  }
  DistMatrix block = z;
  scale_columns(block, inverse);
  Eigen::MatrixXd r;
  if (!try_cholesky_qr2(block, r)) return false;
  // A spread diagonal would carry the rounding of z's projection into the new directions (eps cond(R)).
  const Eigen::VectorXd diagonal = r.diagonal().cwiseAbs();
  if (diagonal.minCoeff() < 1e-4 * diagonal.maxCoeff()) return false;
  result.block = std::move(block);
  result.coupling = r * Eigen::Map<const Eigen::VectorXd>(norms.data(), z.cols()).asDiagonal();
  return true;
}

// Splits z (a thin block in the basis's layout) into its part along the basis and at most max_cols new
// orthonormal directions, after two Gram-Schmidt sweeps. Where z is nearly rank deficient (a breakdown, the
// space nearly spanned, or more columns than room), the new block is span(z) from z's Gram matrix instead, and
// directions of z below `floor` (rounding of A's scale) are replaced by random ones that keep the Krylov
// space growing.
Extension orthogonal_extension(const ThinBasis& basis, DistMatrix z, int64_t max_cols, double floor,
                               const SvdOptions& options, int64_t& random_columns_used) {
  Extension result;
  const std::vector<double> norms_before = column_norms(z);
  result.along = basis.project_out(z);
  // A second sweep only where the first cancelled much of a column (Daniel, Gragg, Kaufman and Stewart's test):
  // what one sweep leaves along the basis is ~eps ||before|| / ||after||.
  const std::vector<double> norms_after = column_norms(z);
  bool cancelled = false;
  for (size_t j = 0; j < norms_after.size(); ++j) cancelled |= !(norms_after[j] > kReorthogonalize * norms_before[j]);
  if (cancelled) result.along += basis.project_out(z);
  const int64_t b = z.cols(), c = std::min(b, max_cols);
  if (c == b && try_well_conditioned_block(z, result)) return result;
  Eigen::MatrixXd vectors;
  Eigen::VectorXd values;
  symmetric_eigen_on_root(thin_inner(z, z), z.grid().comm(), vectors, values);
  Eigen::MatrixXd map = Eigen::MatrixXd::Zero(b, c);
  std::vector<int64_t> vanished;
  for (int64_t j = 0; j < c; ++j) {
    if (values(j) > floor * floor) {
      map.col(j) = vectors.col(j) / std::sqrt(values(j));
    } else {
      vanished.push_back(j);
    }
  }
  result.block = multiply_small(z, map);
  if (!vanished.empty()) {
    DistMatrix random = basis.thin_block(c);
    fill_normal(random, options.seed, kStreamRestartDirections, 0, random_columns_used);
    random_columns_used += c;
    if (random.local_cols() > 0) {
      for (int64_t j : vanished) result.block.local().col(j) = random.local().col(j);
    }
  }
  for (int round = 0; round < 2; ++round) {
    basis.project_out(result.block);
    orthonormalize_thin(result.block);
  }
  result.coupling = thin_inner(result.block, z);
  return result;
}

struct Ritz {
  std::vector<double> s;  // descending
  Eigen::MatrixXd x, y;   // B_done = X diag(s) Y^T (thin), identical on every rank
};

// LAPACK's divide and conquer on a small dense matrix (thin U, V^T), with blocked (BLAS-3) reductions, for the
// projected matrix that every convergence check factors (up to ~330 x 330). Returns LAPACK's info.
int dense_svd(Eigen::MatrixXd b, Eigen::MatrixXd& u, Eigen::VectorXd& s, Eigen::MatrixXd& vt) {
  const int rows = static_cast<int>(b.rows()), cols = static_cast<int>(b.cols()), r = std::min(rows, cols);
  u.resize(rows, r);
  s.resize(r);
  vt.resize(r, cols);
  const char jobz = 'S';
  const int lda = std::max(rows, 1), ldu = std::max(rows, 1), ldvt = std::max(r, 1);
  std::vector<int> iwork(static_cast<size_t>(8 * std::max(r, 1)));
  double query = 0;
  int lwork = -1, info = 0;
  dgesdd_(&jobz, &rows, &cols, b.data(), &lda, s.data(), u.data(), &ldu, &query, &ldvt, &query, &lwork, iwork.data(),
          &info);
  if (info != 0) return info;
  lwork = static_cast<int>(query);
  std::vector<double> work(static_cast<size_t>(std::max(lwork, 1)));
  dgesdd_(&jobz, &rows, &cols, b.data(), &lda, s.data(), u.data(), &ldu, vt.data(), &ldvt, work.data(), &lwork,
          iwork.data(), &info);
  return info;
}

Ritz ritz_triplets(const Bidiagonalization& lanczos, MPI_Comm comm) {
  const Eigen::MatrixXd b_done = lanczos.b.topRows(lanczos.q_done);
  const int64_t r = std::min(b_done.rows(), b_done.cols());
  Eigen::MatrixXd packed(std::max(b_done.rows(), b_done.cols()), 2 * r + 1);
  packed.setZero();
  int info = 0;
  if (comm_rank(comm) == 0 && r > 0) {
    Eigen::MatrixXd u, vt;
    Eigen::VectorXd s;
    info = dense_svd(b_done, u, s, vt);
    if (info == 0) {
      packed.block(0, 0, b_done.rows(), r) = u;
      packed.block(0, r, b_done.cols(), r) = vt.transpose();
      packed.block(0, 2 * r, r, 1) = s;
    }
  }
  MPI_Bcast(&info, 1, MPI_INT, 0, comm);
  if (info != 0)
    throw LibraryError("the projected Lanczos matrix's SVD did not converge (dgesdd info " + std::to_string(info) +
                       ")");
  broadcast_matrix(packed, comm);
  Ritz ritz;
  ritz.x = packed.block(0, 0, b_done.rows(), r);
  ritz.y = packed.block(0, r, b_done.cols(), r);
  ritz.s.assign(packed.col(2 * r).data(), packed.col(2 * r).data() + r);
  return ritz;
}

// ||A v_i - s_i u_i|| <= ||B_pending y_i|| + ||E y_i|| for v_i = P y_i, u_i = Q_done x_i (A^T u_i = s_i v_i
// holds exactly), E = A P - Q B the products' rounding (lanczos_operator.hpp). The first term, per triplet.
std::vector<double> projected_residuals(const Bidiagonalization& lanczos, const Ritz& ritz, int64_t count) {
  const Eigen::MatrixXd b_pending = lanczos.b.bottomRows(lanczos.pending());
  std::vector<double> residuals(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) residuals[i] = (b_pending * ritz.y.col(i)).norm();
  return residuals;
}

// The second term's deterministic bound: ||E y_i|| <= min(||E||_F, sum_j |y_ij| p_error_j).
std::vector<double> rounding_bounds(const Bidiagonalization& lanczos, const Ritz& ritz, int64_t count,
                                    double rounding_frobenius) {
  std::vector<double> bounds(static_cast<size_t>(count), 0.0);
  if (rounding_frobenius <= 0) return bounds;
  for (int64_t i = 0; i < count; ++i) {
    bounds[i] = std::min(rounding_frobenius, ritz.y.col(i).cwiseAbs().dot(lanczos.p_error));
  }
  return bounds;
}

// ||E||_2 measured: with r standard Gaussian w_i, ||E||_2 <= 10 sqrt(2 / pi) max_i ||E w_i|| with probability at
// least 1 - 10^-r (Halko, Martinsson and Tropp, SIAM Review 2011, lemma 4.1), E w = A (P w) - Q (B w), A (P w) in
// double. The deterministic bound adds every rounding at its worst (1.3e-3 ||A||_2 on 20000 x 10000, where the
// rounding is ~1e-6): this costs kProbes columns of one product instead of a hundred more Lanczos columns.
constexpr int kProbes = 6;
double probed_rounding(const Bidiagonalization& lanczos, const LanczosOperator& product, uint64_t seed, int check) {
  Eigen::MatrixXd w(lanczos.p.cols(), kProbes);  // the same w on every rank; new columns at every check
  for (int64_t j = 0; j < kProbes; ++j) {
    const uint64_t column = static_cast<uint64_t>(check) * kProbes + static_cast<uint64_t>(j);
    for (int64_t i = 0; i < w.rows(); ++i) w(i, j) = counter_normal(seed, kStreamRoundingProbes, i, column);
  }
  DistMatrix exact = lanczos.q.thin_block(kProbes);
  product.times_in_double(lanczos.p.times(w), exact);
  DistMatrix difference = lanczos.q.times(lanczos.b * w);
  difference.local() -= exact.local();
  const std::vector<double> norms = column_norms(difference);
  return 10.0 * std::sqrt(2.0 / M_PI) * *std::max_element(norms.begin(), norms.end());
}

// Thick restart: keep the leading `keep` Ritz triplets and the pending block. P := P Y_keep,
// Q_done := Q_done X_keep, so B := [diag(s_keep); B_pending Y_keep]; no product with A.
void restart(Bidiagonalization& lanczos, const Ritz& ritz, int64_t keep) {
  const Eigen::MatrixXd x_keep = ritz.x.leftCols(keep), y_keep = ritz.y.leftCols(keep);
  const Eigen::MatrixXd b_pending = lanczos.b.bottomRows(lanczos.pending()) * y_keep;
  lanczos.p.rotate(y_keep);
  lanczos.p_error = y_keep.cwiseAbs().transpose() * lanczos.p_error;
  lanczos.q.rotate_leading(lanczos.q_done, x_keep);
  lanczos.q_done = keep;
  lanczos.b = Eigen::MatrixXd::Zero(keep + b_pending.rows(), keep);
  for (int64_t i = 0; i < keep; ++i) lanczos.b(i, i) = ritz.s[i];
  lanczos.b.bottomRows(b_pending.rows()) = b_pending;
}

struct Plan {
  int64_t k = 0;            // triplets asked for
  int64_t wanted = 0;       // triplets refined: k and p guards that keep the k-th apart from its neighbours
  int64_t block = 0;        // columns added to each basis per step
  int64_t capacity = 0;     // most columns of P before a restart
  int64_t check_every = 0;  // columns of P between convergence checks (and at every restart)
};

Plan make_plan(int64_t m, int64_t n, const SvdOptions& options) {
  const int64_t max_rank = std::min(m, n);
  Plan plan;
  plan.k = options.rank;
  plan.wanted = std::min(max_rank, options.rank + options.oversample);
  // Small blocks in a deep basis (~k/7 columns per step, basis ~3 (k + p)): a dense band of values at the k-th
  // needs a high Krylov degree, not a wide block. Rank-200 signal + noise (4000 x 2000, k = 100, T = 1e-10):
  // block 110 / basis 330 multiplied 28490 columns by A or A^T, block 55 / 330 5335, block 16 / 250 2352.
  plan.block = std::min(plan.wanted, std::max<int64_t>(4, (plan.wanted + 6) / 7));
  // A restart when P reaches ~3 (k + p) columns: at 8000 x 4000 (same construction, k = 100, T = 1e-10) the
  // columns multiplied were 3152 with 2.3 (k + p), 2704 with 3, 2832 with 4; the Ritz SVDs grow as L^3.
  plan.capacity = std::min(n, std::max(3 * plan.wanted, plan.wanted + 2 * plan.block));
  plan.check_every = std::max(plan.block, plan.wanted / 2);
  return plan;
}

// residuals: upper bounds (the float32 rounding included); rounding: the largest rounding term among them.
void report(const SvdOptions& options, int step, const Plan& plan, const std::vector<double>& residuals,
            double norm_estimate, int64_t basis_columns, int64_t product_columns, double rounding, bool probed) {
  if (!options.progress) return;
  int64_t converged = 0;
  double worst = 0;
  for (int64_t i = 0; i < plan.k; ++i) {
    const double relative = norm_estimate > 0 ? residuals[i] / norm_estimate : 0.0;
    if (relative <= options.residual_tol) ++converged;
    worst = std::max(worst, relative);
  }
  options.progress("step " + std::to_string(step) + ": converged " + std::to_string(converged) + "/" +
                   std::to_string(plan.k) + ", worst residual " + format_number("%.2e", worst) + " (tolerance " +
                   format_number("%.0e", options.residual_tol) + "), basis " + std::to_string(basis_columns) +
                   ", columns multiplied " + std::to_string(product_columns) +
                   (rounding > 0 ? ", of which float32 rounding <= " + format_number("%.1e", rounding / norm_estimate) +
                                       (probed ? " (probed)" : "")
                                 : std::string()));
}

// Float32 products where they pay and the tolerance leaves room (lanczos_operator.hpp).
void choose_precision(LanczosOperator& product, const SvdOptions& options) {
  const std::string reason = product.try_single_precision(options);
  if (!options.progress) return;
  options.progress(reason.empty() ? "products with a float32 copy of A (their rounding is bounded and added to "
                                    "every residual)"
                                  : "products in double: " + reason);
}

struct ResidualBounds {
  std::vector<double> projected;  // from B alone: which triplets the Krylov space has found
  std::vector<double> bounds;     // with the rounding: which are certain to meet the tolerance
  double rounding = 0;            // the largest rounding term among the k
  bool probed = false;            // ||E||_2 measured by probes
};

// Residual bounds of the measured triplets: from B, plus the rounding (rounding_bounds; where that alone holds
// back triplets that B says have converged, min with the probed ||E||_2). Switches to double products when the
// probe finds the rounding above half the tolerance. The probes' columns are added to product_columns.
ResidualBounds residual_bounds(const Bidiagonalization& lanczos, const Ritz& ritz, int64_t count, int64_t k,
                               double target, LanczosOperator& product, const SvdOptions& options, int check,
                               int64_t& product_columns) {
  const std::vector<double> residuals = projected_residuals(lanczos, ritz, count);
  std::vector<double> bounds = rounding_bounds(lanczos, ritz, count, product.rounding_bound());
  auto all_within = [&](bool with_rounding) {
    for (int64_t i = 0; i < std::min(k, count); ++i) {
      if (residuals[i] + (with_rounding ? bounds[i] : 0.0) > target) return false;
    }
    return true;
  };
  const bool probe = product.rounding_bound() > 0 && all_within(false) && !all_within(true);
  if (probe) {
    const double probed = probed_rounding(lanczos, product, options.seed, check);
    product_columns += kProbes;
    for (double& bound : bounds) bound = std::min(bound, probed);
    if (product.single_precision() && probed > target / 2) {
      product.use_double();
      if (options.progress) options.progress("products in double from here: float32 rounding reached half the tolerance");
    }
  }
  ResidualBounds result{residuals, residuals, 0.0, probe};
  for (int64_t i = 0; i < count; ++i) {
    result.bounds[i] += bounds[i];
    if (i < k) result.rounding = std::max(result.rounding, bounds[i]);
  }
  return result;
}

// How many leading residuals are at most target.
int64_t leading_within(const std::vector<double>& residuals, double target) {
  int64_t count = 0;
  while (count < static_cast<int64_t>(residuals.size()) && residuals[count] <= target) ++count;
  return count;
}

TruncatedSvd ritz_result(const Bidiagonalization& lanczos, const Ritz& ritz, int64_t k, int64_t nb) {
  const GridPtr grid = lanczos.q.thin_block(0).grid_ptr();
  TruncatedSvd result;
  result.u = DistMatrix(grid, lanczos.q.rows(), k, nb, nb);
  result.v = DistMatrix(grid, lanczos.p.rows(), k, nb, nb);
  result.s.assign(ritz.s.begin(), ritz.s.begin() + k);
  result.basis_columns = lanczos.p.cols();
  gemm(Op::None, Op::None, 1.0, lanczos.q.leading(lanczos.q_done), distribute_replicated(ritz.x.leftCols(k), grid, nb),
       0.0, result.u);
  gemm(Op::None, Op::None, 1.0, lanczos.p.copy(), distribute_replicated(ritz.y.leftCols(k), grid, nb), 0.0, result.v);
  return result;
}

// B := [B, new columns]: the Q-side coefficients of A P_new (rows of the old Q, then of the new block).
void append_columns(Eigen::MatrixXd& b, const Extension& extension) {
  const int64_t old_rows = b.rows(), old_cols = b.cols();
  const int64_t new_rows = extension.coupling.rows(), new_cols = extension.coupling.cols();
  Eigen::MatrixXd grown = Eigen::MatrixXd::Zero(old_rows + new_rows, old_cols + new_cols);
  grown.topLeftCorner(old_rows, old_cols) = b;
  grown.block(0, old_cols, old_rows, new_cols) = extension.along;
  grown.block(old_rows, old_cols, new_rows, new_cols) = extension.coupling;
  b = std::move(grown);
}

}  // namespace

MemoryEstimate converged_svd_memory(const Grid& grid, int64_t m, int64_t n, int64_t nb, const SvdOptions& options) {
  const Plan plan = make_plan(m, n, options);
  const double dm = static_cast<double>(m), dn = static_cast<double>(n), basis = static_cast<double>(plan.capacity);
  const double block = static_cast<double>(plan.block), k = static_cast<double>(plan.k);
  MemoryEstimate estimate;
  estimate.what = "converged svd (basis " + std::to_string(plan.capacity) + ")";
  // Q (m x (L + b)) and P (n x L); a restart's rotated copy of each; U and V; a few blocks in flight.
  estimate.distributed_bytes =
      8 * (dm * (basis + block) + dn * basis + (dm + dn) * basis + (dm + dn) * k + 4 * (dm + dn) * block);
  // B ((L + b) x L), the packed Ritz factors ((L + b) x (2 L + 1)) and dgesdd's U, V^T and workspace (~3 L^2).
  estimate.replicated_bytes = 8 * ((basis + block) * basis + (basis + block) * (2 * basis + 1) + 3 * basis * basis);
  estimate.largest_share = largest_share(grid, m, n, nb);
  return estimate;
}

TruncatedSvd converged_truncated_svd(const DistMatrix& a, const SvdOptions& options) {
  const int64_t m = a.rows(), n = a.cols(), nb = a.row_block();
  const Plan plan = make_plan(m, n, options);
  const GridPtr& grid = a.grid_ptr();
  LanczosOperator product(a);
  choose_precision(product, options);
  const int64_t q_capacity = std::min(m, plan.capacity + plan.block);
  Bidiagonalization lanczos{ThinBasis(grid, m, q_capacity, nb), ThinBasis(grid, n, plan.capacity, nb), 0, {}, {}};
  int64_t random_columns = plan.block;
  double floor = 0;  // below it a new direction counts as rounding: ~eps ||A||
  {                  // Q_1 = orth(A Omega) with the randomized method's Gaussian test matrix.
    DistMatrix omega = lanczos.p.thin_block(plan.block);
    fill_normal(omega, options.seed, kStreamSketch);
    DistMatrix y = lanczos.q.thin_block(plan.block);
    product.times(omega, y, false);  // Q_1 is a start: A Omega enters no column of B
    const std::vector<double> norms = column_norms(y);
    floor = 1e-15 * *std::max_element(norms.begin(), norms.end()) / std::sqrt(static_cast<double>(n));
    Extension first = orthogonal_extension(lanczos.q, y, plan.block, floor, options, random_columns);
    lanczos.q.append(first.block);
    lanczos.b = Eigen::MatrixXd::Zero(first.block.cols(), 0);
  }
  int64_t last_check = 0, product_columns = plan.block;  // A Omega
  int64_t last_converged = 0;                            // at the last check
  int checks = 0;
  for (int step = 1;; ++step) {
    // P side: A^T Q_pending = P (..) + P_new (..); Q_pending is done.
    const int64_t pending = lanczos.pending();
    DistMatrix z = lanczos.p.thin_block(pending);
    product.times_transposed(lanczos.q.columns(lanczos.q_done, pending), z);
    product_columns += pending;
    const Extension row_side =
        orthogonal_extension(lanczos.p, z, plan.capacity - lanczos.p.cols(), floor, options, random_columns);
    lanczos.p.append(row_side.block);
    lanczos.q_done = lanczos.q.cols();
    // Q side: A P_new = Q (..) + Q_new (..), the new pending block; B gains A P_new's coefficients.
    const int64_t added = row_side.block.cols();
    if (added > 0) {
      DistMatrix y = lanczos.q.thin_block(added);
      product.times(row_side.block, y, true);
      lanczos.p_error.conservativeResize(lanczos.p.cols());
      lanczos.p_error.tail(added).setConstant(product.column_error_bound());
      product_columns += added;
      const int64_t room = std::min(plan.block, q_capacity - lanczos.q.cols());
      const Extension column_side = orthogonal_extension(lanczos.q, y, room, floor, options, random_columns);
      lanczos.q.append(column_side.block);
      append_columns(lanczos.b, column_side);
    }
    const bool full = lanczos.p.cols() + lanczos.pending() > plan.capacity;
    const bool exhausted = lanczos.pending() == 0 || added == 0 || step >= kMaxSteps;
    // Within a block of the k converged, every step is checked: an SVD of B costs less than the columns a later
    // check would multiply past convergence (8000 x 4000, k = 100, T = 1e-2: 98/100 at 656 columns, then a
    // restart and the next check at 880).
    const int64_t interval = last_converged + plan.block >= plan.k ? plan.block : plan.check_every;
    const bool due = lanczos.p.cols() - last_check >= interval;
    if (lanczos.p.cols() < plan.wanted && !exhausted) continue;
    if (!full && !exhausted && !due) continue;
    last_check = lanczos.p.cols();
    const Ritz ritz = ritz_triplets(lanczos, grid->comm());
    const double norm_estimate = ritz.s.empty() ? 0.0 : ritz.s[0];
    const int64_t measured = std::min<int64_t>(plan.wanted, static_cast<int64_t>(ritz.s.size()));
    const double target = options.residual_tol * norm_estimate;
    const ResidualBounds bounds =
        residual_bounds(lanczos, ritz, measured, plan.k, target, product, options, ++checks, product_columns);
    const std::vector<double>& residuals = bounds.bounds;
    const int64_t converged = leading_within(residuals, target);
    // Check intervals and restarts follow what B says has converged; the rounding only delays the certificate.
    const int64_t found = leading_within(bounds.projected, target);
    last_converged = found;
    report(options, step, plan, residuals, norm_estimate, lanczos.p.cols(), product_columns, bounds.rounding,
           bounds.probed);
    const bool done = converged >= plan.k;
    if (done || exhausted) {
      if (!done && options.progress) {
        options.progress(
            "stopped before the tolerance: " + std::string(step >= kMaxSteps ? "step limit" : "the basis spans A") +
            " reached; the residuals show the accuracy attained");
      }
      TruncatedSvd result = ritz_result(lanczos, ritz, plan.k, nb);
      result.residuals.resize(static_cast<size_t>(plan.k));
      for (int64_t i = 0; i < plan.k; ++i) result.residuals[i] = norm_estimate > 0 ? residuals[i] / norm_estimate : 0.0;
      return result;
    }
    if (full) {
      const int64_t ritz_count = static_cast<int64_t>(ritz.s.size());
      const int64_t keep = std::min(std::max(plan.wanted, (ritz_count + found) / 2), plan.capacity - plan.block);
      restart(lanczos, ritz, std::min(keep, ritz_count));
      last_check = lanczos.p.cols();  // the next check counts the columns added after the restart
    }
  }
}

}  // namespace jf::svd
