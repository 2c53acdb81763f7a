#include "distributed/cholesky_qr.hpp"

#include <algorithm>
#include <vector>

#include "distributed/fortran_int.hpp"
#include "distributed/scalapack_typed.hpp"
#include "jointfact/distributed/pblas.hpp"

namespace jf {
namespace {

// Largest spread of a Cholesky factor's diagonal we accept: R's condition is at least this ratio,
// and CholeskyQR loses about eps * cond(Y)^2 of orthogonality, so 1e7 keeps the first pass's Q
// well enough conditioned for the second pass to finish the job.
constexpr double kMaxFirstPassSpread = 1e7;
// After the first pass, Q1 is near orthonormal; a second-pass diagonal spread above this means it was not.
constexpr double kMaxSecondPassSpread = 1e2;

// R (upper, l x l) with Y^T Y = R^T R, computed on rank 0 of the owning process column and sent to the
// others there, so every rank divides by the same R. Returns false when the factor is unusable.
bool gram_cholesky(const LocalMatrixMap& y_local, MPI_Comm column_comm, double max_spread, Eigen::MatrixXd& r) {
  const int64_t l = y_local.cols(), m_loc = y_local.rows();
  Eigen::MatrixXd gram = Eigen::MatrixXd::Zero(l, l);
  if (m_loc > 0) {  // the upper triangle only (half the flops of a gemm): LLT below reads just that one
    scalapack::local_syrk('U', 'T', to_fortran_int(l, "l"), to_fortran_int(m_loc, "m"), 1.0, y_local.data(),
                          to_fortran_int(y_local.outerStride(), "lld"), 0.0, gram.data(), to_fortran_int(l, "l"));
  }
  int column_rank = 0;
  MPI_Comm_rank(column_comm, &column_rank);
  const int count = to_fortran_int(l * l, "gram size");
  MPI_Reduce(column_rank == 0 ? MPI_IN_PLACE : gram.data(), gram.data(), count, MPI_DOUBLE, MPI_SUM, 0, column_comm);
  // [R | ok] packed into one message.
  Eigen::MatrixXd packed = Eigen::MatrixXd::Zero(l, l + 1);
  if (column_rank == 0) {
    const Eigen::LLT<Eigen::MatrixXd, Eigen::Upper> llt(gram);
    if (llt.info() == Eigen::Success) {
      packed.leftCols(l) = llt.matrixU();
      const Eigen::VectorXd diagonal = packed.leftCols(l).diagonal().cwiseAbs();
      const double smallest = diagonal.minCoeff(), largest = diagonal.maxCoeff();
      packed(0, l) = (smallest > 0 && largest <= max_spread * smallest) ? 1.0 : 0.0;
    }
  }
  MPI_Bcast(packed.data(), to_fortran_int(packed.size(), "packed R"), MPI_DOUBLE, 0, column_comm);
  r = packed.leftCols(l);
  return packed(0, l) == 1.0;
}

// One CholeskyQR pass on this rank's rows: Y := Y R^-1. False (Y untouched) when R is unusable.
bool cholesky_qr_pass(LocalMatrixMap& y_local, MPI_Comm column_comm, double max_spread, Eigen::MatrixXd& r) {
  if (!gram_cholesky(y_local, column_comm, max_spread, r)) return false;
  if (y_local.rows() > 0) {
    const int l = to_fortran_int(r.cols(), "l");
    scalapack::local_trsm('R', 'U', 'N', 'N', to_fortran_int(y_local.rows(), "m"), l, 1.0, r.data(), l, y_local.data(),
                          to_fortran_int(y_local.outerStride(), "lld"));
  }
  return true;
}

// CholeskyQR2 of Y; R (Y = Q R) goes to every rank only when `r` is given, so the basis-only callers in
// the power iterations skip that allreduce. False, Y untouched, when CholeskyQR2 is not applicable.
bool cholesky_qr2(DistMatrix& y, Eigen::MatrixXd* r) {
  const Grid& grid = y.grid();
  const bool one_block_column = y.col_block() >= y.cols() && y.cols() > 0 && y.rows() >= y.cols();
  if (!one_block_column) return false;
  // Only the process column holding the columns works; the verdict goes to every rank of the
  // communicator (ranks outside the grid included) because a Householder fallback is collective.
  const int64_t l = y.cols();
  const bool working = grid.in_grid() && grid.mycol() == y.col_map().source();
  int succeeded = 1;
  std::vector<double> saved;
  Eigen::MatrixXd r1, r2;
  if (working) {
    LocalMatrixMap y_local(y.data(), y.local_rows(), l, Eigen::OuterStride<>(y.lld()));
    saved.assign(y.data(), y.data() + y.lld() * l);
    succeeded = cholesky_qr_pass(y_local, grid.col_comm(), kMaxFirstPassSpread, r1) &&
                cholesky_qr_pass(y_local, grid.col_comm(), kMaxSecondPassSpread, r2);
  }
  MPI_Allreduce(MPI_IN_PLACE, &succeeded, 1, MPI_INT, MPI_LAND, grid.comm());
  if (!succeeded) {
    if (!saved.empty()) std::copy(saved.begin(), saved.end(), y.data());
    return false;
  }
  if (r == nullptr) return true;
  // Y = Q1 R1 and Q1 = Q R2, so Y = Q (R2 R1). One rank of the working column sends it to all, others add zeros.
  *r = Eigen::MatrixXd::Zero(l, l);
  int column_rank = 1;
  if (working) MPI_Comm_rank(grid.col_comm(), &column_rank);
  if (column_rank == 0) *r = (r2 * r1).triangularView<Eigen::Upper>();
  MPI_Allreduce(MPI_IN_PLACE, r->data(), to_fortran_int(l * l, "R size"), MPI_DOUBLE, MPI_SUM, grid.comm());
  return true;
}

}  // namespace

bool try_cholesky_qr2(DistMatrix& y, Eigen::MatrixXd& r) { return cholesky_qr2(y, &r); }

void orthonormalize_thin(DistMatrix& y) {
  if (!cholesky_qr2(y, nullptr)) orthonormalize_columns(y);
}

}  // namespace jf
