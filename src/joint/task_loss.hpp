#pragma once
// A task loss the tool measures at any X = L R^T, with its exact gradient (m x n, laid out like W):
// the classifier's cross-entropy, the activation-matching loss, or the user's own framework (external).
// The trust-region solver (measured_solver.hpp) re-linearises it at every accepted iterate, so every
// change it reports is measured, never predicted.
#include <optional>
#include <string>

#include "jointfact/joint/initial_factors.hpp"

namespace jf::joint {

struct LossEvaluation {
  double loss = 0;
  DistMatrix gradient;  // d loss / d X at X, m x n on W's grid and layout (empty when not asked for)
  // A scalar curvature hint for the quadratic model (0: none; the solver then adapts its own).
  double curvature_hint = 0;
};

class TaskLoss {
 public:
  virtual ~TaskLoss() = default;
  virtual std::string name() const = 0;
  // The loss (and, with `with_gradient`, its gradient) at X = L R^T. Collective.
  virtual LossEvaluation at(const Factors& x, bool with_gradient) const = 0;
  // The loss at W itself (the original, full-rank matrix). Collective.
  virtual double at_original() const = 0;
  // Evaluations performed so far (external: runs of the user's command; cached results not counted).
  virtual int64_t evaluations() const { return evaluations_; }
  // Results read back from an earlier (interrupted) run instead of evaluated again.
  virtual int64_t reused() const { return 0; }

 protected:
  mutable int64_t evaluations_ = 0;
};

}  // namespace jf::joint
