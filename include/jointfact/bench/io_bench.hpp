#pragma once
// `jointfact bench io`: reading an m x n float64 HDF5 matrix into a DistMatrix (read_matrix: collective
// MPI-IO, block-cyclic selections, the NaN/Inf check) against plain sequential reads of the same file on
// one rank: H5Dread of the whole dataset and read(2) of the file's bytes, each into a new buffer (as
// h5py or numpy.fromfile would). The file is written first, so every read is served from the page cache
// (nothing is dropped); the ratio compares the code paths, not the disk.
#include "jointfact/bench/bench_record.hpp"
#include "jointfact/bench/bench_settings.hpp"

namespace jf::bench {

// Collective. Writes settings.dir/jointfact-bench-io-<pid>.h5 and removes it. Records: h5read-1rank,
// posix-read-1rank, read_matrix.
void run_io_bench(const GridPtr& grid, const MatrixSize& size, const BenchSettings& settings, BenchPrinter& out);

}  // namespace jf::bench
