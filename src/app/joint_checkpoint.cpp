#include "app/joint_checkpoint.hpp"

#include <chrono>
#include <memory>

#include "io/attribute_reader.hpp"
#include "jointfact/core/error.hpp"
#include "jointfact/core/log.hpp"
#include "jointfact/core/stop_signal.hpp"
#include "jointfact/distributed/pblas.hpp"
#include "jointfact/io/matrix_io.hpp"
#include "distributed/small_matrix.hpp"

namespace jf::app {
namespace {

constexpr const char* kGroup = "/progress";
constexpr int kFinishedColumns = 6;  // lambda, rank, iterations, converged, stalled, history rows

void append_rows(std::vector<double>& flat, const std::vector<joint::HistoryRow>& rows) {
  for (const joint::HistoryRow& row : rows) flat.insert(flat.end(), {row.objective, row.task_loss, row.recon_error});
}

std::vector<joint::HistoryRow> rows_of(const Eigen::MatrixXd& table, int64_t first, int64_t count) {
  std::vector<joint::HistoryRow> rows;
  for (int64_t i = first; i < first + count; ++i) rows.push_back({table(i, 0), table(i, 1), table(i, 2)});
  return rows;
}

Eigen::MatrixXd read_small(const PipelineContext& context, const std::string& path, const std::string& dataset) {
  return replicate_small(read_matrix(context.grid, DatasetPath{path, dataset}));
}

int64_t required_count(const PipelineContext& context, const std::string& path, const char* name) {
  const auto value = read_double_attribute(context.comm, path, kGroup, name);
  if (!value) throw InputError("the joint checkpoint '" + path + "' lacks " + name + "; rerun with --no-resume");
  return static_cast<int64_t>(*value);
}

// A factor (N x k) from the checkpoint, in the layout the solver uses for W's rows (L) or columns (R).
DistMatrix read_factor(const PipelineContext& context, const std::string& path, const std::string& dataset,
                       int64_t row_block) {
  const DistMatrix& w = context.input;
  ReadOptions options;
  options.block = row_block;
  const DistMatrix stored = read_matrix(context.grid, DatasetPath{path, dataset}, options);
  DistMatrix factor(w.grid_ptr(), stored.rows(), stored.cols(), row_block, w.col_block());
  redistribute(stored, factor);
  return factor;
}

}  // namespace

void write_joint_snapshot(OutputFile& out, const joint::SolveJournal& journal, const joint::RunningSolveView& running) {
  const std::string group = kGroup;
  std::vector<double> finished, history;
  for (const joint::FinishedSolve& solve : journal.finished()) {
    finished.insert(finished.end(), {solve.lambda, static_cast<double>(solve.rank),
                                     static_cast<double>(solve.iterations), solve.converged ? 1.0 : 0.0,
                                     solve.stalled ? 1.0 : 0.0, static_cast<double>(solve.history.size())});
    append_rows(history, solve.history);
  }
  const auto finished_count = static_cast<int64_t>(journal.finished().size());
  if (finished_count > 0) {
    out.write_replicated(group + "/finished", finished, {finished_count, kFinishedColumns});
    out.write_replicated(group + "/finished_history", history, {static_cast<int64_t>(history.size() / 3), 3});
  }
  std::vector<double> running_history;
  append_rows(running_history, running.history);
  out.write_replicated(group + "/running_history", running_history, {static_cast<int64_t>(running.history.size()), 3});
  out.write_matrix(group + "/start_L", running.start.l);
  out.write_matrix(group + "/start_R", running.start.r);
  out.write_matrix(group + "/iterate_L", running.iterate.l);
  out.write_matrix(group + "/iterate_R", running.iterate.r);
  out.set_attribute(group, "finished_solves", finished_count);
  out.set_attribute(group, "running_lambda", running.lambda);
  out.set_attribute(group, "running_rank", running.rank);
  out.set_attribute(group, "running_iterations", static_cast<int64_t>(running.iterations));
}

joint::JointSnapshot read_joint_snapshot(const PipelineContext& context, const std::string& path) {
  joint::JointSnapshot snapshot;
  const int64_t finished_count = required_count(context, path, "finished_solves");
  if (finished_count > 0) {
    const Eigen::MatrixXd finished = read_small(context, path, std::string(kGroup) + "/finished");
    const Eigen::MatrixXd history = read_small(context, path, std::string(kGroup) + "/finished_history");
    int64_t row = 0;
    for (int64_t i = 0; i < finished_count; ++i) {
      joint::FinishedSolve solve;
      solve.lambda = finished(i, 0);
      solve.rank = static_cast<int64_t>(finished(i, 1));
      solve.iterations = static_cast<int>(finished(i, 2));
      solve.converged = finished(i, 3) != 0;
      solve.stalled = finished(i, 4) != 0;
      const auto rows = static_cast<int64_t>(finished(i, 5));
      if (row + rows > history.rows())
        throw InputError("the joint checkpoint '" + path + "' is corrupt; rerun with --no-resume");
      solve.history = rows_of(history, row, rows);
      row += rows;
      snapshot.finished.push_back(std::move(solve));
    }
  }
  joint::RunningSolve& running = snapshot.running;
  const auto lambda = read_double_attribute(context.comm, path, kGroup, "running_lambda");
  if (!lambda) throw InputError("the joint checkpoint '" + path + "' lacks running_lambda; rerun with --no-resume");
  running.lambda = *lambda;
  running.rank = required_count(context, path, "running_rank");
  running.iterations = static_cast<int>(required_count(context, path, "running_iterations"));
  const Eigen::MatrixXd history = read_small(context, path, std::string(kGroup) + "/running_history");
  running.history = rows_of(history, 0, history.rows());
  const DistMatrix& w = context.input;
  running.start = {read_factor(context, path, std::string(kGroup) + "/start_L", w.row_block()),
                   read_factor(context, path, std::string(kGroup) + "/start_R", w.col_block())};
  running.iterate = {read_factor(context, path, std::string(kGroup) + "/iterate_L", w.row_block()),
                     read_factor(context, path, std::string(kGroup) + "/iterate_R", w.col_block())};
  return snapshot;
}

joint::SolveJournal::SafePoint joint_safe_point(PipelineContext& context, const std::string& config_hash) {
  using Clock = std::chrono::steady_clock;
  auto last_checkpoint = std::make_shared<Clock::time_point>(Clock::now());
  return [&context, config_hash, last_checkpoint](const joint::SolveJournal& journal,
                                                  const joint::RunningSolveView& running) {
    const double since = std::chrono::duration<double>(Clock::now() - *last_checkpoint).count();
    const SafePointDecision decision = poll_safe_point(context.comm, since >= context.checkpoint_every_s);
    if (!decision.checkpoint) return;
    const int64_t iteration = journal.finished_iterations() + running.iterations;
    auto checkpoint = context.store->begin({"joint", config_hash, context.joint_fingerprint, iteration, false});
    write_joint_snapshot(*checkpoint, journal, running);
    checkpoint->commit();
    *last_checkpoint = Clock::now();
    const std::string where =
        "iteration " + std::to_string(iteration) + " (solve " + std::to_string(journal.finished().size() + 1) + ")";
    if (decision.stop) {
      throw Interrupted("stopped by a signal in the joint stage at " + where + "; checkpoints are in '" +
                        context.store->directory() + "'; rerun the same command to resume");
    }
    log_progress(context.comm, "joint: checkpoint at " + where);
  };
}

}  // namespace jf::app
