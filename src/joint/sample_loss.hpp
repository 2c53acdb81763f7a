#pragma once
// Task losses of a linear layer measured on calibration inputs Xs (s x n): the layer's logits or
// pre-activations are Z = Xs X^T + 1 b^T (s x m). Two losses share that structure:
//   classifier:  mean softmax cross-entropy of Z against integer labels y (s,) in [0, m);
//   activation:  (1/(s m)) ||act(Z) - act(Xs W^T + 1 b^T)||_F^2, act = relu | gelu | tanh | identity.
// Distribution: Xs and Z are block-cyclic on W's grid (s x n, s x m); row-wise reductions (softmax) run
// over the grid's row communicator. Labels (s) and bias (m) are replicated vectors. Per evaluation:
// Xs R (s n k), (Xs R) L^T (s m k) and, for the gradient, dZ^T Xs (m s n) flops.
#include <string>
#include <vector>

#include "joint/task_loss.hpp"

namespace jf::joint {

enum class Activation { Relu, Gelu, Tanh, Identity };

// "relu" | "gelu" | "tanh" | "identity"; InputError otherwise.
Activation parse_activation(const std::string& text);
std::string activation_name(Activation activation);

class SampleLoss : public TaskLoss {
 public:
  // Classifier. samples: s x n on W's grid; labels: s integers in [0, m); bias: m values or empty.
  // Throws InputError on a shape mismatch or a label out of range.
  static SampleLoss classifier(const DistMatrix& w, DistMatrix samples, std::vector<double> labels,
                               std::vector<double> bias);
  // Activation matching against act(Xs W^T + b).
  static SampleLoss activation(const DistMatrix& w, DistMatrix samples, std::vector<double> bias,
                               Activation activation);

  std::string name() const override { return classifier_ ? "classifier" : "activation"; }
  LossEvaluation at(const Factors& x, bool with_gradient) const override;
  double at_original() const override;
  const DistMatrix& samples() const { return samples_; }

 private:
  SampleLoss(const DistMatrix& w, DistMatrix samples, std::vector<double> bias);
  // Z = Xs X^T + b from the product Xs X^T already formed in `z`; returns the loss and, when `gradient`
  // is non-null, overwrites z by dloss/dZ.
  double loss_from_logits(DistMatrix& z, bool gradient) const;
  double cross_entropy(DistMatrix& z, bool gradient) const;
  double activation_mismatch(DistMatrix& z, bool gradient) const;

  const DistMatrix& w_;
  DistMatrix samples_;
  std::vector<double> bias_;
  bool classifier_ = true;
  std::vector<int64_t> labels_;
  Activation activation_ = Activation::Identity;
  DistMatrix reference_;  // act(Xs W^T + b), s x m (activation only)
};

}  // namespace jf::joint
