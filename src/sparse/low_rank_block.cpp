#include "jointfact/sparse/low_rank_block.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>

namespace jf::sparse {

namespace {

// Power iteration gets more patience where the dense fallback would be expensive.
constexpr Eigen::Index kCheapFallbackMaxShortSide = 256;
constexpr int kPowerIterationItersCheapFallback = 30;
constexpr int kPowerIterationItersCostlyFallback = 300;
constexpr double kVectorChangeTol = kPowerIterationVectorTol;

RankOneFactors zero_rank_one(const Eigen::MatrixXd& block) {
  return {Eigen::VectorXd::Zero(block.rows()), Eigen::VectorXd::Zero(block.cols())};
}

// For a unit right vector v, u = block v is the least-squares optimal left factor; then balance.
RankOneFactors rank_one_from_right_vector(const Eigen::MatrixXd& block, const Eigen::VectorXd& v) {
  const Eigen::VectorXd left = block * v;
  const double sigma = left.norm();
  if (sigma == 0.0) return zero_rank_one(block);
  const double scale = std::sqrt(sigma);
  return {left * (scale / sigma), v * scale};
}

// Top right singular vector from the eigenvectors of the Gram matrix on the short side: much
// cheaper than a dense SVD, and accurate enough because the residual is second order in the
// vector's error.
Eigen::VectorXd dense_top_right_vector(const Eigen::MatrixXd& block) {
  if (block.cols() <= block.rows()) {
    const Eigen::MatrixXd gram = block.transpose() * block;
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(gram);
    return eig.eigenvectors().col(gram.cols() - 1);
  }
  const Eigen::MatrixXd gram = block * block.transpose();
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(gram);
  const Eigen::VectorXd v = block.transpose() * eig.eigenvectors().col(gram.cols() - 1);
  const double norm = v.norm();
  return norm > 0 ? Eigen::VectorXd(v / norm) : Eigen::VectorXd(Eigen::VectorXd::Zero(block.cols()));
}

// Power iteration on block^T block; false when it has not converged within the iteration cap.
// Converged means the right vector has settled to ~1e-12: the greedy FSMF feeds each block's
// product into the next residual, so the vector itself must be accurate, not just sigma.
bool power_iteration_right_vector(const Eigen::MatrixXd& block, int max_iters, Eigen::VectorXd& v) {
  v = block.transpose() * power_iteration_start_weights(block.rows());
  if (v.norm() == 0.0) {  // weights orthogonal to the column space: start from the largest row
    Eigen::Index row = 0;
    block.rowwise().squaredNorm().maxCoeff(&row);
    v = block.row(row).transpose();
  }
  v.normalize();
  for (int it = 0; it < max_iters; ++it) {
    const Eigen::VectorXd next = (block.transpose() * (block * v)).normalized();
    const double change = (next - v).norm();
    v = next;
    if (change <= kVectorChangeTol) return true;
  }
  return false;
}

template <class Svd>
LowRankFactors truncate_svd(const Svd& svd, Eigen::Index rank) {
  const Eigen::VectorXd scale = svd.singularValues().head(rank).cwiseSqrt();
  return {svd.matrixU().leftCols(rank) * scale.asDiagonal(), svd.matrixV().leftCols(rank) * scale.asDiagonal()};
}

LowRankFactors dense_truncated_svd(const Eigen::MatrixXd& block, Eigen::Index rank) {
  const unsigned options = Eigen::ComputeThinU | Eigen::ComputeThinV;
  if (std::min(block.rows(), block.cols()) <= 16)
    return truncate_svd(Eigen::JacobiSVD<Eigen::MatrixXd>(block, options), rank);
  return truncate_svd(Eigen::BDCSVD<Eigen::MatrixXd>(block, options), rank);
}

}  // namespace

// Deterministic, sign-mixed weights: a start vector block^T x that is (generically) not
// orthogonal to the top singular vector, unlike a single row or column can be.
Eigen::VectorXd power_iteration_start_weights(Eigen::Index size) {
  Eigen::VectorXd x(size);
  std::uint64_t state = 0x9E3779B97F4A7C15ull;
  for (Eigen::Index i = 0; i < size; ++i) {
    state += 0x9E3779B97F4A7C15ull;  // splitmix64
    std::uint64_t z = state;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    x[i] = static_cast<double>(z >> 11) * 0x1.0p-52 - 1.0;  // uniform in [-1, 1)
  }
  return x;
}

int power_iteration_cap(Eigen::Index short_side) {
  return short_side <= kCheapFallbackMaxShortSide ? kPowerIterationItersCheapFallback
                                                  : kPowerIterationItersCostlyFallback;
}

RankOneFactors best_rank_one(const Eigen::MatrixXd& block) {
  if (block.size() == 0) return zero_rank_one(block);
  if (block.isZero(0.0)) return zero_rank_one(block);
  const Eigen::Index short_side = std::min(block.rows(), block.cols());
  if (short_side <= kDenseMaxShortSide) return rank_one_from_right_vector(block, dense_top_right_vector(block));
  Eigen::VectorXd v;
  if (!power_iteration_right_vector(block, power_iteration_cap(short_side), v)) v = dense_top_right_vector(block);
  return rank_one_from_right_vector(block, v);
}

LowRankFactors best_rank_k(const Eigen::MatrixXd& block, std::int64_t rank) {
  if (rank < 0) throw std::invalid_argument("best_rank_k: negative rank");
  const Eigen::Index rows = block.rows();
  const Eigen::Index cols = block.cols();
  const Eigen::Index short_side = std::min(rows, cols);
  LowRankFactors f{Eigen::MatrixXd::Zero(rows, rank), Eigen::MatrixXd::Zero(cols, rank)};
  if (rank == 0 || short_side == 0) return f;
  if (rank >= short_side) {
    // Exact: the short side gets the identity, the long side the block itself.
    if (rows <= cols) {
      f.u.leftCols(rows).setIdentity();
      f.v.leftCols(rows) = block.transpose();
    } else {
      f.u.leftCols(cols) = block;
      f.v.leftCols(cols).setIdentity();
    }
    return f;
  }
  if (rank == 1) {
    const RankOneFactors r1 = best_rank_one(block);
    f.u.col(0) = r1.u;
    f.v.col(0) = r1.v;
    return f;
  }
  return dense_truncated_svd(block, rank);
}

}  // namespace jf::sparse
