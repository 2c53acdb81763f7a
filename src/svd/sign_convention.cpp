#include "svd/sign_convention.hpp"

#include "distributed/counter_random.hpp"
#include "jointfact/distributed/pblas.hpp"
#include "distributed/small_matrix.hpp"

namespace jf::svd {
namespace {

// Fixed on purpose (not the user's seed): the convention must not change with --seed.
constexpr uint64_t kSignReferenceSeed = 0x5167;
constexpr uint64_t kStreamSignReference = kStreamSketch + 1;

void flip_columns(DistMatrix& a, const Eigen::VectorXd& signs) {
  auto local = a.local();
  for (int64_t j_lc = 0; j_lc < a.local_cols(); ++j_lc) {
    if (signs(a.col_map().local_to_global(j_lc)) < 0) local.col(j_lc) *= -1.0;
  }
}

}  // namespace

void apply_sign_convention(TruncatedSvd& result) {
  DistMatrix& u = result.u;
  const int64_t nb = u.row_block();
  DistMatrix reference(u.grid_ptr(), u.rows(), 1, nb, nb);
  fill_normal(reference, kSignReferenceSeed, kStreamSignReference);
  DistMatrix projections(u.grid_ptr(), u.cols(), 1, nb, nb);
  gemm(Op::Trans, Op::None, 1.0, u, reference, 0.0, projections);
  const Eigen::VectorXd signs = replicate_small(projections).col(0);
  flip_columns(result.u, signs);
  flip_columns(result.v, signs);
}

}  // namespace jf::svd
