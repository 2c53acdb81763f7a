// PMPI interposition: these definitions of MPI's send and collective entry points count the payload
// bytes each rank hands to MPI, then call the real implementation (PMPI_*). They take effect in an
// executable that links this object (CMake target jointfact_mpi_byte_counter; the jointfact binary does,
// the library does not), including the calls ScaLAPACK's BLACS makes (the executable exports these symbols
// because libscalapack references them). Collectives
// count what leaves this rank in the simplest algorithm (a bcast root sends P - 1 copies, an allreduce
// contributor n elements), not what the MPI library's tree actually moves. MPI-IO traffic (HDF5) and
// OpenMPI's internal point-to-point inside collectives are not counted.
#include <mpi.h>

#include "app/mpi_traffic.hpp"

namespace {

long long g_bytes = 0;
long long g_calls = 0;

void count(int count, MPI_Datatype type) {
  int size = 0;
  if (count > 0 && type != MPI_DATATYPE_NULL && PMPI_Type_size(type, &size) == MPI_SUCCESS) {
    g_bytes += static_cast<long long>(count) * size;
  }
  ++g_calls;
}

int comm_size(MPI_Comm comm) {
  int size = 1;
  PMPI_Comm_size(comm, &size);
  return size;
}

int comm_rank_of(MPI_Comm comm) {
  int rank = 0;
  PMPI_Comm_rank(comm, &rank);
  return rank;
}

jf::MpiTraffic read_counts() { return {g_bytes, g_calls}; }

void reset_counts() {
  g_bytes = 0;
  g_calls = 0;
}

// Registers the counter with the application when this object is linked into an executable.
const bool g_installed = (jf::install_mpi_traffic_counter({&read_counts, &reset_counts}), true);

}  // namespace

extern "C" {

int MPI_Send(const void* buf, int n, MPI_Datatype type, int dest, int tag, MPI_Comm comm) {
  count(n, type);
  return PMPI_Send(buf, n, type, dest, tag, comm);
}

int MPI_Isend(const void* buf, int n, MPI_Datatype type, int dest, int tag, MPI_Comm comm, MPI_Request* request) {
  count(n, type);
  return PMPI_Isend(buf, n, type, dest, tag, comm, request);
}

int MPI_Rsend(const void* buf, int n, MPI_Datatype type, int dest, int tag, MPI_Comm comm) {
  count(n, type);
  return PMPI_Rsend(buf, n, type, dest, tag, comm);
}

int MPI_Ssend(const void* buf, int n, MPI_Datatype type, int dest, int tag, MPI_Comm comm) {
  count(n, type);
  return PMPI_Ssend(buf, n, type, dest, tag, comm);
}

int MPI_Sendrecv(const void* sendbuf, int sendcount, MPI_Datatype sendtype, int dest, int sendtag, void* recvbuf,
                 int recvcount, MPI_Datatype recvtype, int source, int recvtag, MPI_Comm comm, MPI_Status* status) {
  count(sendcount, sendtype);
  return PMPI_Sendrecv(sendbuf, sendcount, sendtype, dest, sendtag, recvbuf, recvcount, recvtype, source, recvtag, comm,
                       status);
}

int MPI_Bcast(void* buf, int n, MPI_Datatype type, int root, MPI_Comm comm) {
  int rank = 0;
  PMPI_Comm_rank(comm, &rank);
  if (rank == root) count(n * (comm_size(comm) - 1), type);  // the root's data reaches P - 1 ranks
  return PMPI_Bcast(buf, n, type, root, comm);
}

int MPI_Allreduce(const void* sendbuf, void* recvbuf, int n, MPI_Datatype type, MPI_Op op, MPI_Comm comm) {
  if (comm_size(comm) > 1) count(n, type);
  return PMPI_Allreduce(sendbuf, recvbuf, n, type, op, comm);
}

int MPI_Reduce(const void* sendbuf, void* recvbuf, int n, MPI_Datatype type, MPI_Op op, int root, MPI_Comm comm) {
  if (comm_size(comm) > 1) count(n, type);
  return PMPI_Reduce(sendbuf, recvbuf, n, type, op, root, comm);
}

int MPI_Allgather(const void* sendbuf, int sendcount, MPI_Datatype sendtype, void* recvbuf, int recvcount,
                  MPI_Datatype recvtype, MPI_Comm comm) {
  count(sendcount * (comm_size(comm) - 1), sendtype);
  return PMPI_Allgather(sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, comm);
}

int MPI_Alltoall(const void* sendbuf, int sendcount, MPI_Datatype sendtype, void* recvbuf, int recvcount,
                 MPI_Datatype recvtype, MPI_Comm comm) {
  count(sendcount * (comm_size(comm) - 1), sendtype);
  return PMPI_Alltoall(sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, comm);
}

int MPI_Alltoallv(const void* sendbuf, const int sendcounts[], const int sdispls[], MPI_Datatype sendtype,
                  void* recvbuf, const int recvcounts[], const int rdispls[], MPI_Datatype recvtype, MPI_Comm comm) {
  int rank = 0, total = 0;
  PMPI_Comm_rank(comm, &rank);
  for (int r = 0; r < comm_size(comm); ++r)
    if (r != rank) total += sendcounts[r];
  count(total, sendtype);
  return PMPI_Alltoallv(sendbuf, sendcounts, sdispls, sendtype, recvbuf, recvcounts, rdispls, recvtype, comm);
}

int MPI_Allgatherv(const void* sendbuf, int sendcount, MPI_Datatype sendtype, void* recvbuf, const int recvcounts[],
                   const int displs[], MPI_Datatype recvtype, MPI_Comm comm) {
  count(sendcount * (comm_size(comm) - 1), sendtype);
  return PMPI_Allgatherv(sendbuf, sendcount, sendtype, recvbuf, recvcounts, displs, recvtype, comm);
}

int MPI_Gather(const void* sendbuf, int sendcount, MPI_Datatype sendtype, void* recvbuf, int recvcount,
               MPI_Datatype recvtype, int root, MPI_Comm comm) {
  if (comm_rank_of(comm) != root) count(sendcount, sendtype);
  return PMPI_Gather(sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, root, comm);
}

int MPI_Gatherv(const void* sendbuf, int sendcount, MPI_Datatype sendtype, void* recvbuf, const int recvcounts[],
                const int displs[], MPI_Datatype recvtype, int root, MPI_Comm comm) {
  if (comm_rank_of(comm) != root) count(sendcount, sendtype);
  return PMPI_Gatherv(sendbuf, sendcount, sendtype, recvbuf, recvcounts, displs, recvtype, root, comm);
}

int MPI_Scatterv(const void* sendbuf, const int sendcounts[], const int displs[], MPI_Datatype sendtype, void* recvbuf,
                 int recvcount, MPI_Datatype recvtype, int root, MPI_Comm comm) {
  int rank = 0, total = 0;
  PMPI_Comm_rank(comm, &rank);
  if (rank == root) {
    for (int r = 0; r < comm_size(comm); ++r)
      if (r != rank) total += sendcounts[r];
    count(total, sendtype);
  }
  return PMPI_Scatterv(sendbuf, sendcounts, displs, sendtype, recvbuf, recvcount, recvtype, root, comm);
}

}  // extern "C"
