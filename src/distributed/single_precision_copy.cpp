#include "distributed/single_precision_copy.hpp"

#include <mpi.h>
#include <sys/mman.h>

#include <algorithm>
#include <cmath>
#include <new>

namespace jf {
namespace {

// Fresh pages, mapped and zeroed by the kernel up front: 400 MB took 0.10 s against 0.20 s for the page faults
// of a std::vector's first touch on this VM.
float* populated_pages(size_t bytes) {
  if (bytes == 0) return nullptr;
  void* pages = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
  if (pages == MAP_FAILED) throw std::bad_alloc();
  return static_cast<float*>(pages);
}

struct ColumnScan {
  double squares = 0, largest = 0;  // of the scaled values
};

// target := column * scale rounded to float (scale a power of two: exact); returns the scaled column's sum of
// squares and largest magnitude (four partial sums: they vectorize).
ColumnScan round_column(const double* column, int64_t rows, double scale, float* target) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0, largest = 0;
  int64_t i = 0;
  for (; i + 4 <= rows; i += 4) {
    const double v0 = column[i] * scale, v1 = column[i + 1] * scale, v2 = column[i + 2] * scale,
                 v3 = column[i + 3] * scale;
    target[i] = static_cast<float>(v0);
    target[i + 1] = static_cast<float>(v1);
    target[i + 2] = static_cast<float>(v2);
    target[i + 3] = static_cast<float>(v3);
    s0 += v0 * v0;
    s1 += v1 * v1;
    s2 += v2 * v2;
    s3 += v3 * v3;
    largest = std::max({largest, std::abs(v0), std::abs(v1), std::abs(v2), std::abs(v3)});
  }
  for (; i < rows; ++i) {
    const double v = column[i] * scale;
    target[i] = static_cast<float>(v);
    s0 += v * v;
    largest = std::max(largest, std::abs(v));
  }
  return {(s0 + s1) + (s2 + s3), largest};
}

// The local block at `scale`, then the sum of squares summed and the largest magnitude maxed over the grid (taken
// from rank 0, so that both are bit-identical everywhere).
ColumnScan round_block(const DistMatrix& a, double scale, float* target) {
  const int64_t rows = a.local_rows(), cols = a.grid().in_grid() ? a.local_cols() : 0;
  ColumnScan scan;
  for (int64_t j = 0; j < cols; ++j) {
    const ColumnScan column = round_column(a.data() + j * a.lld(), rows, scale, target + j * rows);
    scan.squares += column.squares;
    scan.largest = std::max(scan.largest, column.largest);
  }
  MPI_Comm comm = a.grid().comm();
  MPI_Allreduce(MPI_IN_PLACE, &scan.squares, 1, MPI_DOUBLE, MPI_SUM, comm);
  MPI_Allreduce(MPI_IN_PLACE, &scan.largest, 1, MPI_DOUBLE, MPI_MAX, comm);
  double both[2] = {scan.squares, scan.largest};
  MPI_Bcast(both, 2, MPI_DOUBLE, 0, comm);
  return {both[0], both[1]};
}

}  // namespace

void SinglePrecisionCopy::Unmap::operator()(float* pages) const {
  if (pages != nullptr) munmap(pages, bytes);
}

SinglePrecisionCopy::SinglePrecisionCopy(const DistMatrix& a)
    : a_(&a),
      local_(populated_pages(static_cast<size_t>(local_bytes(a))), Unmap{static_cast<size_t>(local_bytes(a))}) {
  ColumnScan scan = round_block(a, 1.0, local_.get());
  // Far from 1, float32 would overflow (|a| > 3.4e38, or sums of products) or round tiny entries absolutely
  // (subnormals); a power of two brings the largest magnitude to [0.5, 1) exactly, and the products undo it.
  const bool in_range = scan.largest == 0 || (scan.largest >= 0x1p-60 && scan.largest <= 0x1p100);
  if (!in_range || !std::isfinite(scan.squares)) {
    int exponent = 0;
    std::frexp(scan.largest, &exponent);
    scale_ = std::ldexp(1.0, -exponent);
    scan = round_block(a, scale_, local_.get());
  }
  frobenius_norm_ = std::sqrt(scan.squares) / scale_;
}

double SinglePrecisionCopy::local_bytes(const DistMatrix& a) {
  return a.grid().in_grid() ? 4.0 * static_cast<double>(a.local_rows()) * static_cast<double>(a.local_cols()) : 0.0;
}

}  // namespace jf
