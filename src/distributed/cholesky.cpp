#include "distributed/cholesky.hpp"

#include <string>

#include "distributed/cholesky_typed.hpp"
#include "distributed/fortran_int.hpp"
#include "jointfact/core/error.hpp"

namespace jf {
namespace {

void require(bool condition, const std::string& message) {
  if (!condition) throw LibraryError(message);
}

}  // namespace

void potrf(DistMatrix& a) {
  require(a.rows() == a.cols(), "potrf: matrix is not square");
  require(a.row_block() == a.col_block(), "potrf: pdpotrf needs square blocks");
  if (!a.grid().in_grid() || a.rows() == 0) return;
  const int info = scalapack::potrf('L', to_fortran_int(a.rows(), "potrf n"), a.data(), 1, 1, a.desc());
  // info > 0 is the order of the leading minor that is not positive definite: same on every grid rank.
  require(info == 0,
          "pdpotrf failed with info = " + std::to_string(info) + (info > 0 ? " (matrix not positive definite)" : ""));
}

void potrs(const DistMatrix& factor, DistMatrix& b) {
  require(factor.rows() == factor.cols() && factor.rows() == b.rows(), "potrs: shapes do not match");
  require(factor.row_block() == b.row_block(), "potrs: right-hand side needs the factor's row block");
  if (!b.grid().in_grid() || b.rows() == 0 || b.cols() == 0) return;
  const int info =
      scalapack::potrs('L', to_fortran_int(factor.rows(), "potrs n"), to_fortran_int(b.cols(), "potrs nrhs"),
                       factor.data(), 1, 1, factor.desc(), b.data(), 1, 1, b.desc());
  require(info == 0, "pdpotrs failed with info = " + std::to_string(info));
}

}  // namespace jf
