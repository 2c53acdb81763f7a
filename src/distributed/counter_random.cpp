#include "distributed/counter_random.hpp"

#include <cmath>
#include <vector>

namespace jf {
namespace {

uint64_t splitmix64(uint64_t z) {
  z += 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// counter_hash in three steps, so fill_normal can hash the seed and stream once and each row once.
uint64_t stream_hash(uint64_t seed, uint64_t stream) { return splitmix64(splitmix64(seed) ^ stream); }
uint64_t row_hash(uint64_t stream_h, uint64_t i) { return splitmix64(stream_h ^ i); }
uint64_t entry_hash(uint64_t row_h, uint64_t j) { return splitmix64(row_h ^ (j * 0xD1B54A32D192ED03ULL)); }

// 53 random bits, shifted half a step off zero so log() below is always finite.
double to_open_unit(uint64_t hash) { return (static_cast<double>(hash >> 11) + 0.5) * 0x1.0p-53; }

double box_muller(double u1, double u2) { return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2); }

}  // namespace

uint64_t counter_hash(uint64_t seed, uint64_t stream, uint64_t i, uint64_t j) {
  return entry_hash(row_hash(stream_hash(seed, stream), i), j);
}

double counter_uniform(uint64_t seed, uint64_t stream, uint64_t i, uint64_t j) {
  return to_open_unit(counter_hash(seed, stream, i, j));
}

double counter_normal(uint64_t seed, uint64_t stream, uint64_t i, uint64_t j) {
  return box_muller(counter_uniform(seed, 2 * stream, i, j), counter_uniform(seed, 2 * stream + 1, i, j));
}

void fill_normal(DistMatrix& a, uint64_t seed, uint64_t stream, int64_t row_offset, int64_t col_offset) {
  // The same values as counter_normal, with the seed, stream and row hashes computed once, not per entry
  // (the randomized SVD fills its sketch on every run).
  const uint64_t first_h = stream_hash(seed, 2 * stream), second_h = stream_hash(seed, 2 * stream + 1);
  const int64_t local_rows = a.local_rows();
  std::vector<uint64_t> first_rows(static_cast<size_t>(local_rows)), second_rows(first_rows.size());
  for (int64_t i_lc = 0; i_lc < local_rows; ++i_lc) {
    const auto i = static_cast<uint64_t>(a.row_map().local_to_global(i_lc) + row_offset);
    first_rows[i_lc] = row_hash(first_h, i);
    second_rows[i_lc] = row_hash(second_h, i);
  }
  for (int64_t j_lc = 0; j_lc < a.local_cols(); ++j_lc) {
    const auto j = static_cast<uint64_t>(a.col_map().local_to_global(j_lc) + col_offset);
    double* column = a.data() + j_lc * a.lld();
    for (int64_t i_lc = 0; i_lc < local_rows; ++i_lc) {
      column[i_lc] =
          box_muller(to_open_unit(entry_hash(first_rows[i_lc], j)), to_open_unit(entry_hash(second_rows[i_lc], j)));
    }
  }
}

}  // namespace jf
