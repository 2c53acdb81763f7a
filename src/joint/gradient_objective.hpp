#pragma once
// A first/second-order view of a training loss around W: a gradient G (m x n) and an optional
// diagonal curvature H >= 0 (m x n) exported by the user's training framework,
//   f(X) = <G, X - W> + 1/2 sum_ij H_ij (X_ij - W_ij)^2.
// With no H (or a constant H = h) F is a plain least-squares problem with a shifted target
// W - lambda/(2 + lambda h) G, and the majorise-minimise block problems (c = h) are exact. With a varying
// H they majorise F with c = max H. Only a varying H needs the m x n difference X - W, formed a panel of
// about n / 4 columns (whole column cycles) at a time: beyond W, G and H a rank holds about a quarter of
// its share of W more.
// G and H live on W's layout (block-cyclic, same grid and blocks): memory per rank ~ 1/P.
#include <limits>
#include <optional>

#include "jointfact/joint/objective.hpp"

namespace jf::joint {

class GradientObjective : public Objective {
 public:
  // gradient: m x n; curvature: same shape, entries >= 0 (InputError otherwise), or none. Both are kept on
  // W's layout: moved there (one redistribution) when they come in another, kept as they are otherwise.
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
  // use(D, j0, j0_lc) for each panel D = (L R^T - W)(:, j0 : j0 + D.cols()), an m x (about n / 4) matrix on
  // W's layout whose local columns are W's local columns j0_lc onwards: the only m x n-sized workspace.
  template <class Use>
  void for_each_difference_panel(const DistMatrix& l, const DistMatrix& r, Use use) const;
  // use(D, j0) for each panel of H o (L R^T - W) (only when H varies).
  template <class Use>
  void for_each_weighted_panel(const DistMatrix& l, const DistMatrix& r, Use use) const;

  const DistMatrix& w_;
  DistMatrix gradient_;
  std::optional<DistMatrix> curvature_;  // empty when H is absent or constant
  double constant_curvature_ = 0;        // h when H is constant
  double curvature_max_ = 0;
  double gradient_dot_w_ = 0;  // <G, W>
  double w_norm_squared_ = 0;
};

}  // namespace jf::joint
