#include "streaming_writer.hpp"

#include <algorithm>
#include <vector>

#include "jointfact/io/h5_handle.hpp"
#include "tile_exchange.hpp"
#include "tile_plan.hpp"

namespace jf::io {

bool write_streaming(hid_t dset, const DistMatrix& a) {
  const int nranks = a.grid().size(), rank = a.grid().rank();
  const TilePlan plan =
      plan_for_contiguous(a.rows(), a.cols(), a.row_block(), a.grid().prows(), a.grid().pcols(), nranks);
  h5::Handle file_space = h5::dataspace(H5Dget_space(dset));
  h5::Handle transfer = h5::plist(H5Pcreate(H5P_DATASET_XFER));
  H5Pset_dxpl_mpio(transfer.get(), H5FD_MPIO_COLLECTIVE);
  std::vector<double> values;
  ExchangeBuffers buffers;
  bool ok = true;
  for (int64_t round = 0; round < plan.rounds(); ++round) {
    const int64_t count = tile_values(plan, round, rank);
    values.resize(std::max(values.size(), static_cast<size_t>(std::max<int64_t>(count, 1))));
    block_cyclic_to_tiles(plan, round, a, values.data(), buffers);
    H5Sselect_none(file_space.get());
    for (const Tile& tile : plan.tiles_of(round, rank)) {
      const hsize_t start[2] = {hsize_t(tile.row_begin), hsize_t(tile.col_begin)};
      const hsize_t counts[2] = {hsize_t(tile.rows()), hsize_t(tile.cols())};
      H5Sselect_hyperslab(file_space.get(), H5S_SELECT_OR, start, nullptr, counts, nullptr);  // 1-D uses [0]
    }
    const hsize_t mem_dims[1] = {hsize_t(std::max<int64_t>(count, 1))};
    h5::Handle mem_space = h5::dataspace(H5Screate_simple(1, mem_dims, nullptr));
    if (count == 0) H5Sselect_none(mem_space.get());
    ok = H5Dwrite(dset, H5T_NATIVE_DOUBLE, mem_space.get(), file_space.get(), transfer.get(), values.data()) >= 0 && ok;
  }
  return ok;
}

}  // namespace jf::io
