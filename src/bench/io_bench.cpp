#include "jointfact/bench/io_bench.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <memory>

#include "jointfact/core/collective.hpp"
#include "jointfact/core/error.hpp"
#include "jointfact/core/log.hpp"
#include "jointfact/dist/counter_random.hpp"
#include "jointfact/io/h5_handle.hpp"
#include "jointfact/io/matrix_io.hpp"
#include "jointfact/io/output_file.hpp"

namespace jf::bench {
namespace {

// Removes the temporary file on rank 0 however the bench ends.
struct TemporaryFile {
  MPI_Comm comm;
  std::string path;
  ~TemporaryFile() {
    if (comm_rank(comm) == 0) std::remove(path.c_str());
  }
};

// The references read into a new, uninitialised buffer each time, as a serial program does (h5py's
// f["W"][...], numpy.fromfile): like read_matrix, they pay for first touching the memory they fill.

// The whole dataset into one new buffer on this rank with the serial (sec2) driver.
bool h5_read_whole(const std::string& file, const std::string& dataset, size_t count) {
  const std::unique_ptr<double[]> buffer(new double[count]);
  h5::Handle f = h5::file(H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  if (!f.valid()) return false;
  h5::Handle d = h5::dataset(H5Dopen2(f.get(), dataset.c_str(), H5P_DEFAULT));
  return d.valid() && H5Dread(d.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.get()) >= 0;
}

// Every byte of the file with read(2) into one new buffer.
bool posix_read_whole(const std::string& file, int64_t& bytes) {
  const int fd = ::open(file.c_str(), O_RDONLY);
  if (fd < 0) return false;
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    ::close(fd);
    return false;
  }
  const size_t size = static_cast<size_t>(info.st_size);
  const std::unique_ptr<char[]> buffer(new char[std::max<size_t>(size, 1)]);
  bytes = 0;
  ssize_t got = 0;
  while (static_cast<size_t>(bytes) < size && (got = ::read(fd, buffer.get() + bytes, size - bytes)) > 0) {
    bytes += got;
  }
  ::close(fd);
  return got >= 0 && static_cast<size_t>(bytes) == size;
}

}  // namespace

void run_io_bench(const GridPtr& grid, const MatrixSize& size, const BenchSettings& settings, BenchPrinter& out) {
  MPI_Comm comm = grid->comm();
  const int64_t m = size.rows, n = size.cols;
  const std::string name = settings.dir + "/jointfact-bench-io-" + std::to_string(::getpid()) + ".h5";
  TemporaryFile file{comm, broadcast_string(comm, name)};  // rank 0's pid names it
  require_writable_output(comm, file.path);
  log_progress(comm, "bench io: writing a " + size.str() + " float64 matrix to " + file.path);
  {
    DistMatrix a(grid, m, n, settings.block, settings.block);
    fill_normal(a, settings.seed, kStreamUser + 103);
    OutputFile output(comm, file.path);
    output.write_matrix("/W", a);
    output.commit();
  }
  const DatasetInfo info = inspect_dataset(comm, DatasetPath{file.path, "/W"}, 2);
  const double bytes = 8.0 * static_cast<double>(m) * static_cast<double>(n);
  const bool root = comm_rank(comm) == 0;

  // References: one rank reads everything, as a serial program would.
  log_progress(comm, "bench io: sequential reads on one rank");
  bool ok = true;
  const Measurement h5read = measure(comm, settings.reps, [&] {
    if (root) ok = h5_read_whole(file.path, "/W", static_cast<size_t>(m * n)) && ok;
  });
  int64_t file_bytes = 0;
  const Measurement posix = measure(comm, settings.reps, [&] {
    if (root) ok = posix_read_whole(file.path, file_bytes) && ok;
  });
  agree_or_throw(comm, !root || ok, "bench io: reading back '" + file.path + "' failed", kExitFailure);

  log_progress(comm, "bench io: read_matrix on " + std::to_string(comm_size(comm)) + " ranks");
  DistMatrix a;
  const Measurement parallel = measure(comm, settings.reps, [&] {
    ReadOptions read;
    read.block = settings.block;
    a = DistMatrix();
    a = read_matrix(grid, info, read);
  });

  auto with_rate = [&](Record record, const Measurement& measurement) {
    record["bytes"] = bytes;
    record["gbytes_per_second"] = measurement.best() > 0 ? bytes / measurement.best() / 1e9 : 0.0;
    return record;
  };
  const int64_t local_bytes = a.local_bytes();
  const int64_t whole = root ? static_cast<int64_t>(bytes) : 0;
  out.row(with_rate(make_record(comm, "io", "h5read-1rank", m, n, "1x1", n, whole, h5read), h5read));
  Record posix_record = with_rate(make_record(comm, "io", "posix-read-1rank", m, n, "1x1", n, 0, posix), posix);
  posix_record["file_bytes"] = max_over_ranks(comm, static_cast<double>(file_bytes));
  out.row(posix_record);
  Record record = with_rate(make_record(comm, "io", "read_matrix", m, n, grid->describe(), settings.block,
                                        local_bytes, parallel), parallel);
  // speedup_vs_X = X's time / read_matrix's time: the target is >= 0.5 against the sequential reads.
  add_reference(record, "h5read_1rank", h5read.best());
  add_reference(record, "posix_read_1rank", posix.best());
  out.row(record);
}

}  // namespace jf::bench
