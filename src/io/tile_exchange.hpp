#pragma once
// Moves a round's tiles (row-major pieces of the file, one set per rank: see tile_plan.hpp) to and from
// the block-cyclic local storage of a DistMatrix with one MPI all-to-all. Collective over a.grid().comm(),
// whose size must equal plan.nranks(). Memory: one send and one receive buffer of the round's size.
#include <cstdint>
#include <memory>

#include "jointfact/distributed/dist_matrix.hpp"
#include "jointfact/io/value_bounds.hpp"
#include "tile_plan.hpp"

namespace jf::io {

// The send and receive buffers, kept from round to round (they only grow), so that each round does not
// pay for fresh pages.
class ExchangeBuffers {
 public:
  double* send_buffer(int64_t count) { return grown(send_, send_capacity_, count); }
  double* receive_buffer(int64_t count) { return grown(receive_, receive_capacity_, count); }

 private:
  static double* grown(std::unique_ptr<double[]>& buffer, int64_t& capacity, int64_t count);
  std::unique_ptr<double[]> send_, receive_;
  int64_t send_capacity_ = 0, receive_capacity_ = 0;
};

// `values` holds this rank's tiles of the round, row-major, concatenated in plan.tiles_of order; T is
// double or float (converted here, so that a float32 file is read in its own type). `scan` takes in every
// value this rank writes into a's local storage, in the same pass (over all ranks and rounds: each entry once).
template <class T>
void tiles_to_block_cyclic(const TilePlan& plan, int64_t round, const T* values, DistMatrix& a,
                           ExchangeBuffers& buffers, ValueScan& scan);

// The reverse: fills `values` (sized as the sum of this rank's tile counts) from a's owners.
void block_cyclic_to_tiles(const TilePlan& plan, int64_t round, const DistMatrix& a, double* values,
                           ExchangeBuffers& buffers);

// Number of doubles of this rank's tiles in `round`.
int64_t tile_values(const TilePlan& plan, int64_t round, int rank);

}  // namespace jf::io
