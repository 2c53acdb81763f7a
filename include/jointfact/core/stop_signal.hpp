#pragma once
// SIGTERM, SIGUSR1 and SIGINT do not kill jointfact: they raise a flag. Long-running stages poll
// stop_requested() at safe points (between iterations); all ranks agree, write a checkpoint and leave
// with exit code 75 so the same command resumes. Slurm sends USR1 before the time limit.
#include <mpi.h>

#include <string>

namespace jf {

// Installs the handlers (idempotent). Called once by the CLI before any stage runs.
void install_stop_handlers();

// Collective: true on every rank when any rank has received a stop signal.
bool stop_requested(MPI_Comm comm);

// Collective, one allreduce: at a safe point inside a stage, whether to write a checkpoint now and
// whether to stop. Timers differ between ranks, so rank 0's clock decides the periodic checkpoint;
// a stop signal on any rank stops every rank (and implies a checkpoint).
struct SafePointDecision {
  bool checkpoint = false;
  bool stop = false;
};
SafePointDecision poll_safe_point(MPI_Comm comm, bool checkpoint_due_on_rank0);

// For commands without checkpoints (svd, joint, fsmf, butterfly, generate): a stop signal ends the process
// at once with exit code 128 + signal, after removing the output being written (see
// set_partial_output) and, on the rank given `reporter`, printing one line (not for SIGTERM, which mpirun
// also sends to end the other ranks once one has failed and said why). The other ranks receive the
// same signal from mpirun / Slurm, or are ended by mpirun when this one exits. Replaces the handlers above.
void install_terminating_stop_handlers(bool reporter);

// The partial output file this rank must remove if a terminating stop signal arrives ("" = none).
// Only the rank that removes a partial file registers it.
void set_partial_output(const std::string& path);

// Local, non-collective: the signal number received on this rank, or 0.
int received_stop_signal();

// For tests and fault injection: behave as if `signal_number` had arrived on this rank.
void simulate_stop_signal(int signal_number);

}  // namespace jf
