// Randomized truncated SVD (Halko, Martinsson, Tropp 2011, Algorithms 4.4 and 5.1): a Gaussian sketch
// of A's range, q power iterations with a QR after every product (so the basis never loses the small
// singular directions to rounding), then the small SVD of the projection. The heavy work is 2q + 2
// products of A with a thin n x l or m x l matrix (thin_product.hpp: one local dgemm per rank, not
// pdgemm) and 2q + 1 thin QRs (CholeskyQR2, Householder where that is unsafe); A is only read.
#include <algorithm>
#include <string>

#include "distributed/cholesky_qr.hpp"
#include "distributed/counter_random.hpp"
#include "distributed/thin_product.hpp"
#include "jointfact/svd/truncated_svd.hpp"
#include "svd/projected_svd.hpp"

namespace jf::svd {
namespace {

void report(const SvdOptions& options, const std::string& message) {
  if (options.progress) options.progress(message);
}

}  // namespace

TruncatedSvd randomized_truncated_svd(const DistMatrix& a, const SvdOptions& options) {
  const int64_t m = a.rows(), n = a.cols(), k = options.rank, nb = a.row_block();
  const int64_t l = std::min(k + options.oversample, std::min(m, n));
  const GridPtr& grid = a.grid_ptr();

  // The thin matrices keep all l columns in one block column (rows blocked like A's), so that the thin
  // products need no redistribution and every QR can be CholeskyQR2, also when l exceeds the block size.
  const int64_t thin_block = std::max(nb, l);
  // Omega (n x l) from the counter-based generator: the same test matrix on any grid or rank count.
  DistMatrix range_n(grid, n, l, nb, thin_block);  // Omega, then the row-space iterates, then B^T
  fill_normal(range_n, options.seed, kStreamSketch);
  DistMatrix range_m(grid, m, l, nb, thin_block);  // Y = A Omega, then the column-space basis Q
  multiply_thin(a, range_n, range_m);
  orthonormalize_thin(range_m);
  for (int64_t iter = 1; iter <= options.power_iters; ++iter) {
    multiply_thin_transposed(a, range_m, range_n);
    orthonormalize_thin(range_n);
    multiply_thin(a, range_n, range_m);
    orthonormalize_thin(range_m);
    report(options, "power iteration " + std::to_string(iter) + "/" + std::to_string(options.power_iters));
  }
  multiply_thin_transposed(a, range_m, range_n);  // B^T = A^T Q
  ProjectionOptions projection;
  projection.vectors = [k](const std::vector<double>&) { return k; };
  projection.distributed_from = kDistributedProjectionFrom;
  projection.progress = options.progress;
  const ProjectedSvd projected = factor_projection(std::move(range_n), projection);
  return rotate_to_singular_vectors(range_m, projected, k);
}

}  // namespace jf::svd
