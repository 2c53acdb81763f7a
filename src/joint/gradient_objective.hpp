#pragma once
// A first/second-order view of a training loss around W: a gradient G (m x n) and an optional
// diagonal curvature H >= 0 (m x n) exported by the user's training framework,
//   f(X) = <G, X - W> + 1/2 sum_ij H_ij (X_ij - W_ij)^2.
// With no H (or a constant H = h) F is a plain least-squares problem with a shifted target
// W - lambda/(2 + lambda h) G, and the majorise-minimise block problems (c = h) are exact. With a varying
// H they majorise F with c = max H. Both need the m x n difference X - W only when H varies: that
// temporary is the size of the objective's own data.
#include <limits>
#include <optional>

#include "jointfact/joint/objective.hpp"

namespace jf::joint {

class GradientObjective : public Objective {
 public:
  // gradient: m x n on W's grid; curvature: same shape, entries >= 0 (InputError otherwise), or none.
  GradientObjective(const DistMatrix& w, DistMatrix gradient, std::optional<DistMatrix> curvature);

  std::string name() const override { return "gradient"; }
  double value(const DistMatrix& l, const DistMatrix& r) const override;
  double value_of_matrix(const DistMatrix& x) const override;
  DistMatrix gradient_times_right(const DistMatrix& l, const DistMatrix& r, const DistMatrix& w_r) const override;
  DistMatrix gradient_transpose_times_left(const DistMatrix& l, const DistMatrix& r,
                                           const DistMatrix& w_t_l) const override;
  double curvature_bound() const override { return curvature_max_; }
  // f is linear in X where H = 0: unbounded below as far as the objective alone knows.
  double lower_bound() const override { return -std::numeric_limits<double>::infinity(); }
  bool loss_is_predicted() const override { return true; }
  // The smaller of two limits. (1) With a curvature H: the model's own minimiser along -G,
  // ||G||^3 / sum(H G^2) (the Cauchy step); beyond it the model predicts the loss to rise again
  // (+infinity without H). (2) kTrustedRelativeChange ||W||_F: the model is an expansion in the layer's
  // relative change ||X - W|| / ||W||, and the terms it drops grow with that ratio whatever H says. An
  // empirical Fisher vanishes at a well-fitted minimum (per-sample gradients vanish) while the loss stays
  // strongly non-linear there, so (1) alone can be orders of magnitude too large (digits hidden layer: 12620
  // against ||W||_F = 27.4); (2) is what binds then.
  double trust_radius_estimate() const override;
  static constexpr double kTrustedRelativeChange = 0.1;

 private:
  double cauchy_step() const;
  // H o (L R^T - W), m x n (only when H varies).
  DistMatrix weighted_difference(const DistMatrix& l, const DistMatrix& r) const;

  const DistMatrix& w_;
  DistMatrix gradient_;
  std::optional<DistMatrix> curvature_;  // empty when H is absent or constant
  double constant_curvature_ = 0;        // h when H is constant
  double curvature_max_ = 0;
  double gradient_dot_w_ = 0;  // <G, W>
  double w_norm_squared_ = 0;
};

}  // namespace jf::joint
