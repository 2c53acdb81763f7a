#pragma once
// `jointfact bench io`: reading an m x n HDF5 matrix into a DistMatrix (read_matrix: the streaming reader,
// the all-to-all to block-cyclic, the NaN/Inf check) against a plain sequential read of the same dataset on
// one rank (H5Dread of the whole dataset into a new buffer of the file's type, as h5py's f["W"][...] does,
// paying the same decompression). Four files in the layouts users hand in: contiguous float64 ("f64"),
// contiguous float32 ("f32"), chunked float64 with h5py's default chunk shape ("chunk"), and the same with
// gzip level 4 ("gzip4"). read_matrix runs on the first P = 1, 2, 4, ... ranks (up to all of them), on the
// default grid for the shape. Every file is written first, so the reads come from the page cache (nothing
// is dropped): the ratio compares the code paths, not the disk. Per P, the row info/<layout>/P<P> times what
// `jointfact info` does after MPI_Init (read_matrix, its value summary gathered while reading) — the command's time
// minus an empty mpirun — each repetition paired with h5py's read of the same file in a Python process started by rank
// 0
// (/usr/bin/python3 with h5py; skipped without it), and a note line prints info / h5py per pair.
#include "bench/bench_record.hpp"
#include "bench/bench_settings.hpp"

namespace jf::bench {

// Collective. Writes settings.dir/jointfact-bench-io-<pid>-<layout>.h5 and removes them. Records per
// layout: h5read/<layout> (one rank), read/<layout>/P<P> for each P (read_ranks = P, speedup_vs_h5read_1rank)
// and info/<layout>/P<P> (info_over_h5py_median, info_over_h5py_each, speedup_vs_h5py_1process).
void run_io_bench(const GridPtr& grid, const MatrixSize& size, const BenchSettings& settings, BenchPrinter& out);

// h5py's default chunk shape for a dataset of (rows, cols) elements of `type_size` bytes (h5py's guess_chunk).
std::pair<int64_t, int64_t> h5py_chunk_shape(int64_t rows, int64_t cols, int64_t type_size);

}  // namespace jf::bench
