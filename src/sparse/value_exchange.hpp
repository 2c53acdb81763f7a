#pragma once
// One MPI_Alltoallv of doubles, packed in a canonical order that both sides can enumerate, so
// only values travel (no indices). Private to the sparse module.
//
// Usage: the sender counts what goes where (count), allocates, writes each destination's values
// in the agreed order (put), then exchange(); the receiver reads each source's values in the
// same order (take) and finally checks that every stream was consumed exactly (finish).

#include <mpi.h>

#include <cstdint>
#include <vector>

namespace jf::sparse::detail {

class ValueExchange {
 public:
  explicit ValueExchange(MPI_Comm comm);

  // --- sending side
  void count(int dest, std::int64_t values) { send_counts_[dest] += values; }
  void allocate_send();  // after all counts
  void put(int dest, double value) { send_[send_cursor_[dest]++] = value; }

  // Collective: sizes are exchanged first; throws LibraryError if a count exceeds MPI's int.
  void exchange();

  // --- receiving side
  double take(int source) { return recv_[recv_cursor_[source]++]; }
  std::int64_t received_from(int source) const { return recv_counts_[source]; }
  // Throws std::logic_error if the sender's and the receiver's enumerations disagreed.
  void finish() const;

 private:
  MPI_Comm comm_;
  int size_ = 1;
  std::vector<std::int64_t> send_counts_, send_cursor_, recv_counts_, recv_cursor_;
  std::vector<double> send_, recv_;
};

}  // namespace jf::sparse::detail
