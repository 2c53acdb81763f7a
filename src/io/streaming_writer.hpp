#pragma once
// Writes a DistMatrix into an existing contiguous (m, n) dataset (or 1-D (m) for an m x 1 matrix) in
// rounds: the owners send each round's values by one all-to-all to the ranks that write them as whole-row
// slabs, spread over every rank. No rank copies its whole local part; the buffers are one round's size.
// Collective over a.grid().comm(); returns false on a rank where HDF5 failed (the caller agrees on it).
#include <hdf5.h>

#include "jointfact/distributed/dist_matrix.hpp"

namespace jf::io {

bool write_streaming(hid_t dset, const DistMatrix& a);

}  // namespace jf::io
