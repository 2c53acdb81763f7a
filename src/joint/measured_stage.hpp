#pragma once
// The joint stage for a task loss the tool measures (task_loss.hpp): penalty, lossless or compact mode,
// every reported loss measured (loss_kind "measured"). The start is the better, by the measured loss, of
// the SVD W_k and, when calibration samples are given, the activation-aware ("whitened") answer: the
// closed-form regression optimum within the same error bound (for the identity activation that is the
// exact answer). Compact mode bisects on k, largest first; a k qualifies when its measured loss is at
// most f(W) + loss_tol.
#include "joint/task_loss.hpp"
#include "jointfact/joint/joint_stage.hpp"

namespace jf::joint {

// `samples` (s x n on W's grid, or null): the layer's calibration inputs for the whitened start.
// Collective. Throws InputError like run_joint, and whatever the loss throws (external: its failures).
JointOutcome run_joint_measured(const DistMatrix& w, const TaskLoss& loss, const JointSettings& settings,
                                const DistMatrix* samples);

}  // namespace jf::joint
