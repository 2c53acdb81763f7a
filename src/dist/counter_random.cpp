#include "jointfact/dist/counter_random.hpp"

#include <cmath>

namespace jf {
namespace {

uint64_t splitmix64(uint64_t z) {
  z += 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

}  // namespace

uint64_t counter_hash(uint64_t seed, uint64_t stream, uint64_t i, uint64_t j) {
  uint64_t h = splitmix64(seed);
  h = splitmix64(h ^ stream);
  h = splitmix64(h ^ i);
  return splitmix64(h ^ (j * 0xD1B54A32D192ED03ULL));
}

double counter_uniform(uint64_t seed, uint64_t stream, uint64_t i, uint64_t j) {
  // 53 random bits, shifted half a step off zero so log() below is always finite.
  return (static_cast<double>(counter_hash(seed, stream, i, j) >> 11) + 0.5) * 0x1.0p-53;
}

double counter_normal(uint64_t seed, uint64_t stream, uint64_t i, uint64_t j) {
  const double u1 = counter_uniform(seed, 2 * stream, i, j);
  const double u2 = counter_uniform(seed, 2 * stream + 1, i, j);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

void fill_normal(DistMatrix& a, uint64_t seed, uint64_t stream, int64_t row_offset, int64_t col_offset) {
  a.for_each_local([&](int64_t i_gl, int64_t j_gl, double& value) {
    value = counter_normal(seed, stream, static_cast<uint64_t>(i_gl + row_offset),
                           static_cast<uint64_t>(j_gl + col_offset));
  });
}

}  // namespace jf
