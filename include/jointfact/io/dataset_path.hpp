#pragma once
// FILE[:DSET] arguments and what the file says about the dataset they name.
#include <mpi.h>

#include <cstdint>
#include <string>
#include <vector>

namespace jf {

struct DatasetPath {
  std::string file;
  std::string dataset;  // "" = the file's only 2-D dataset; otherwise an absolute path like "/W"

  // Splits "W.h5:/W" or "W.h5:W" or "W.h5" at the last ':'. Text that names an existing file as a whole
  // ("run:3.h5") is that file, with the default dataset.
  static DatasetPath parse(const std::string& text);
  std::string str() const { return dataset.empty() ? file : file + ":" + dataset; }
};

struct DatasetInfo {
  std::string file;
  std::string dataset;         // resolved absolute path
  std::vector<int64_t> shape;  // row-major, as h5py shows it
  std::string dtype;           // "float64", "float32", "uint8", ...
  bool is_float = false;
  bool is_integer = false;
};

// Opens the file on rank 0 only, resolves the dataset and broadcasts the answer; every failure (no file,
// not HDF5, no such dataset, ambiguous default) becomes the same InputError on every rank.
// `want_dims` (1 or 2) selects which datasets count for the default; 0 = any.
DatasetInfo inspect_dataset(MPI_Comm comm, const DatasetPath& path, int want_dims = 2);

}  // namespace jf
