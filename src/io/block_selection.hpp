#pragma once
// The HDF5 hyperslab that covers exactly one rank's block-cyclic part of a row-major (m, n) dataset
// (or of a 1-D dataset of length m for an m x 1 matrix). Shared by the reader and the writer.
#include <hdf5.h>

#include <cstdint>

#include "jointfact/distributed/dist_matrix.hpp"

namespace jf::h5 {

// Selects this rank's elements in `file_space` (select-none when it owns nothing). Elements come out in
// row-major order of the file, i.e. the local block transposed.
void select_local_part(hid_t file_space, const DistMatrix& a, bool file_is_1d);

// The same, restricted to the global rows [row_begin, row_end): one band of a read done in bands.
void select_local_rows(hid_t file_space, const DistMatrix& a, bool file_is_1d, int64_t row_begin, int64_t row_end);

// Copies between local column-major storage and the row-major transfer buffer.
void local_to_row_major(const DistMatrix& a, double* buffer);
void row_major_to_local(const double* buffer, DistMatrix& a);

// Copies a row-major buffer holding local rows [i_lc_begin, i_lc_end) (all local columns) into `a`.
void row_major_rows_to_local(const double* buffer, DistMatrix& a, int64_t i_lc_begin, int64_t i_lc_end);

}  // namespace jf::h5
