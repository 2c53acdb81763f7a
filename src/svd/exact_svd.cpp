// The exact truncated SVD: ScaLAPACK pdgesvd on the whole matrix, then keep the leading k triplets.
// The accuracy reference, and the path for small problems.
#include "jointfact/core/error.hpp"
#include "jointfact/dist/pblas.hpp"
#include "jointfact/svd/rank_selection.hpp"
#include "jointfact/svd/truncated_svd.hpp"

namespace jf::svd {
namespace {

TruncatedSvd leading_triplets(const DistMatrix& a, const DistSvd& full, int64_t k) {
  const int64_t m = a.rows(), n = a.cols();
  const int64_t nb = a.row_block();
  TruncatedSvd result{DistMatrix(a.grid_ptr(), m, k, nb, nb), std::vector<double>(full.s.begin(), full.s.begin() + k),
                      DistMatrix(a.grid_ptr(), n, k, nb, nb), {}, std::min(m, n)};
  copy_block(full.u, 0, 0, m, k, result.u, 0, 0);
  DistMatrix vt_k(a.grid_ptr(), k, n, nb, nb);
  copy_block(full.vt, 0, 0, k, n, vt_k, 0, 0);
  transpose(vt_k, result.v);
  return result;
}

}  // namespace

TruncatedSvd exact_truncated_svd(const DistMatrix& a, int64_t k) {
  const int64_t m = a.rows(), n = a.cols();
  if (k < 1 || k > std::min(m, n)) {
    throw InputError("rank " + std::to_string(k) + " must be between 1 and min(m, n) = " + std::to_string(std::min(m, n)));
  }
  return leading_triplets(a, gesvd(a), k);
}

TruncatedSvd exact_fixed_accuracy_svd(const DistMatrix& a, double tol) {
  const DistSvd full = gesvd(a);
  return leading_triplets(a, full, optimal_rank_from_spectrum(full.s, tol));
}

}  // namespace jf::svd
