#pragma once
// The FSMF result in the output file (README "Output format"), shared by `jointfact fsmf` and the
// pipeline:
//   /fsmf/X (m, r), /fsmf/Y (n, r)   float64, zero off their supports
//   /fsmf                            attributes rel_error, greedy_rel_error (float64),
//                                    optimal (uint8 0/1: the classes were pairwise disjoint)
//   /fsmf/history                    float64 (sweeps,): rel_error after each refinement sweep
//                                    (absent when no refinement ran, e.g. optimal = 1)

#include "jointfact/distributed/grid.hpp"
#include "jointfact/io/output_file.hpp"
#include "jointfact/sparse/fsmf.hpp"

namespace jf::sparse {

// Collective; every rank passes the same (replicated) result. X and Y are written as DistMatrix
// on `grid` with block size `block`, each rank filling its own part.
void write_fsmf(OutputFile& out, const GridPtr& grid, const FsmfResult& result,
                int64_t block = DistMatrix::kDefaultBlock);

}  // namespace jf::sparse
