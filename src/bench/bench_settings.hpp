#pragma once
// What `jointfact bench` was asked to measure: the problem sizes and the knobs of every benchmark kind.
// The defaults are the cases of docs/performance.md.
#include <cstdint>
#include <string>

#include "jointfact/distributed/dist_matrix.hpp"
#include "jointfact/svd/truncated_svd.hpp"

namespace jf::bench {

// "4000x3000" (rows x cols) or "1024" (square). InputError on anything else or a size < 1.
struct MatrixSize {
  int64_t rows = 0, cols = 0;
  static MatrixSize parse(const std::string& text);
  std::string str() const { return std::to_string(rows) + "x" + std::to_string(cols); }
};

struct BenchSettings {
  int reps = 3;            // timed repetitions of each subject; the best is reported, the median too
  int reference_reps = 1;  // repetitions of slow references (pdgesvd)
  int64_t block = DistMatrix::kDefaultBlock;
  std::string grid;           // "PRxPC"; empty = near-square over all ranks
  int64_t dgemm_size = 2048;  // the square pdgemm that sets the DGEMM rate
  uint64_t seed = 1;
  // svd and joint
  int64_t rank = 50;
  int64_t oversample = svd::SvdOptions{}.oversample;  // the library's defaults
  int64_t power_iters = svd::SvdOptions{}.power_iters;
  bool pdgesvd_reference = true;  // --reference pdgesvd|none
  bool exact = true;              // time the exact (fast path) SVD too
  // joint
  int iterations = 10;  // alternating iterations per timed solve
  double lambda = 1.0;
  // butterfly
  std::string tree = "balanced";
  // io: where the temporary HDF5 file goes
  std::string dir = ".";
};

}  // namespace jf::bench
