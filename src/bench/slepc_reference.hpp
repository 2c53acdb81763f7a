#pragma once
// SLEPc's truncated SVD as the optional reference of `jointfact bench svd`'s time-to-accuracy table:
// jobs/bench_slepc_svd.py (petsc4py / slepc4py, Debian python3-slepc4py) started by rank 0 as
// `mpirun -np P` with P = the bench's ranks, on an HDF5 copy of the bench matrix. The bench's own ranks wait
// without spinning meanwhile, so SLEPc has the same cores. Nothing here needs SLEPc: without it (or without the
// script) available() is false and reason() says why.
#include <mpi.h>

#include <string>
#include <vector>

#include "core/resource_usage.hpp"
#include "jointfact/distributed/dist_matrix.hpp"

namespace jf::bench {

struct SlepcSolve {
  bool ok = false;
  double seconds = 0;         // SLEPc's solve() alone (best of the repetitions), max over its ranks
  double worst_residual = 0;  // max_i ||A v_i - s_i u_i|| / s_1 from SLEPc's computeError
  int64_t converged = 0;      // triplets SLEPc reports converged
  std::vector<double> s;      // leading singular values, descending
  RankSpread peak_rss_bytes;  // of SLEPc's ranks (its Python processes), max and mean
  std::string error;          // why ok is false
};

class SlepcReference {
 public:
  // Collective. Rank 0 looks for the script ($JOINTFACT_SLEPC_SCRIPT, else jobs/bench_slepc_svd.py beside the
  // build directory of this executable) and asks it whether slepc4py imports. `dir`: where the temporary
  // matrix file goes (removed by the destructor).
  SlepcReference(MPI_Comm comm, std::string dir);
  ~SlepcReference();
  SlepcReference(const SlepcReference&) = delete;
  SlepcReference& operator=(const SlepcReference&) = delete;

  bool available() const { return available_; }
  const std::string& reason() const { return reason_; }

  // Collective; precondition available(). The first call writes `a` to the temporary file (parallel HDF5,
  // every rank its part); later calls must pass the same matrix. trlanczos, k triplets, -svd_tol tol.
  SlepcSolve solve(const DistMatrix& a, int64_t k, double tol, int reps);

 private:
  MPI_Comm comm_;
  std::string dir_, script_, matrix_path_;
  bool available_ = false;
  std::string reason_;
};

}  // namespace jf::bench
