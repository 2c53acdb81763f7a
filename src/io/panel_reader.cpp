#include "io/panel_reader.hpp"

namespace jf {
namespace {

PanelLayout layout_of(hid_t dataset, const DatasetInfo& info) {
  PanelLayout layout;
  layout.rows = info.shape.at(0);
  layout.cols = info.shape.at(1);
  h5::Handle type = h5::datatype(H5Dget_type(dataset));
  layout.element_bytes = static_cast<int64_t>(H5Tget_size(type.get()));
  h5::Handle create = h5::plist(H5Dget_create_plist(dataset));
  if (H5Pget_layout(create.get()) == H5D_CHUNKED) {
    hsize_t chunk[2] = {1, 1};
    if (H5Pget_chunk(create.get(), 2, chunk) == 2) {
      layout.chunked = true;
      layout.chunk_rows = static_cast<int64_t>(chunk[0]);
      layout.chunk_cols = static_cast<int64_t>(chunk[1]);
    }
  }
  return layout;
}

}  // namespace

PanelReader::PanelReader(const DatasetInfo& info) {
  h5::silence_library_errors();
  file_ = h5::file(H5Fopen(info.file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  if (!file_.valid()) return;
  dataset_ = h5::dataset(H5Dopen2(file_.get(), info.dataset.c_str(), H5P_DEFAULT));
  if (!dataset_.valid() || info.shape.size() != 2) {
    dataset_.reset();
    return;
  }
  file_space_ = h5::dataspace(H5Dget_space(dataset_.get()));
  layout_ = layout_of(dataset_.get(), info);
}

bool PanelReader::read(int64_t row_begin, int64_t row_end, int64_t col_begin, int64_t col_end, double* tile) {
  if (row_end <= row_begin || col_end <= col_begin) return true;
  const hsize_t start[2] = {static_cast<hsize_t>(row_begin), static_cast<hsize_t>(col_begin)};
  const hsize_t count[2] = {static_cast<hsize_t>(row_end - row_begin), static_cast<hsize_t>(col_end - col_begin)};
  if (H5Sselect_hyperslab(file_space_.get(), H5S_SELECT_SET, start, nullptr, count, nullptr) < 0) return false;
  h5::Handle memory_space = h5::dataspace(H5Screate_simple(2, count, nullptr));
  const herr_t status =
      H5Dread(dataset_.get(), H5T_NATIVE_DOUBLE, memory_space.get(), file_space_.get(), H5P_DEFAULT, tile);
  bytes_read_ += static_cast<int64_t>(count[0] * count[1]) * layout_.element_bytes;
  return status >= 0;
}

}  // namespace jf
