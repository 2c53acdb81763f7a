#pragma once
// The butterfly result in the output file (README "Output format"), shared by `jointfact butterfly`
// and the pipeline:
//   /butterfly/F1 ... /butterfly/FJ   CSR groups: data (float64), indices (int64), indptr (int64),
//                                     attribute shape = [N, N]; A ~ F1 @ F2 @ ... @ FJ
//   /butterfly                        attributes rel_error (float64), tree (string), factors (J)
//   /butterfly/round_errors           float64 (rounds,): ButterflyFactorization::round_errors
//                                     (absent for N = 2, which has no split)

#include "jointfact/io/output_file.hpp"
#include "jointfact/sparse/butterfly_factorize.hpp"

namespace jf::sparse {

// Collective; every rank passes the same (replicated) factorization.
void write_butterfly(OutputFile& out, const ButterflyFactorization& result);

}  // namespace jf::sparse
