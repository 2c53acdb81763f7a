#include "jointfact/distributed/small_vector.hpp"

#include "jointfact/core/error.hpp"

namespace jf {

std::vector<double> replicate_small_vector(const DistMatrix& v) {
  if (v.cols() != 1) throw LibraryError("replicate_small_vector: not a single column");
  std::vector<double> values(static_cast<size_t>(v.rows()), 0.0);
  v.for_each_local([&](int64_t i_gl, int64_t, double value) { values[i_gl] = value; });
  MPI_Allreduce(MPI_IN_PLACE, values.data(), static_cast<int>(values.size()), MPI_DOUBLE, MPI_SUM, v.grid().comm());
  return values;
}

}  // namespace jf
