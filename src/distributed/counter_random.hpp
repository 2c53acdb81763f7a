#pragma once
// Counter-based random numbers: each value is a pure function of (seed, stream, i, j), so a matrix is
// the same on any grid, block size or rank count, and tests can compare runs bit for bit.
#include <cstdint>

#include "jointfact/distributed/dist_matrix.hpp"

namespace jf {

// A 64-bit hash of the counter (splitmix64 finaliser applied per coordinate).
uint64_t counter_hash(uint64_t seed, uint64_t stream, uint64_t i, uint64_t j);
// Uniform on the open interval (0, 1).
double counter_uniform(uint64_t seed, uint64_t stream, uint64_t i, uint64_t j);
// Standard normal (Box-Muller on two independent uniforms).
double counter_normal(uint64_t seed, uint64_t stream, uint64_t i, uint64_t j);

// A(i, j) = counter_normal(seed, stream, i + row_offset, j + col_offset) for every entry.
void fill_normal(DistMatrix& a, uint64_t seed, uint64_t stream, int64_t row_offset = 0, int64_t col_offset = 0);

// Named streams so that different uses of one seed never share random numbers.
enum RandomStream : uint64_t {
  kStreamLowrankU = 1,
  kStreamLowrankV = 2,
  kStreamLowrankNoise = 3,
  kStreamTargetsNoise = 4,
  kStreamButterflyFactors = 5,
  kStreamSketch = 16,  // randomized SVD test matrices
  kStreamUser = 1024,  // tests and tools pick streams from here up
};

}  // namespace jf
