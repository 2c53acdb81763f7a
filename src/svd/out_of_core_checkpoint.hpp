#pragma once
// The out-of-core SVD's state after each pass as a checkpoint (stage "svd", not complete, iteration =
// passes done): the thin matrices (fixed rank) or the bases and the block's iterates (fixed accuracy) as
// global datasets, so a run killed in pass i resumes at pass i on any
// rank count or grid. Stamped with the options that change the result and a cheap identity of the input
// file (shape, type, size, modification time: reading it to hash it would cost a pass).
#include <optional>
#include <string>

#include "jointfact/io/checkpoint_store.hpp"
#include "jointfact/io/dataset_path.hpp"
#include "jointfact/svd/out_of_core_svd.hpp"
#include "svd/out_of_core_fixed_accuracy.hpp"

namespace jf::svd {

// A cheap identity of a matrix file, the same on every rank (collective): shape, type, size, modification
// time and dataset name.
std::string out_of_core_input_identity(MPI_Comm comm, const DatasetInfo& info);

class OutOfCoreCheckpoint {
 public:
  // Collective (rank 0 looks at the file, the answer is broadcast). Stamped with k, p, q, the seed (and tol
  // and the block width for fixed accuracy) and out_of_core_input_identity(info).
  OutOfCoreCheckpoint(MPI_Comm comm, const CheckpointStore& store, const DatasetInfo& info, const SvdOptions& options);
  // Stamped with the caller's configuration hash and input fingerprint (a pipeline whose stage checkpoint
  // shares the file: the same stamp finds either the complete result or a state between passes).
  OutOfCoreCheckpoint(MPI_Comm comm, const CheckpointStore& store, std::string config_hash, std::string input_identity);

  // The saved state on `grid` (thin matrices with block nb), or nullopt when there is none. A checkpoint
  // of another input or options is refused with InputError (CheckpointStore::find).
  std::optional<OutOfCoreState> load(const GridPtr& grid, int64_t nb) const;

  // The same for the fixed-accuracy method (q and b_t on `grid` with nb x nb blocks, y and omega with block nb
  // rows: redistributed by the method).
  std::optional<FixedAccuracyState> load_fixed_accuracy(const GridPtr& grid, int64_t nb) const;

  // Writes the state (collective); the previous checkpoint stays intact until the new one is complete.
  void save(const OutOfCoreState& state) const;
  void save(const FixedAccuracyState& state) const;

  // Removes the checkpoint after the result has been written (collective).
  void remove() const;

  std::string path() const { return store_.path_of("svd"); }

 private:
  MPI_Comm comm_;
  const CheckpointStore& store_;
  std::string config_hash_, input_identity_;
};

}  // namespace jf::svd
