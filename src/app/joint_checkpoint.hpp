#pragma once
// Checkpoints inside the joint stage of `jointfact run`: every checkpoint_every_s seconds, and at the
// next safe point after a stop signal (then the run leaves with exit 75). The file is the stage's
// checkpoint (CheckpointStore), stamped incomplete, with the solve journal's snapshot under /progress
// as global datasets, so a resume may use another rank count, grid or block size.
#include <string>

#include "app/pipeline.hpp"
#include "joint/solve_journal.hpp"

namespace jf::app {

void write_joint_snapshot(OutputFile& out, const joint::SolveJournal& journal, const joint::RunningSolveView& running);

// Reads the snapshot back with the factors laid out like the input's rows (L) and columns (R).
joint::JointSnapshot read_joint_snapshot(const PipelineContext& context, const std::string& path);

// The safe-point callback for the journal: decides collectively, writes the checkpoint, stops on a signal.
joint::SolveJournal::SafePoint joint_safe_point(PipelineContext& context, const std::string& config_hash);

}  // namespace jf::app
