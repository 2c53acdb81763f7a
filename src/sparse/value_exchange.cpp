#include "value_exchange.hpp"

#include <climits>
#include <stdexcept>
#include <string>

#include "jointfact/core/error.hpp"

namespace jf::sparse::detail {

namespace {

std::vector<int> as_mpi_counts(const std::vector<std::int64_t>& counts, std::vector<int>& displs) {
  std::vector<int> narrow(counts.size());
  displs.assign(counts.size(), 0);
  std::int64_t offset = 0;
  for (std::size_t r = 0; r < counts.size(); ++r) {
    if (counts[r] > INT_MAX || offset > INT_MAX)
      throw LibraryError("sparse exchange: " + std::to_string(offset + counts[r]) +
                         " values exceed MPI's int counts; run on more ranks");
    narrow[r] = static_cast<int>(counts[r]);
    displs[r] = static_cast<int>(offset);
    offset += counts[r];
  }
  return narrow;
}

std::vector<std::int64_t> offsets_of(const std::vector<std::int64_t>& counts) {
  std::vector<std::int64_t> offsets(counts.size(), 0);
  for (std::size_t r = 1; r < counts.size(); ++r) offsets[r] = offsets[r - 1] + counts[r - 1];
  return offsets;
}

}  // namespace

ValueExchange::ValueExchange(MPI_Comm comm) : comm_(comm) {
  MPI_Comm_size(comm_, &size_);
  send_counts_.assign(size_, 0);
  recv_counts_.assign(size_, 0);
}

void ValueExchange::allocate_send() {
  send_cursor_ = offsets_of(send_counts_);
  send_.resize(static_cast<std::size_t>(send_cursor_.back() + send_counts_.back()));
}

void ValueExchange::exchange() {
  // Every destination's stream must be complete before it is sent.
  const std::vector<std::int64_t> starts = offsets_of(send_counts_);
  for (int r = 0; r < size_; ++r)
    if (send_cursor_[r] != starts[r] + send_counts_[r])
      throw std::logic_error("sparse exchange: " + std::to_string(send_cursor_[r] - starts[r]) + " of " +
                             std::to_string(send_counts_[r]) + " values packed for rank " + std::to_string(r));
  MPI_Alltoall(send_counts_.data(), 1, MPI_INT64_T, recv_counts_.data(), 1, MPI_INT64_T, comm_);
  std::vector<int> send_displs, recv_displs;
  const std::vector<int> send_counts = as_mpi_counts(send_counts_, send_displs);
  const std::vector<int> recv_counts = as_mpi_counts(recv_counts_, recv_displs);
  recv_cursor_ = offsets_of(recv_counts_);
  recv_.resize(static_cast<std::size_t>(recv_cursor_.back() + recv_counts_.back()));
  MPI_Alltoallv(send_.data(), send_counts.data(), send_displs.data(), MPI_DOUBLE, recv_.data(), recv_counts.data(),
                recv_displs.data(), MPI_DOUBLE, comm_);
  std::vector<double>().swap(send_);  // the send side is done: release its memory now
}

void ValueExchange::finish() const {
  const std::vector<std::int64_t> starts = offsets_of(recv_counts_);
  for (int r = 0; r < size_; ++r)
    if (recv_cursor_[r] != starts[r] + recv_counts_[r])
      throw std::logic_error("sparse exchange: " + std::to_string(recv_cursor_[r] - starts[r]) + " of " +
                             std::to_string(recv_counts_[r]) + " values from rank " + std::to_string(r) + " consumed");
}

}  // namespace jf::sparse::detail
