#pragma once
// The user's own framework as the task loss. Per evaluation the tool writes /L (m,k) and /R (n,k) into an
// HDF5 file, runs `command FILE` through the shell (rank 0, in the working directory), and the command
// writes /loss (scalar float64), /gradient (m,n: d loss / d X at X = L R^T) and optionally /curvature
// (m,n, >= 0) into the same file and exits 0. At W itself the file holds L = W, R = I_n when m >= n,
// else L = I_m, R = W^T: the smaller identity, block-cyclic, written by each rank's own blocks.
// Each evaluation's file is kept in `directory`, named by a grid-independent hash of (L, R): a rerun of
// an interrupted run reads the recorded results instead of running the command again.
#include <string>

#include "joint/task_loss.hpp"

namespace jf::joint {

class ExternalLoss : public TaskLoss {
 public:
  // `directory` is created when missing. Collective.
  ExternalLoss(const DistMatrix& w, std::string command, std::string directory);

  std::string name() const override { return "external"; }
  // InputError (on every rank) when the command exits non-zero (with its stderr's last line) or leaves
  // /loss or /gradient missing, misshapen or not finite.
  LossEvaluation at(const Factors& x, bool with_gradient) const override;
  double at_original() const override;
  int64_t reused() const override { return reused_; }

 private:
  LossEvaluation evaluate(const DistMatrix& l, const DistMatrix& r) const;

  const DistMatrix& w_;
  std::string command_, directory_;
  mutable int64_t reused_ = 0;
};

}  // namespace jf::joint
