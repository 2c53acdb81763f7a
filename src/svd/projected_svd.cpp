#include "jointfact/svd/projected_svd.hpp"

#include "jointfact/core/collective.hpp"
#include "jointfact/core/error.hpp"
#include "jointfact/distributed/cholesky_qr.hpp"
#include "jointfact/distributed/pblas.hpp"
#include "jointfact/svd/replicated_matrix.hpp"

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

}  // namespace

ProjectedSvd factor_projection(DistMatrix b_t) {
  const int64_t l = b_t.cols();
  if (b_t.rows() < l) throw LibraryError("factor_projection: B^T must have at least as many rows as columns");
  ProjectedSvd result;
  Eigen::MatrixXd r;
  if (!try_cholesky_qr2(b_t, r)) {  // Householder where CholeskyQR2 is unsafe or the columns span blocks
    std::vector<double> tau;
    geqrf(b_t, tau);
    r = replicate_upper_triangle(b_t, l);
    orgqr(b_t, tau);
  }
  result.q_b = std::move(b_t);
  small_svd_on_root(r, result.q_b.grid().comm(), result);
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
  const DistMatrix v_r = distribute_replicated(projected.v_r.leftCols(k), grid, nb);
  const DistMatrix u_r = distribute_replicated(projected.u_r.leftCols(k), grid, nb);
  gemm(Op::None, Op::None, 1.0, q, v_r, 0.0, result.u);
  gemm(Op::None, Op::None, 1.0, projected.q_b, u_r, 0.0, result.v);
  return result;
}

}  // namespace jf::svd
