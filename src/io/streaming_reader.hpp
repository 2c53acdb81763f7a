#pragma once
// Reads a 2-D (m, n) or 1-D (m) dataset into an m x n (or m x 1) DistMatrix in pieces that follow the
// file's layout: whole-row slabs of a contiguous dataset spread over every rank of the communicator, or
// whole chunks of a chunked (possibly compressed) one, each read and decompressed once by one rank. Each
// round's pieces then move to the block-cyclic layout by one all-to-all. float32 is read as float32 (so
// MPI-IO stays collective) and converted in memory; other non-double types are converted by HDF5.
// Returns the scan (value_bounds.hpp) of a's local part, taken while the values are written into it: over
// all ranks, each entry once, so finish_scan(a, scan) summarizes `a` without another pass over it.
// Writes every local value of `a`, which may be constructed DistMatrix::Unset (its pages are then mapped in
// one system call first).
// Collective over a.grid().comm(); throws InputError on every rank when the file cannot be opened or read.
#include "jointfact/distributed/dist_matrix.hpp"
#include "jointfact/io/dataset_path.hpp"
#include "jointfact/io/value_bounds.hpp"

namespace jf::io {

ValueScan read_streaming(const DatasetInfo& info, DistMatrix& a, bool file_is_1d);

}  // namespace jf::io
