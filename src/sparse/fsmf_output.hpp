#pragma once
// The FSMF result in the output file (README "Output format"), shared by `jointfact fsmf` and the
// pipeline:
//   /fsmf/X (m, r), /fsmf/Y (n, r)   float64, zero off their supports
//   /fsmf                            attributes rel_error, greedy_rel_error (float64),
//                                    optimal (uint8 0/1: the classes were pairwise disjoint)
//   /fsmf/history                    float64 (sweeps,): rel_error after each refinement sweep
//                                    (absent when no refinement ran, e.g. optimal = 1)

#include "jointfact/io/output_file.hpp"
#include "jointfact/sparse/distributed_fsmf.hpp"

namespace jf::sparse {

// Collective; X and Y are written from their distributed parts, each rank its own (no rank gathers them).
void write_fsmf(OutputFile& out, const DistributedFsmfResult& result);

}  // namespace jf::sparse
