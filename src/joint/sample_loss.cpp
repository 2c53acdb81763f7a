#include "joint/sample_loss.hpp"

#include <mpi.h>

#include <cmath>

#include "joint/thin_algebra.hpp"
#include "jointfact/core/error.hpp"
#include "jointfact/distributed/pblas.hpp"

namespace jf::joint {
namespace {

double activate(Activation a, double z) {
  switch (a) {
    case Activation::Relu:
      return z > 0 ? z : 0.0;
    case Activation::Gelu:
      return 0.5 * z * (1.0 + std::erf(z / std::sqrt(2.0)));
    case Activation::Tanh:
      return std::tanh(z);
    case Activation::Identity:
      return z;
  }
  return z;
}

double activate_derivative(Activation a, double z) {
  switch (a) {
    case Activation::Relu:
      return z > 0 ? 1.0 : 0.0;
    case Activation::Gelu: {
      const double density = std::exp(-0.5 * z * z) / std::sqrt(2.0 * M_PI);
      return 0.5 * (1.0 + std::erf(z / std::sqrt(2.0))) + z * density;
    }
    case Activation::Tanh: {
      const double t = std::tanh(z);
      return 1.0 - t * t;
    }
    case Activation::Identity:
      return 1.0;
  }
  return 1.0;
}

double sum_over(MPI_Comm comm, double local) {
  double total = 0;
  MPI_Allreduce(&local, &total, 1, MPI_DOUBLE, MPI_SUM, comm);
  return total;
}

// Z (s x m) laid out like the samples' rows and W's rows as columns.
DistMatrix logits_like(const DistMatrix& samples, const DistMatrix& w) {
  return DistMatrix(samples.grid_ptr(), samples.rows(), w.rows(), samples.row_block(), w.row_block());
}

}  // namespace

Activation parse_activation(const std::string& text) {
  if (text == "relu") return Activation::Relu;
  if (text == "gelu") return Activation::Gelu;
  if (text == "tanh") return Activation::Tanh;
  if (text == "identity") return Activation::Identity;
  throw InputError("the activation must be relu, gelu, tanh or identity, not '" + text + "'");
}

std::string activation_name(Activation activation) {
  switch (activation) {
    case Activation::Relu:
      return "relu";
    case Activation::Gelu:
      return "gelu";
    case Activation::Tanh:
      return "tanh";
    case Activation::Identity:
      return "identity";
  }
  return "?";
}

SampleLoss::SampleLoss(const DistMatrix& w, DistMatrix samples, std::vector<double> bias)
    : w_(w), samples_(std::move(samples)), bias_(std::move(bias)) {
  if (samples_.cols() != w.cols()) {
    throw InputError("samples have " + std::to_string(samples_.cols()) +
                     " columns but the matrix has n = " + std::to_string(w.cols()) + " (samples must be s x n)");
  }
  if (bias_.empty()) bias_.assign(static_cast<size_t>(w.rows()), 0.0);
  if (static_cast<int64_t>(bias_.size()) != w.rows()) {
    throw InputError("the bias has " + std::to_string(bias_.size()) +
                     " entries but the matrix has m = " + std::to_string(w.rows()) + " rows");
  }
}

SampleLoss SampleLoss::classifier(const DistMatrix& w, DistMatrix samples, std::vector<double> labels,
                                  std::vector<double> bias) {
  SampleLoss loss(w, std::move(samples), std::move(bias));
  if (static_cast<int64_t>(labels.size()) != loss.samples_.rows()) {
    throw InputError("there are " + std::to_string(labels.size()) + " labels for " +
                     std::to_string(loss.samples_.rows()) + " samples");
  }
  for (size_t i = 0; i < labels.size(); ++i) {
    const double y = labels[i];
    if (!(y >= 0 && y < static_cast<double>(w.rows())) || y != std::floor(y)) {
      throw InputError("label " + std::to_string(i) + " is " + std::to_string(y) + "; labels must be integers in [0, " +
                       std::to_string(w.rows()) + ")");
    }
    loss.labels_.push_back(static_cast<int64_t>(y));
  }
  return loss;
}

SampleLoss SampleLoss::activation(const DistMatrix& w, DistMatrix samples, std::vector<double> bias,
                                  Activation activation) {
  SampleLoss loss(w, std::move(samples), std::move(bias));
  loss.classifier_ = false;
  loss.activation_ = activation;
  loss.reference_ = logits_like(loss.samples_, w);
  gemm(Op::None, Op::Trans, 1.0, loss.samples_, w, 0.0, loss.reference_);
  const std::vector<double>& b = loss.bias_;
  loss.reference_.for_each_local([&](int64_t, int64_t j, double& v) { v = activate(activation, v + b[j]); });
  return loss;
}

double SampleLoss::cross_entropy(DistMatrix& z, bool gradient) const {
  const Grid& grid = z.grid();
  const int64_t rows = z.local_rows(), cols = z.local_cols();
  auto local = z.local();
  for (int64_t j = 0; j < cols; ++j) {
    const double b = bias_[static_cast<size_t>(z.col_map().local_to_global(j))];
    local.col(j).array() += b;
  }
  // Row-wise log-sum-exp across the process columns that share these rows.
  Eigen::VectorXd row_max = Eigen::VectorXd::Constant(rows, -INFINITY);
  for (int64_t j = 0; j < cols; ++j) row_max = row_max.cwiseMax(local.col(j));
  Eigen::VectorXd row_sum = Eigen::VectorXd::Zero(rows);
  Eigen::VectorXd row_label = Eigen::VectorXd::Zero(rows);  // the label's logit, where this rank holds it
  if (grid.in_grid() && rows > 0) {
    MPI_Allreduce(MPI_IN_PLACE, row_max.data(), static_cast<int>(rows), MPI_DOUBLE, MPI_MAX, grid.row_comm());
    for (int64_t j = 0; j < cols; ++j) row_sum.array() += (local.col(j) - row_max).array().exp();
    for (int64_t j = 0; j < cols; ++j) {
      const int64_t j_gl = z.col_map().local_to_global(j);
      for (int64_t i = 0; i < rows; ++i)
        if (labels_[static_cast<size_t>(z.row_map().local_to_global(i))] == j_gl) row_label(i) = local(i, j);
    }
    MPI_Allreduce(MPI_IN_PLACE, row_sum.data(), static_cast<int>(rows), MPI_DOUBLE, MPI_SUM, grid.row_comm());
    MPI_Allreduce(MPI_IN_PLACE, row_label.data(), static_cast<int>(rows), MPI_DOUBLE, MPI_SUM, grid.row_comm());
  }
  const double s = static_cast<double>(samples_.rows());
  // Each row's loss is counted once: by the ranks of process column 0.
  double local_loss = 0;
  if (grid.in_grid() && grid.mycol() == 0) {
    for (int64_t i = 0; i < rows; ++i) local_loss += row_max(i) + std::log(row_sum(i)) - row_label(i);
  }
  const double loss = sum_over(grid.comm(), local_loss) / s;
  if (gradient) {
    // dloss/dZ = (softmax(Z) - onehot(y)) / s.
    for (int64_t j = 0; j < cols; ++j) {
      const int64_t j_gl = z.col_map().local_to_global(j);
      for (int64_t i = 0; i < rows; ++i) {
        const double p = std::exp(local(i, j) - row_max(i)) / row_sum(i);
        const bool is_label = labels_[static_cast<size_t>(z.row_map().local_to_global(i))] == j_gl;
        local(i, j) = (p - (is_label ? 1.0 : 0.0)) / s;
      }
    }
  }
  return loss;
}

double SampleLoss::activation_mismatch(DistMatrix& z, bool gradient) const {
  const double scale = 1.0 / (static_cast<double>(z.rows()) * static_cast<double>(z.cols()));
  auto local = z.local();
  const auto reference = reference_.local();
  double local_loss = 0;
  for (int64_t j = 0; j < z.local_cols(); ++j) {
    const double b = bias_[static_cast<size_t>(z.col_map().local_to_global(j))];
    for (int64_t i = 0; i < z.local_rows(); ++i) {
      const double pre = local(i, j) + b;
      const double difference = activate(activation_, pre) - reference(i, j);
      local_loss += difference * difference;
      if (gradient) local(i, j) = 2.0 * scale * difference * activate_derivative(activation_, pre);
    }
  }
  return scale * sum_over(z.grid().comm(), local_loss);
}

double SampleLoss::loss_from_logits(DistMatrix& z, bool gradient) const {
  return classifier_ ? cross_entropy(z, gradient) : activation_mismatch(z, gradient);
}

LossEvaluation SampleLoss::at(const Factors& x, bool with_gradient) const {
  ++evaluations_;
  DistMatrix product(samples_.grid_ptr(), samples_.rows(), x.r.cols(), samples_.row_block(), x.r.col_block());
  gemm(Op::None, Op::None, 1.0, samples_, x.r, 0.0, product);
  DistMatrix z = logits_like(samples_, w_);
  gemm(Op::None, Op::Trans, 1.0, product, x.l, 0.0, z);
  LossEvaluation result;
  result.loss = loss_from_logits(z, with_gradient);
  if (with_gradient) {
    result.gradient = w_.like();
    gemm(Op::Trans, Op::None, 1.0, z, samples_, 0.0, result.gradient);  // dZ^T Xs
  }
  return result;
}

double SampleLoss::at_original() const {
  ++evaluations_;
  DistMatrix z = logits_like(samples_, w_);
  gemm(Op::None, Op::Trans, 1.0, samples_, w_, 0.0, z);
  return loss_from_logits(z, false);
}

}  // namespace jf::joint
