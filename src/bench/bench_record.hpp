#pragma once
// One benchmark case = one record: the readable table row and the machine-readable line carry the same
// figures. A record is a JSON object with the common keys below plus the case's own ones; the
// machine-readable line is that object on one line, starting {"bench": (grep '^{"bench"').
#include <mpi.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bench/measurement.hpp"
#include "jointfact/distributed/dist_matrix.hpp"

namespace jf::bench {

using Record = nlohmann::ordered_json;

// bench, case, m, n, ranks, grid, block, reps, seconds (best), seconds_median, peak RSS and bytes sent
// (max and mean over ranks), share_bytes_max (the largest rank's part of the input matrix).
Record make_record(const std::string& bench, const std::string& name, const DistMatrix& input,
                   const Measurement& measurement);
// The same for a subject without one input matrix: its shape, layout and local bytes given (collective).
Record make_record(MPI_Comm comm, const std::string& bench, const std::string& name, int64_t m, int64_t n,
                   const std::string& grid, int64_t block, int64_t local_bytes, const Measurement& measurement);

// Adds flops, gflops, dgemm_gflops, floor_seconds = flops / DGEMM rate and floor_ratio = seconds / floor;
// with local_dgemm_gflops > 0 also local_floor_ratio, the same against the ranks' plain local dgemm rate.
void add_floor(Record& record, double flops, double dgemm_gflops, double local_dgemm_gflops = 0);

// Adds <reference>_seconds and speedup_vs_<reference> = reference_seconds / seconds.
void add_reference(Record& record, const std::string& reference, double reference_seconds);

// The table: a header once, then one row per record as cases finish; the JSON lines all at the end.
class BenchPrinter {
 public:
  explicit BenchPrinter(MPI_Comm comm) : comm_(comm) {}
  void row(const Record& record);
  void note(const std::string& line);  // a "# ..." line under the table (e.g. a skipped reference)
  void finish() const;                 // the machine-readable lines

 private:
  MPI_Comm comm_;
  bool header_printed_ = false;
  std::vector<Record> records_;
};

}  // namespace jf::bench
