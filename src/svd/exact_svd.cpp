// The exact truncated SVD, two ways: the divide-and-conquer path (bidiagonal_svd.cpp, the default) and
// ScaLAPACK pdgesvd on the whole matrix, then the leading k triplets (the reference, kept for comparison).
#include "jointfact/core/error.hpp"
#include "jointfact/distributed/pblas.hpp"
#include "jointfact/svd/truncated_svd.hpp"
#include "svd/bidiagonal_svd.hpp"
#include "svd/rank_selection.hpp"

namespace jf::svd {
namespace {

void check_rank(const DistMatrix& a, int64_t k) {
  const int64_t m = a.rows(), n = a.cols();
  if (k < 1 || k > std::min(m, n)) {
    throw InputError("rank " + std::to_string(k) +
                     " must be between 1 and min(m, n) = " + std::to_string(std::min(m, n)));
  }
}

TruncatedSvd leading_triplets(const DistMatrix& a, const DistSvd& full, int64_t k) {
  const int64_t m = a.rows(), n = a.cols();
  const int64_t nb = a.row_block();
  TruncatedSvd result{DistMatrix(a.grid_ptr(), m, k, nb, nb),
                      std::vector<double>(full.s.begin(), full.s.begin() + k),
                      DistMatrix(a.grid_ptr(), n, k, nb, nb),
                      {},
                      std::min(m, n)};
  copy_block(full.u, 0, 0, m, k, result.u, 0, 0);
  DistMatrix vt_k(a.grid_ptr(), k, n, nb, nb);
  copy_block(full.vt, 0, 0, k, n, vt_k, 0, 0);
  transpose(vt_k, result.v);
  return result;
}

}  // namespace

TruncatedSvd exact_truncated_svd(const DistMatrix& a, int64_t k) {
  check_rank(a, k);
  return bidiagonal_dc_svd(a, [k](const std::vector<double>&) { return k; });
}

TruncatedSvd exact_fixed_accuracy_svd(const DistMatrix& a, double tol) {
  return bidiagonal_dc_svd(a, [tol](const std::vector<double>& s) { return optimal_rank_from_spectrum(s, tol); });
}

TruncatedSvd pdgesvd_truncated_svd(const DistMatrix& a, int64_t k) {
  check_rank(a, k);
  return leading_triplets(a, gesvd(a), k);
}

TruncatedSvd pdgesvd_fixed_accuracy_svd(const DistMatrix& a, double tol) {
  const DistSvd full = gesvd(a);
  return leading_triplets(a, full, optimal_rank_from_spectrum(full.s, tol));
}

}  // namespace jf::svd
