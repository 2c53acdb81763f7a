#include "jointfact/distributed/pblas.hpp"

#include <algorithm>
#include <string>

#include "distributed/fortran_int.hpp"
#include "distributed/scalapack_typed.hpp"
#include "jointfact/core/error.hpp"

namespace jf {
namespace {

char op_char(Op op) { return op == Op::None ? 'N' : 'T'; }

void require(bool condition, const std::string& message) {
  if (!condition) throw LibraryError(message);
}

void check_info(int info, const char* routine) {
  if (info != 0) throw LibraryError(std::string(routine) + " failed with info = " + std::to_string(info));
}

int f(int64_t value, const char* what) { return to_fortran_int(value, what); }

int64_t resolve_cols(const DistMatrix& a, int64_t ja, int64_t n_cols) {
  const int64_t n = n_cols < 0 ? a.cols() - ja : n_cols;
  require(ja >= 0 && n >= 0 && ja + n <= a.cols(), "column range outside the matrix");
  return n;
}

}  // namespace

void gemm(Op op_a, Op op_b, double alpha, const DistMatrix& a, const DistMatrix& b, double beta, DistMatrix& c) {
  const int64_t m = op_a == Op::None ? a.rows() : a.cols();
  const int64_t k = op_a == Op::None ? a.cols() : a.rows();
  const int64_t kb = op_b == Op::None ? b.rows() : b.cols();
  const int64_t n = op_b == Op::None ? b.cols() : b.rows();
  require(k == kb && c.rows() == m && c.cols() == n,
          "gemm: shapes do not match (" + std::to_string(m) + "x" + std::to_string(k) + " times " + std::to_string(kb) +
              "x" + std::to_string(n) + " into " + std::to_string(c.rows()) + "x" + std::to_string(c.cols()) + ")");
  gemm_sub(op_a, op_b, m, n, k, alpha, a, 0, 0, b, 0, 0, beta, c, 0, 0);
}

void gemm_sub(Op op_a, Op op_b, int64_t m, int64_t n, int64_t k, double alpha, const DistMatrix& a, int64_t ia,
              int64_t ja, const DistMatrix& b, int64_t ib, int64_t jb, double beta, DistMatrix& c, int64_t ic,
              int64_t jc) {
  if (!c.grid().in_grid() || m == 0 || n == 0) return;
  if (k == 0) {  // PBLAS leaves C untouched for k = 0; BLAS semantics want C *= beta
    c.local() *= beta;
    return;
  }
  scalapack::gemm(op_char(op_a), op_char(op_b), f(m, "gemm m"), f(n, "gemm n"), f(k, "gemm k"), alpha, a.data(),
                  f(ia + 1, "gemm ia"), f(ja + 1, "gemm ja"), a.desc(), b.data(), f(ib + 1, "gemm ib"),
                  f(jb + 1, "gemm jb"), b.desc(), beta, c.data(), f(ic + 1, "gemm ic"), f(jc + 1, "gemm jc"), c.desc());
}

void geqrf(DistMatrix& a, std::vector<double>& tau, int64_t ja, int64_t n_cols) {
  const int64_t n = resolve_cols(a, ja, n_cols);
  // tau is indexed by local columns of A; sized generously and replicated in meaning only.
  tau.assign(static_cast<size_t>(a.local_cols() + a.col_block()), 0.0);
  if (!a.grid().in_grid() || n == 0 || a.rows() == 0) return;
  const int m_f = f(a.rows(), "geqrf m"), n_f = f(n, "geqrf n"), ja_f = f(ja + 1, "geqrf ja");
  double query = 0;
  check_info(scalapack::geqrf(m_f, n_f, a.data(), 1, ja_f, a.desc(), tau.data(), &query, -1), "pdgeqrf (query)");
  std::vector<double> work(static_cast<size_t>(checked_workspace(query, "pdgeqrf")));
  check_info(scalapack::geqrf(m_f, n_f, a.data(), 1, ja_f, a.desc(), tau.data(), work.data(),
                              f(static_cast<int64_t>(work.size()), "geqrf lwork")),
             "pdgeqrf");
}

void orgqr(DistMatrix& a, const std::vector<double>& tau, int64_t ja, int64_t n_cols) {
  const int64_t n = resolve_cols(a, ja, n_cols);
  if (!a.grid().in_grid() || n == 0 || a.rows() == 0) return;
  require(a.rows() >= n, "orgqr: needs at least as many rows as columns");
  const int m_f = f(a.rows(), "orgqr m"), n_f = f(n, "orgqr n"), ja_f = f(ja + 1, "orgqr ja");
  double query = 0;
  check_info(scalapack::orgqr(m_f, n_f, n_f, a.data(), 1, ja_f, a.desc(), tau.data(), &query, -1), "pdorgqr (query)");
  std::vector<double> work(static_cast<size_t>(checked_workspace(query, "pdorgqr")));
  check_info(scalapack::orgqr(m_f, n_f, n_f, a.data(), 1, ja_f, a.desc(), tau.data(), work.data(),
                              f(static_cast<int64_t>(work.size()), "orgqr lwork")),
             "pdorgqr");
}

void orthonormalize_columns(DistMatrix& a, int64_t ja, int64_t n_cols) {
  std::vector<double> tau;
  geqrf(a, tau, ja, n_cols);
  orgqr(a, tau, ja, n_cols);
}

DistSvd gesvd(const DistMatrix& a) {
  const int64_t m = a.rows(), n = a.cols(), r = std::min(m, n);
  // pdgesvd wants square blocks; copy into a square-block layout (A is overwritten anyway).
  const int64_t nb = std::max(a.row_block(), a.col_block());
  DistMatrix work_a(a.grid_ptr(), m, n, nb, nb);
  redistribute(a, work_a);
  DistSvd result{std::vector<double>(static_cast<size_t>(r), 0.0), DistMatrix(a.grid_ptr(), m, r, nb, nb),
                 DistMatrix(a.grid_ptr(), r, n, nb, nb)};
  if (r == 0) return result;
  if (a.grid().in_grid()) {
    const int m_f = f(m, "gesvd m"), n_f = f(n, "gesvd n");
    double query = 0;
    check_info(
        scalapack::gesvd('V', 'V', m_f, n_f, work_a.data(), 1, 1, work_a.desc(), result.s.data(), result.u.data(), 1, 1,
                         result.u.desc(), result.vt.data(), 1, 1, result.vt.desc(), &query, -1),
        "pdgesvd (query)");
    std::vector<double> work(static_cast<size_t>(2 * checked_workspace(query, "pdgesvd")));
    check_info(scalapack::gesvd('V', 'V', m_f, n_f, work_a.data(), 1, 1, work_a.desc(), result.s.data(),
                                result.u.data(), 1, 1, result.u.desc(), result.vt.data(), 1, 1, result.vt.desc(),
                                work.data(), f(static_cast<int64_t>(work.size()), "gesvd lwork")),
               "pdgesvd");
  }
  // Ranks outside the grid get the singular values too, so every rank can report them.
  MPI_Bcast(result.s.data(), static_cast<int>(r), MPI_DOUBLE, 0, a.grid().comm());
  return result;
}

double lange(char norm, const DistMatrix& a) {
  double value = 0;
  if (a.grid().in_grid() && a.rows() > 0 && a.cols() > 0) {
    std::vector<double> work(static_cast<size_t>(a.local_rows() + a.local_cols() + a.row_block() + a.col_block()));
    value =
        scalapack::lange(norm, f(a.rows(), "lange m"), f(a.cols(), "lange n"), a.data(), 1, 1, a.desc(), work.data());
  }
  MPI_Bcast(&value, 1, MPI_DOUBLE, 0, a.grid().comm());
  return value;
}

void redistribute(const DistMatrix& from, DistMatrix& to) {
  require(from.rows() == to.rows() && from.cols() == to.cols(), "redistribute: global shapes differ");
  if (from.rows() == 0 || from.cols() == 0) return;
  scalapack::gemr2d(f(from.rows(), "gemr2d m"), f(from.cols(), "gemr2d n"), from.data(), 1, 1, from.desc(), to.data(),
                    1, 1, to.desc(), from.grid().all_ranks_context());
}

void copy_block(const DistMatrix& from, int64_t i, int64_t j, int64_t rows, int64_t cols, DistMatrix& to, int64_t ti,
                int64_t tj) {
  require(i >= 0 && j >= 0 && i + rows <= from.rows() && j + cols <= from.cols(), "copy_block: source block outside");
  require(ti >= 0 && tj >= 0 && ti + rows <= to.rows() && tj + cols <= to.cols(), "copy_block: target block outside");
  if (rows == 0 || cols == 0) return;
  scalapack::gemr2d(f(rows, "gemr2d m"), f(cols, "gemr2d n"), from.data(), f(i + 1, "gemr2d ia"), f(j + 1, "gemr2d ja"),
                    from.desc(), to.data(), f(ti + 1, "gemr2d ib"), f(tj + 1, "gemr2d jb"), to.desc(),
                    from.grid().all_ranks_context());
}

void transpose(const DistMatrix& from, DistMatrix& to) {
  require(from.rows() == to.cols() && from.cols() == to.rows(), "transpose: shapes do not match");
  if (!to.grid().in_grid() || from.rows() == 0 || from.cols() == 0) return;
  scalapack::tran(f(to.rows(), "tran m"), f(to.cols(), "tran n"), 1.0, from.data(), 1, 1, from.desc(), 0.0, to.data(),
                  1, 1, to.desc());
}

}  // namespace jf
