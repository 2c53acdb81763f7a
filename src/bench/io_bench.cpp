#include "bench/io_bench.hpp"

#include <stdio.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <vector>

#include "distributed/counter_random.hpp"
#include "jointfact/core/collective.hpp"
#include "jointfact/core/error.hpp"
#include "jointfact/core/log.hpp"
#include "jointfact/io/h5_handle.hpp"
#include "jointfact/io/matrix_io.hpp"
#include "jointfact/io/value_bounds.hpp"

namespace jf::bench {
namespace {

struct Layout {
  std::string name;
  bool float32 = false;
  bool chunked = false;
  int gzip_level = 0;  // 0 = no compression
};

const std::vector<Layout> kLayouts = {
    {"f64", false, false, 0}, {"f32", true, false, 0}, {"chunk", false, true, 0}, {"gzip4", false, true, 4}};

// Removes the temporary file on rank 0 however the bench ends.
struct TemporaryFile {
  MPI_Comm comm;
  std::string path;
  ~TemporaryFile() {
    if (comm_rank(comm) == 0) std::remove(path.c_str());
  }
};

// Writes the m x n matrix counter_normal(seed, ...) serially (rank 0, sec2 driver) in bands of rows, in the
// layout's type, chunking and compression: the file a Python user would hand in.
bool write_layout_file(const std::string& path, int64_t m, int64_t n, const Layout& layout, uint64_t seed) {
  h5::Handle file = h5::file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
  if (!file.valid()) return false;
  const hsize_t dims[2] = {hsize_t(m), hsize_t(n)};
  h5::Handle space = h5::dataspace(H5Screate_simple(2, dims, nullptr));
  h5::Handle dcpl = h5::plist(H5Pcreate(H5P_DATASET_CREATE));
  if (layout.chunked) {
    const auto [rows, cols] = h5py_chunk_shape(m, n, layout.float32 ? 4 : 8);
    const hsize_t chunk[2] = {hsize_t(rows), hsize_t(cols)};
    H5Pset_chunk(dcpl.get(), 2, chunk);
    if (layout.gzip_level > 0) H5Pset_deflate(dcpl.get(), static_cast<unsigned>(layout.gzip_level));
  }
  const hid_t file_type = layout.float32 ? H5T_IEEE_F32LE : H5T_IEEE_F64LE;
  h5::Handle dset =
      h5::dataset(H5Dcreate2(file.get(), "/W", file_type, space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT));
  if (!dset.valid()) return false;
  const int64_t band = std::max<int64_t>(1, (int64_t{8} << 20) / (8 * std::max<int64_t>(n, 1)));
  std::vector<double> values;
  for (int64_t row = 0; row < m; row += band) {
    const int64_t rows = std::min(band, m - row);
    values.resize(static_cast<size_t>(rows * n));
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < n; ++j) values[i * n + j] = counter_normal(seed, kStreamUser + 103, row + i, j);
    const hsize_t start[2] = {hsize_t(row), 0}, count[2] = {hsize_t(rows), hsize_t(n)};
    H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, start, nullptr, count, nullptr);
    h5::Handle memory = h5::dataspace(H5Screate_simple(2, count, nullptr));
    const herr_t status =
        H5Dwrite(dset.get(), H5T_NATIVE_DOUBLE, memory.get(), space.get(), H5P_DEFAULT, values.data());
    if (status < 0) return false;
  }
  return true;
}

// The whole dataset into one new buffer of the file's type on this rank (serial driver), as h5py does.
bool h5_read_whole(const std::string& file, bool float32, size_t count) {
  const std::unique_ptr<char[]> buffer(new char[std::max<size_t>(count, 1) * (float32 ? 4 : 8)]);
  h5::Handle f = h5::file(H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  if (!f.valid()) return false;
  h5::Handle d = h5::dataset(H5Dopen2(f.get(), "/W", H5P_DEFAULT));
  const hid_t type = float32 ? H5T_NATIVE_FLOAT : H5T_NATIVE_DOUBLE;
  return d.valid() && H5Dread(d.get(), type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.get()) >= 0;
}

// h5py's read of the whole dataset, f["W"][...] with the file's open, timed inside a Python process that
// rank 0 starts (the interpreter's start is not counted); a negative value when Python or h5py is missing.
double h5py_read_seconds(const std::string& file) {
  const std::string command =
      "/usr/bin/python3 -c 'import sys, time, h5py\nt = time.perf_counter()\n"
      "with h5py.File(sys.argv[1], \"r\") as f: a = f[\"W\"][...]\n"
      "print(time.perf_counter() - t)' '" +
      file + "' 2>/dev/null";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return -1;
  double seconds = -1;
  if (std::fscanf(pipe, "%lf", &seconds) != 1) seconds = -1;
  return ::pclose(pipe) == 0 ? seconds : -1;
}

// 1, 2, 4, ... up to the number of ranks (and that number itself).
std::vector<int> rank_counts(int nranks) {
  std::vector<int> counts;
  for (int p = 1; p < nranks; p *= 2) counts.push_back(p);
  counts.push_back(nranks);
  return counts;
}

void bench_layout(MPI_Comm comm, const Layout& layout, const MatrixSize& size, const BenchSettings& settings,
                  BenchPrinter& out) {
  const int64_t m = size.rows, n = size.cols;
  const bool root = comm_rank(comm) == 0;
  const std::string name = settings.dir + "/jointfact-bench-io-" + std::to_string(::getpid()) + "-" + layout.name;
  TemporaryFile file{comm, broadcast_string(comm, name + ".h5")};  // rank 0's pid names it
  log_progress(comm, "bench io: writing a " + size.str() + " " + layout.name + " matrix to " + file.path);
  bool written = true;
  if (root) written = write_layout_file(file.path, m, n, layout, settings.seed);
  agree_or_throw(comm, !root || written, "bench io: cannot write '" + file.path + "'", kExitFailure);
  const DatasetInfo info = inspect_dataset(comm, DatasetPath{file.path, "/W"}, 2);
  const double bytes = static_cast<double>(m) * static_cast<double>(n) * (layout.float32 ? 4 : 8);

  bool ok = true;
  const Measurement h5read = measure(comm, settings.reps, [&] {
    if (root) ok = h5_read_whole(file.path, layout.float32, static_cast<size_t>(m * n)) && ok;
  });
  agree_or_throw(comm, !root || ok, "bench io: reading back '" + file.path + "' failed", kExitFailure);
  auto with_rate = [&](Record record, const Measurement& measurement) {
    record["layout"] = layout.name;
    record["file_type_bytes"] = bytes;
    record["gbytes_per_second"] = measurement.best() > 0 ? bytes / measurement.best() / 1e9 : 0.0;
    return record;
  };
  const int64_t whole = root ? static_cast<int64_t>(8.0 * m * n) : 0;
  out.row(with_rate(make_record(comm, "io", "h5read/" + layout.name, m, n, "1x1", n, whole, h5read), h5read));
  // h5py in its own process, the user's reference; repetitions alternate with those of `info` below.
  std::vector<double> h5py_seconds;

  for (int ranks : rank_counts(comm_size(comm))) {
    MPI_Comm part;
    MPI_Comm_split(comm, comm_rank(comm) < ranks ? 0 : MPI_UNDEFINED, comm_rank(comm), &part);
    GridPtr grid;
    if (part != MPI_COMM_NULL) grid = make_grid(part, GridShape::for_matrix(ranks, m, n, settings.block));
    int64_t local_bytes = 0;
    const Measurement parallel = measure(comm, settings.reps, [&] {
      if (!grid) return;
      ReadOptions read;
      read.block = settings.block;
      const DistMatrix a = read_matrix(grid, info, read);
      local_bytes = a.local_bytes();
    });
    std::string grid_name = grid ? grid->describe() : "";
    grid_name = broadcast_string(comm, grid_name);
    Record record = with_rate(make_record(comm, "io", "read/" + layout.name + "/P" + std::to_string(ranks), m, n,
                                          grid_name, settings.block, local_bytes, parallel),
                              parallel);
    record["read_ranks"] = ranks;
    add_reference(record, "h5read_1rank", h5read.best());
    out.row(record);
    // What `jointfact info` does after MPI_Init (read_matrix with the value summary and norm):
    // its command time minus an empty mpirun. Each repetition is paired with one of h5py's reads.
    std::vector<double> info_over_h5py;
    Measurement info_command;
    for (int rep = 0; rep < std::max(settings.reps, 1); ++rep) {
      double h5py = -1;
      if (root) h5py = h5py_read_seconds(file.path);
      MPI_Bcast(&h5py, 1, MPI_DOUBLE, 0, comm);
      const Measurement one = measure(comm, 1, [&] {
        if (!grid) return;
        ReadOptions read;
        read.block = settings.block;
        read.require_finite = false;
        ValuesAndNorm values;
        const DistMatrix a = read_matrix(grid, info, read, values);
      });
      if (rep == 0) {
        info_command = one;
      } else {
        info_command.seconds.push_back(one.seconds.front());
      }
      if (h5py > 0) {
        h5py_seconds.push_back(h5py);
        info_over_h5py.push_back(one.seconds.front() / h5py);
      }
    }
    Record info_record = with_rate(make_record(comm, "io", "info/" + layout.name + "/P" + std::to_string(ranks), m, n,
                                               grid_name, settings.block, local_bytes, info_command),
                                   info_command);
    info_record["read_ranks"] = ranks;
    if (!info_over_h5py.empty()) {
      std::sort(info_over_h5py.begin(), info_over_h5py.end());
      info_record["info_over_h5py_median"] = info_over_h5py[info_over_h5py.size() / 2];
      info_record["info_over_h5py_each"] = info_over_h5py;
      add_reference(info_record, "h5py_1process", *std::min_element(h5py_seconds.begin(), h5py_seconds.end()));
    }
    out.row(info_record);
    if (!info_over_h5py.empty()) {
      std::string each;
      for (double r : info_over_h5py) each += format_number(" %.2f", r);
      out.note("io " + layout.name + " P=" + std::to_string(ranks) + ": (info) / (h5py read, one process) =" + each +
               " (pairs, sorted); median " + format_number("%.2f", info_over_h5py[info_over_h5py.size() / 2]) +
               " (target at P=2: <= 1.5)");
    }
    grid.reset();
    if (part != MPI_COMM_NULL) MPI_Comm_free(&part);
  }
}

}  // namespace

std::pair<int64_t, int64_t> h5py_chunk_shape(int64_t rows, int64_t cols, int64_t type_size) {
  constexpr double kBase = 16 * 1024, kMin = 8 * 1024, kMax = 1024 * 1024;
  int64_t chunk[2] = {std::max<int64_t>(rows, 1), std::max<int64_t>(cols, 1)};
  const double dataset_bytes = static_cast<double>(chunk[0]) * static_cast<double>(chunk[1]) * type_size;
  const double scaled = kBase * std::pow(2.0, std::log10(dataset_bytes / (1024.0 * 1024)));
  const double target = std::min(kMax, std::max(kMin, scaled));
  for (int index = 0;; ++index) {
    const double chunk_bytes = static_cast<double>(chunk[0]) * static_cast<double>(chunk[1]) * type_size;
    const bool small = chunk_bytes < target || std::abs(chunk_bytes - target) / target < 0.5;
    if ((small && chunk_bytes < kMax) || chunk[0] * chunk[1] == 1) break;
    chunk[index % 2] = (chunk[index % 2] + 1) / 2;
  }
  return {chunk[0], chunk[1]};
}

void run_io_bench(const GridPtr& grid, const MatrixSize& size, const BenchSettings& settings, BenchPrinter& out) {
  for (const Layout& layout : kLayouts) bench_layout(grid->comm(), layout, size, settings, out);
}

}  // namespace jf::bench
