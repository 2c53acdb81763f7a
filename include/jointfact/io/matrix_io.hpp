#pragma once
// Collective (MPI-IO) reads of HDF5 datasets into DistMatrix. Each rank selects exactly its
// block-cyclic part of the row-major file; the transposition into column-major local storage is done here.
#include <cstdint>
#include <string>

#include "jointfact/distributed/dist_matrix.hpp"
#include "jointfact/io/dataset_path.hpp"
#include "jointfact/io/value_bounds.hpp"

namespace jf {

struct ReadOptions {
  int64_t block = DistMatrix::kDefaultBlock;
  bool allow_integer = false;  // e.g. 0/1 support masks
  bool require_finite = true;  // NaN/Inf -> InputError naming the first position
};

// A 2-D dataset (m, n) -> m x n DistMatrix. float64 is read as is, float32 converted.
DistMatrix read_matrix(GridPtr grid, const DatasetPath& path, const ReadOptions& options = {});
DistMatrix read_matrix(GridPtr grid, const DatasetInfo& info, const ReadOptions& options = {});
// The same, also setting `values` to scan_values(result), gathered while reading (no extra pass).
DistMatrix read_matrix(GridPtr grid, const DatasetInfo& info, const ReadOptions& options, ValuesAndNorm& values);

// A 1-D dataset of length m -> m x 1 DistMatrix (a 2-D (m, 1) dataset is accepted too).
DistMatrix read_vector(GridPtr grid, const DatasetPath& path, const ReadOptions& options = {});

// Throws InputError on every rank if A has a NaN or Inf, naming `what` and the (row, col) of the first one.
void require_finite(const DistMatrix& a, const std::string& what);

}  // namespace jf
