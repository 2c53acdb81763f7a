#include "joint/shifted_gram_operator.hpp"

#include "distributed/cholesky.hpp"
#include "joint/thin_algebra.hpp"
#include "jointfact/distributed/pblas.hpp"

namespace jf::joint {
namespace {

void add_identity(DistMatrix& a) {
  a.for_each_local([](int64_t i, int64_t j, double& v) {
    if (i == j) v += 1.0;
  });
}

}  // namespace

ShiftedGramOperator::ShiftedGramOperator(const DistMatrix& samples, double alpha)
    : samples_(samples), alpha_(alpha), woodbury_(samples.cols() > samples.rows()) {
  const int64_t size = woodbury_ ? samples.rows() : samples.cols();
  const int64_t block = samples.row_block();
  factor_ = DistMatrix(samples.grid_ptr(), size, size, block, block);
  if (woodbury_) {
    gemm(Op::None, Op::Trans, alpha, samples, samples, 0.0, factor_);
  } else {
    gemm(Op::Trans, Op::None, alpha, samples, samples, 0.0, factor_);
  }
  add_identity(factor_);
  potrf(factor_);
  // ||Xs||_2^2 <= ||Xs||_F^2: a cheap bound that is always safe for majorisation.
  upper_bound_ = 1.0 + alpha * squared_norm(samples);
}

DistMatrix ShiftedGramOperator::apply(const DistMatrix& z) const {
  DistMatrix xs_z(samples_.grid_ptr(), samples_.rows(), z.cols(), z.row_block(), z.col_block());
  gemm(Op::None, Op::None, 1.0, samples_, z, 0.0, xs_z);
  DistMatrix result = z;
  gemm(Op::Trans, Op::None, alpha_, samples_, xs_z, 1.0, result);
  return result;
}

void ShiftedGramOperator::solve(DistMatrix& z) const {
  if (!woodbury_) {
    DistMatrix aligned(z.grid_ptr(), z.rows(), z.cols(), factor_.row_block(), factor_.col_block());
    redistribute(z, aligned);
    potrs(factor_, aligned);
    redistribute(aligned, z);
    return;
  }
  DistMatrix xs_z(samples_.grid_ptr(), samples_.rows(), z.cols(), factor_.row_block(), factor_.col_block());
  gemm(Op::None, Op::None, 1.0, samples_, z, 0.0, xs_z);
  potrs(factor_, xs_z);
  gemm(Op::Trans, Op::None, -alpha_, samples_, xs_z, 1.0, z);
}

}  // namespace jf::joint
