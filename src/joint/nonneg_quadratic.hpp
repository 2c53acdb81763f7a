#pragma once
// min phi(z) = z^T M z - 2 c^T z subject to z >= 0, for M symmetric positive (semi)definite: a few
// projected Newton steps (Bertsekas 1982) to find the active set, then a primal active-set method in
// the manner of Lawson-Hanson's NNLS to finish exactly (move towards the minimiser on the current face,
// stop at the first bound hit, free the variable with the most negative gradient, repeat). Every step
// lowers phi, so a warm start from the current factor never makes the joint objective worse.
// Used for the rows of a factor (dense k x k M) and for its columns under smoothness (banded N x N M).
#include <Eigen/Dense>
#include <cstdint>
#include <vector>

#include "joint/second_difference.hpp"

namespace jf::joint {

class FaceSystem {
 public:
  virtual ~FaceSystem() = default;
  virtual int64_t size() const = 0;
  virtual double diagonal(int64_t i) const = 0;
  virtual Eigen::VectorXd apply(const Eigen::VectorXd& z) const = 0;  // M z
  // y solving M[free, free] y = rhs (free sorted, rhs of size |free|).
  virtual Eigen::VectorXd solve_on(const std::vector<int64_t>& free, const Eigen::VectorXd& rhs) const = 0;
};

// M = a small dense symmetric matrix (the k x k Gram of a row problem).
class DenseFaceSystem : public FaceSystem {
 public:
  explicit DenseFaceSystem(const Eigen::MatrixXd& m) : m_(m) {}
  int64_t size() const override { return m_.rows(); }
  double diagonal(int64_t i) const override { return m_(i, i); }
  Eigen::VectorXd apply(const Eigen::VectorXd& z) const override { return m_ * z; }
  Eigen::VectorXd solve_on(const std::vector<int64_t>& free, const Eigen::VectorXd& rhs) const override;

 private:
  const Eigen::MatrixXd& m_;
};

// M = shift I + mu K (K the second-difference Gram): a column problem under smoothness.
class BandedFaceSystem : public FaceSystem {
 public:
  BandedFaceSystem(const SecondDifferenceGram& k, double shift, double mu) : k_(k), shift_(shift), mu_(mu) {}
  int64_t size() const override { return k_.size(); }
  double diagonal(int64_t i) const override { return shift_ + mu_ * k_.entry(i, i); }
  Eigen::VectorXd apply(const Eigen::VectorXd& z) const override { return shift_ * z + mu_ * k_.apply(z); }
  Eigen::VectorXd solve_on(const std::vector<int64_t>& free, const Eigen::VectorXd& rhs) const override {
    return solve_shifted_banded(k_, shift_, mu_, free, rhs);
  }

 private:
  const SecondDifferenceGram& k_;
  double shift_, mu_;
};

// The minimiser (or, after max_steps face solves, a feasible point with phi no larger than at the start).
Eigen::VectorXd nonneg_quadratic_minimum(const FaceSystem& m, const Eigen::VectorXd& c, Eigen::VectorXd start,
                                         int64_t max_steps);

}  // namespace jf::joint
