#pragma once
// The task objective f of the joint stage: F(L, R) = ||W - L R^T||_F^2 +
// lambda f(L R^T) + regularisers. An objective never forms the m x n product L R^T or an m x n gradient
// unless its own data is m x n (the gradient objective); it works through thin products instead.
#include <Eigen/Dense>
#include <limits>
#include <optional>
#include <string>

#include "jointfact/distributed/dist_matrix.hpp"
#include "jointfact/joint/block_problem.hpp"
#include "jointfact/joint/initial_factors.hpp"

namespace jf::joint {

// What the alternating solver already holds when it asks for a block problem. For the L-step
// `data_product` is W R (m x k) and `fixed_gram` is R^T R; for the R-step they are W^T L (n x k) and L^T L.
struct BlockContext {
  const DistMatrix& w;
  const DistMatrix& l;
  const DistMatrix& r;
  const DistMatrix& data_product;
  const Eigen::MatrixXd& fixed_gram;
  double lambda;
};

class Objective {
 public:
  virtual ~Objective() = default;
  virtual std::string name() const = 0;

  // f(L R^T), computed from the factors.
  virtual double value(const DistMatrix& l, const DistMatrix& r) const = 0;
  // f(X) for a full m x n matrix (used once, for f(W)).
  virtual double value_of_matrix(const DistMatrix& x) const = 0;

  // grad f(L R^T) R (m x k, laid out like L); `w_r` is W R.
  virtual DistMatrix gradient_times_right(const DistMatrix& l, const DistMatrix& r, const DistMatrix& w_r) const = 0;
  // grad f(L R^T)^T L (n x k, laid out like R); `w_t_l` is W^T L.
  virtual DistMatrix gradient_transpose_times_left(const DistMatrix& l, const DistMatrix& r,
                                                   const DistMatrix& w_t_l) const = 0;
  // c with f(Y) <= f(X) + <grad f(X), Y - X> + c/2 ||Y - X||_F^2 for all X, Y.
  virtual double curvature_bound() const = 0;
  // A value f never goes below (-infinity when unknown); lossless mode stops raising lambda once f
  // has reached it.
  virtual double lower_bound() const = 0;

  // The block problems of the L- and R-steps. The defaults are the majorise-minimise problems built
  // from the gradient products and the curvature bound (see majorized_block.hpp); quadratic objectives
  // override them with their exact block problems.
  virtual BlockProblem left_block(const BlockContext& context) const;
  virtual BlockProblem right_block(const BlockContext& context) const;

  // The exact rank-k minimiser of ||W - X||_F^2 + lambda f(X), for objectives that have one in closed
  // form (quadratic with a one-sided metric: whitened_penalty.hpp); std::nullopt (the default) when the
  // penalty problem must be solved by alternating block updates. Collective.
  virtual std::optional<Factors> penalty_minimizer(const DistMatrix& w, double lambda, int64_t rank) const;
  // A point near the coming penalty minimisers (a lossless search's start): a closed form computed by
  // an iterative SVD starts from its row space. The default ignores it. Collective.
  virtual void hint_penalty_minimizer(const DistMatrix& /*w*/, const Factors& /*near*/) const {}
  // Whether f is a model of the task loss (a Taylor proxy) rather than the loss itself: its changes are
  // then predictions, valid only within a trust radius of W.
  virtual bool loss_is_predicted() const { return false; }
  // For a predicted loss: the distance from W within which the model is trusted when the caller gives
  // none (+infinity when the objective cannot tell). Collective.
  virtual double trust_radius_estimate() const { return std::numeric_limits<double>::infinity(); }

  // Whether penalty_minimizer gives an answer (cheap; not collective).
  virtual bool has_penalty_minimizer() const { return false; }
};

}  // namespace jf::joint
