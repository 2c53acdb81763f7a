#include "svd/projected_svd.hpp"

#include <algorithm>
#include <limits>
#include <string>

#include "distributed/cholesky_qr.hpp"
#include "jointfact/core/collective.hpp"
#include "jointfact/core/error.hpp"
#include "jointfact/distributed/pblas.hpp"
#include "svd/bidiagonal_svd.hpp"
#include "distributed/small_matrix.hpp"

namespace jf::svd {
namespace {

// R = U_r S V_r^T. Computed on rank 0 alone and broadcast: ranks on different hardware could round
// differently, and every rank must rotate with the same matrices.
void small_svd_on_root(const Eigen::MatrixXd& r, MPI_Comm comm, ProjectedSvd& result) {
  Eigen::MatrixXd packed(r.rows(), 2 * r.cols() + 1);  // [U_r | V_r | s]
  if (comm_rank(comm) == 0) {
    const Eigen::BDCSVD<Eigen::MatrixXd> svd(r, Eigen::ComputeFullU | Eigen::ComputeFullV);
    if (svd.info() != Eigen::Success) throw LibraryError("small SVD of the l x l factor R did not converge");
    packed << svd.matrixU(), svd.matrixV(), svd.singularValues();
  }
  broadcast_matrix(packed, comm);
  const int64_t l = r.cols();
  result.u_r = packed.leftCols(l);
  result.v_r = packed.middleCols(l, l);
  result.s.assign(packed.col(2 * l).data(), packed.col(2 * l).data() + l);
}

ProjectedRoute choose_route(const DistMatrix& b_t, const ProjectionOptions& options) {
  const int64_t l = b_t.cols(), ranks = int64_t{b_t.grid().prows()} * b_t.grid().pcols();
  const std::string size = "l = " + std::to_string(l);
  if (ranks > 1 && l >= options.distributed_from) {
    return {true, size + " >= " + std::to_string(options.distributed_from) +
                      ": R's SVD distributed on the grid (no rank holds l x l)"};
  }
  const std::string why = ranks == 1 ? " on one rank"
                          : options.distributed_from == std::numeric_limits<int64_t>::max()
                              ? ""
                              : " < " + std::to_string(options.distributed_from);
  return {false, size + why + ": R's SVD by LAPACK on rank 0, broadcast"};
}

void factor_replicated(DistMatrix b_t, ProjectedSvd& result) {
  const int64_t l = b_t.cols();
  Eigen::MatrixXd r;
  if (!try_cholesky_qr2(b_t, r)) {  // Householder where CholeskyQR2 is unsafe or the columns span blocks
    std::vector<double> tau;
    geqrf(b_t, tau);
    r = replicate_upper_triangle(b_t, l);
    orgqr(b_t, tau);
  }
  result.q_b = std::move(b_t);
  small_svd_on_root(r, result.q_b.grid().comm(), result);
}

// B^T moved to square blocks first: the thin layout keeps all l columns in one block column, where
// pdgeqrf would run unblocked on one process column.
void factor_distributed(DistMatrix b_t, const ProjectionOptions& options, ProjectedSvd& result) {
  const int64_t n = b_t.rows(), l = b_t.cols(), nb = b_t.row_block();
  const GridPtr grid = b_t.grid_ptr();
  DistMatrix square(grid, n, l, nb, nb);
  redistribute(b_t, square);
  b_t = DistMatrix();  // released before the QR's workspace
  std::vector<double> tau;
  geqrf(square, tau);
  DistMatrix r(grid, l, l, nb, nb);
  copy_block(square, 0, 0, l, l, r, 0, 0);
  r.for_each_local([](int64_t i_gl, int64_t j_gl, double& value) {
    if (i_gl > j_gl) value = 0.0;
  });
  orgqr(square, tau);
  result.q_b = std::move(square);
  std::vector<double> s_full;
  BidiagonalRoute r_route;
  TruncatedSvd r_svd = bidiagonal_dc_svd(
      r,
      [&](const std::vector<double>& s) {
        s_full = s;
        return options.vectors ? std::clamp<int64_t>(options.vectors(s), 1, l) : l;
      },
      &r_route);
  if (options.progress) {
    options.progress(std::string("projected SVD: R's vectors by the ") +
                     (r_route.distributed ? "distributed" : "replicated") + " bidiagonal route (" + r_route.reason +
                     ")");
  }
  result.s = std::move(s_full);
  result.u_r_leading = std::move(r_svd.u);
  result.v_r_leading = std::move(r_svd.v);
}

}  // namespace

ProjectedSvd factor_projection(DistMatrix b_t, const ProjectionOptions& options) {
  const int64_t l = b_t.cols();
  if (b_t.rows() < l) throw LibraryError("factor_projection: B^T must have at least as many rows as columns");
  ProjectedSvd result;
  result.route = choose_route(b_t, options);
  if (options.progress) options.progress("projected SVD: " + result.route.reason);
  if (result.route.distributed) {
    factor_distributed(std::move(b_t), options, result);
  } else {
    factor_replicated(std::move(b_t), result);
  }
  return result;
}

TruncatedSvd rotate_to_singular_vectors(const DistMatrix& q, const ProjectedSvd& projected, int64_t k) {
  const int64_t l = q.cols(), nb = q.row_block();
  if (k > l || projected.q_b.cols() != l) throw LibraryError("rotate_to_singular_vectors: k exceeds the basis");
  const GridPtr& grid = q.grid_ptr();
  TruncatedSvd result;
  result.u = DistMatrix(grid, q.rows(), k, nb, nb);
  result.v = DistMatrix(grid, projected.q_b.rows(), k, nb, nb);
  result.s.assign(projected.s.begin(), projected.s.begin() + k);
  result.basis_columns = l;
  if (projected.route.distributed) {
    if (k > projected.u_r_leading.cols()) {
      throw LibraryError("rotate_to_singular_vectors: k exceeds the singular vectors the projection kept");
    }
    gemm_sub(Op::None, Op::None, q.rows(), k, l, 1.0, q, 0, 0, projected.v_r_leading, 0, 0, 0.0, result.u, 0, 0);
    gemm_sub(Op::None, Op::None, projected.q_b.rows(), k, l, 1.0, projected.q_b, 0, 0, projected.u_r_leading, 0, 0, 0.0,
             result.v, 0, 0);
    return result;
  }
  const DistMatrix v_r = distribute_replicated(projected.v_r.leftCols(k), grid, nb);
  const DistMatrix u_r = distribute_replicated(projected.u_r.leftCols(k), grid, nb);
  gemm(Op::None, Op::None, 1.0, q, v_r, 0.0, result.u);
  gemm(Op::None, Op::None, 1.0, projected.q_b, u_r, 0.0, result.v);
  return result;
}

}  // namespace jf::svd
