#include "jointfact/dist/fingerprint.hpp"

#include <cstring>

#include "jointfact/core/hash.hpp"
#include "jointfact/dist/counter_random.hpp"

namespace jf {

std::string matrix_fingerprint(const DistMatrix& a) {
  unsigned long long sum = 0;
  a.for_each_local([&](int64_t i_gl, int64_t j_gl, double value) {
    uint64_t bits = 0;
    std::memcpy(&bits, &value, sizeof bits);
    sum += counter_hash(bits, 0x5eed, static_cast<uint64_t>(i_gl), static_cast<uint64_t>(j_gl));
  });
  MPI_Allreduce(MPI_IN_PLACE, &sum, 1, MPI_UNSIGNED_LONG_LONG, MPI_SUM, a.grid().comm());
  return std::to_string(a.rows()) + "x" + std::to_string(a.cols()) + ":" + to_hex(sum);
}

}  // namespace jf
