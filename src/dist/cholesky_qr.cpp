#include "jointfact/dist/cholesky_qr.hpp"

#include <algorithm>
#include <vector>

#include "jointfact/dist/fortran_int.hpp"
#include "jointfact/dist/pblas.hpp"
#include "jointfact/dist/scalapack_typed.hpp"

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
  if (m_loc > 0) {
    scalapack::local_gemm('T', 'N', to_fortran_int(l, "l"), to_fortran_int(l, "l"), to_fortran_int(m_loc, "m"), 1.0,
                          y_local.data(), to_fortran_int(y_local.outerStride(), "lld"), y_local.data(),
                          to_fortran_int(y_local.outerStride(), "lld"), 0.0, gram.data(), to_fortran_int(l, "l"));
  }
  int column_rank = 0;
  MPI_Comm_rank(column_comm, &column_rank);
  const int count = to_fortran_int(l * l, "gram size");
  MPI_Reduce(column_rank == 0 ? MPI_IN_PLACE : gram.data(), gram.data(), count, MPI_DOUBLE, MPI_SUM, 0, column_comm);
  // [R | ok] packed into one message.
  Eigen::MatrixXd packed = Eigen::MatrixXd::Zero(l, l + 1);
  if (column_rank == 0) {
    const Eigen::LLT<Eigen::MatrixXd> llt(gram);
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
bool cholesky_qr_pass(LocalMatrixMap& y_local, MPI_Comm column_comm, double max_spread) {
  Eigen::MatrixXd r;
  if (!gram_cholesky(y_local, column_comm, max_spread, r)) return false;
  if (y_local.rows() > 0) {
    const int l = to_fortran_int(r.cols(), "l");
    scalapack::local_trsm('R', 'U', 'N', 'N', to_fortran_int(y_local.rows(), "m"), l, 1.0, r.data(), l, y_local.data(),
                          to_fortran_int(y_local.outerStride(), "lld"));
  }
  return true;
}

}  // namespace

void orthonormalize_thin(DistMatrix& y) {
  const Grid& grid = y.grid();
  const bool one_block_column = y.col_block() >= y.cols() && y.cols() > 0 && y.rows() >= y.cols();
  if (!one_block_column) {
    orthonormalize_columns(y);
    return;
  }
  // Only the process column holding the columns works; the verdict goes to every rank of the
  // communicator (ranks outside the grid included) because the Householder fallback is collective.
  int succeeded = 1;
  std::vector<double> saved;
  if (grid.in_grid() && grid.mycol() == y.col_map().source()) {
    LocalMatrixMap y_local(y.data(), y.local_rows(), y.cols(), Eigen::OuterStride<>(y.lld()));
    saved.assign(y.data(), y.data() + y.lld() * y.cols());
    succeeded = cholesky_qr_pass(y_local, grid.col_comm(), kMaxFirstPassSpread) &&
                cholesky_qr_pass(y_local, grid.col_comm(), kMaxSecondPassSpread);
  }
  MPI_Allreduce(MPI_IN_PLACE, &succeeded, 1, MPI_INT, MPI_LAND, grid.comm());
  if (succeeded) return;
  if (!saved.empty()) std::copy(saved.begin(), saved.end(), y.data());
  orthonormalize_columns(y);
}

}  // namespace jf
