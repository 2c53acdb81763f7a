// Block Lanczos with full re-orthogonalisation, thick restarts and locking (converged_svd.hpp).
#include "jointfact/svd/converged_svd.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "jointfact/core/log.hpp"
#include "jointfact/distributed/cholesky_qr.hpp"
#include "jointfact/distributed/counter_random.hpp"
#include "jointfact/distributed/thin_product.hpp"
#include "jointfact/svd/projected_svd.hpp"
#include "jointfact/svd/thin_basis.hpp"

namespace jf::svd {
namespace {

constexpr int kMaxSteps = 500;

// The two Krylov bases with W = A^T Q.
struct KrylovBases {
  ThinBasis q;  // m x L, orthonormal
  ThinBasis w;  // n x L
};

// Adds span(y) (m x c, columns already orthogonal to Q up to rounding) to Q and A^T of it to W.
void expand(const DistMatrix& a, KrylovBases& bases, DistMatrix& y) {
  const std::vector<double> norms = column_norms(y);
  std::vector<double> inverse(norms.size());
  for (size_t j = 0; j < norms.size(); ++j) inverse[j] = norms[j] > 0 ? 1.0 / norms[j] : 0.0;
  scale_columns(y, inverse);  // equal column norms keep CholeskyQR's condition that of the directions
  // Two rounds: a residual much smaller than A's scale keeps ~eps ||A|| / ||r|| of Q's span after one.
  for (int round = 0; round < 2; ++round) {
    bases.q.project_out(y);
    orthonormalize_thin(y);
  }
  bases.q.append(y);
  DistMatrix z = bases.w.thin_block(y.cols());
  multiply_thin_transposed(a, y, z);
  bases.w.append(z);
}

// The Ritz triplets of the current bases.
ProjectedSvd rayleigh_ritz(const KrylovBases& bases) { return factor_projection(bases.w.copy()); }

Eigen::MatrixXd selected_columns(const Eigen::MatrixXd& x, const std::vector<int64_t>& indices) {
  Eigen::MatrixXd selected(x.rows(), static_cast<Eigen::Index>(indices.size()));
  for (size_t j = 0; j < indices.size(); ++j) selected.col(static_cast<Eigen::Index>(j)) = x.col(indices[j]);
  return selected;
}

// (I - Q Q^T) A v_i for the Ritz triplets `indices`: their residual vectors (A^T u_i = s_i v_i holds exactly
// in the Ritz basis, so this is the whole residual). Column norms into residuals[indices].
DistMatrix residual_block(const DistMatrix& a, const KrylovBases& bases, const ProjectedSvd& ritz,
                          const std::vector<int64_t>& indices, std::vector<double>& residuals) {
  if (indices.empty()) return bases.q.thin_block(0);
  const DistMatrix v = multiply_small(ritz.q_b, selected_columns(ritz.u_r, indices));
  DistMatrix y = bases.q.thin_block(static_cast<int64_t>(indices.size()));
  multiply_thin(a, v, y);
  bases.q.project_out(y);
  bases.q.project_out(y);
  const std::vector<double> norms = column_norms(y);
  for (size_t j = 0; j < indices.size(); ++j) residuals[indices[j]] = norms[j];
  return y;
}

// Columns `keep` of y, as a new thin matrix of the same layout.
DistMatrix keep_columns(const DistMatrix& y, const std::vector<int64_t>& keep) {
  Eigen::MatrixXd selection = Eigen::MatrixXd::Zero(y.cols(), static_cast<Eigen::Index>(keep.size()));
  for (size_t j = 0; j < keep.size(); ++j) selection(keep[j], static_cast<Eigen::Index>(j)) = 1.0;
  return multiply_small(y, selection);
}

// Thick restart: keep the leading `keep` Ritz triplets. Q V_r spans them; A^T Q V_r = Q_B U_r S exactly.
void restart(KrylovBases& bases, const ProjectedSvd& ritz, int64_t keep) {
  bases.q.rotate(ritz.v_r.leftCols(keep));
  const Eigen::VectorXd s = Eigen::Map<const Eigen::VectorXd>(ritz.s.data(), keep);
  const DistMatrix w_kept = multiply_small(ritz.q_b, ritz.u_r.leftCols(keep) * s.asDiagonal());
  bases.w = ThinBasis(w_kept.grid_ptr(), w_kept.rows(), bases.w.capacity(), w_kept.row_block());
  bases.w.append(w_kept);
}

struct Plan {
  int64_t k = 0;         // triplets asked for
  int64_t wanted = 0;    // triplets refined: k and p guards that keep the k-th apart from its neighbours
  int64_t capacity = 0;  // most basis columns before a restart
};

Plan make_plan(const DistMatrix& a, const SvdOptions& options) {
  const int64_t max_rank = std::min(a.rows(), a.cols());
  Plan plan;
  plan.k = options.rank;
  plan.wanted = std::min(max_rank, options.rank + options.oversample);
  plan.capacity = std::min(max_rank, std::max(3 * plan.wanted, plan.wanted + 16));
  return plan;
}

void report(const SvdOptions& options, int step, const Plan& plan, const std::vector<double>& residuals,
            double norm_estimate, int64_t basis_columns) {
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
                   format_number("%.0e", options.residual_tol) + "), basis " + std::to_string(basis_columns));
}

}  // namespace

TruncatedSvd converged_truncated_svd(const DistMatrix& a, const SvdOptions& options) {
  const Plan plan = make_plan(a, options);
  const int64_t m = a.rows(), n = a.cols(), nb = a.row_block(), max_rank = std::min(m, n);
  const GridPtr& grid = a.grid_ptr();
  KrylovBases bases{ThinBasis(grid, m, plan.capacity, nb), ThinBasis(grid, n, plan.capacity, nb)};
  {  // The first block: A Omega with the randomized method's Gaussian test matrix.
    DistMatrix omega = bases.w.thin_block(plan.wanted);
    fill_normal(omega, options.seed, kStreamSketch);
    DistMatrix y = bases.q.thin_block(plan.wanted);
    multiply_thin(a, omega, y);
    expand(a, bases, y);
  }
  const double infinity = std::numeric_limits<double>::infinity();
  std::vector<double> residuals(static_cast<size_t>(plan.wanted), infinity);
  for (int step = 1;; ++step) {
    const ProjectedSvd ritz = rayleigh_ritz(bases);
    const double norm_estimate = ritz.s.empty() ? 0.0 : ritz.s[0];
    const double target = options.residual_tol * norm_estimate;
    auto converged = [&](int64_t i) { return residuals[i] <= target; };
    // Locking: only the triplets not yet converged are measured and extend the basis.
    std::vector<int64_t> active;
    for (int64_t i = 0; i < plan.wanted; ++i)
      if (!converged(i)) active.push_back(i);
    DistMatrix y = residual_block(a, bases, ritz, active, residuals);
    bool done = true;
    for (int64_t i = 0; i < plan.k; ++i) done = done && converged(i);
    if (done) {  // the locked ones were measured on earlier bases: confirm them on this one
      std::vector<int64_t> locked;
      for (int64_t i = 0; i < plan.k; ++i)
        if (std::find(active.begin(), active.end(), i) == active.end()) locked.push_back(i);
      if (!locked.empty()) {
        residual_block(a, bases, ritz, locked, residuals);
        for (int64_t i : locked) done = done && converged(i);
        // A locked triplet that drifted is measured and extended with again on the next step.
      }
    }
    report(options, step, plan, residuals, norm_estimate, bases.q.cols());
    const bool exhausted = bases.q.cols() >= max_rank || step >= kMaxSteps;
    if (done || exhausted) {
      if (!done && options.progress) {
        options.progress(
            "stopped before the tolerance: " + std::string(step >= kMaxSteps ? "step limit" : "the basis spans A") +
            " reached; the residuals show the accuracy attained");
      }
      TruncatedSvd result = rotate_to_singular_vectors(bases.q.copy(), ritz, plan.k);
      // Measured on these very vectors only when done (locked ones re-checked); else measure_quality does it.
      if (done) {
        result.residuals.resize(static_cast<size_t>(plan.k));
        for (int64_t i = 0; i < plan.k; ++i)
          result.residuals[i] = norm_estimate > 0 ? residuals[i] / norm_estimate : 0.0;
      }
      return result;
    }
    std::vector<int64_t> extend;  // positions in y of the triplets still above the tolerance
    for (size_t j = 0; j < active.size(); ++j)
      if (!converged(active[j])) extend.push_back(static_cast<int64_t>(j));
    const int64_t room = max_rank - bases.q.cols();
    if (static_cast<int64_t>(extend.size()) > room) extend.resize(static_cast<size_t>(room));
    const int64_t c = static_cast<int64_t>(extend.size());
    if (bases.q.cols() + c > plan.capacity) restart(bases, ritz, std::max<int64_t>(plan.wanted, plan.capacity - c));
    if (bases.q.cols() + c > plan.capacity) extend.resize(static_cast<size_t>(plan.capacity - bases.q.cols()));
    if (extend.empty()) continue;  // only locked triplets drifted: they are active on the next step
    DistMatrix block = keep_columns(y, extend);
    expand(a, bases, block);
  }
}

}  // namespace jf::svd
