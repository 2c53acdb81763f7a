#pragma once
// Reads rectangular tiles of a 2-D HDF5 dataset on one rank, independently of the other ranks (the file
// is opened read-only with HDF5's default POSIX driver, so ranks reading different tiles never wait for
// each other). The out-of-core SVD streams A through it tile by tile; tiles that cover whole chunks of
// a chunked (e.g. gzip-compressed) dataset make every chunk be read and decompressed once per pass.
#include <hdf5.h>

#include <cstdint>
#include <string>

#include "jointfact/io/dataset_path.hpp"
#include "jointfact/io/h5_handle.hpp"

namespace jf {

struct PanelLayout {
  int64_t rows = 0, cols = 0;
  bool chunked = false;
  int64_t chunk_rows = 1, chunk_cols = 1;  // 1 x 1 for contiguous datasets
  int64_t element_bytes = 8;               // in the file: 8 (float64) or 4 (float32)
};

class PanelReader {
 public:
  // Precondition: info describes a 2-D float dataset (inspect_dataset). Never throws: when the file or
  // dataset cannot be opened on this rank, open() is false (callers agree on it before any collective).
  explicit PanelReader(const DatasetInfo& info);

  bool open() const { return dataset_.valid(); }

  const PanelLayout& layout() const { return layout_; }

  // Rows [row_begin, row_end) x columns [col_begin, col_end) into `tile`, row-major, leading dimension
  // col_end - col_begin, converted to double. False when HDF5 fails (truncated or corrupt file).
  bool read(int64_t row_begin, int64_t row_end, int64_t col_begin, int64_t col_end, double* tile);

  // Bytes of the file's elements read so far by this reader.
  int64_t bytes_read() const { return bytes_read_; }

 private:
  h5::Handle file_, dataset_, file_space_;
  PanelLayout layout_;
  int64_t bytes_read_ = 0;
};

}  // namespace jf
