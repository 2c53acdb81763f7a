#pragma once
// Checkpoints: one HDF5 file per stage in the checkpoint directory (default OUT.h5.ckpt/), holding the
// stage's state as global datasets (so a resume may use another rank count, grid or block size) and a
// stamp: config hash, input fingerprint, stage, iteration, completeness, tool version. Each file is
// written under a temporary name and renamed, so a crash leaves the previous checkpoint intact.
#include <mpi.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "jointfact/io/output_file.hpp"

namespace jf {

struct CheckpointStamp {
  std::string stage;              // "svd", "joint", "sparse"
  std::string config_hash;        // covers every setting that changes this stage's result
  std::string input_fingerprint;  // matrix_fingerprint of the input
  int64_t iteration = 0;          // progress inside the stage
  bool complete = false;          // the stage's final result
};

class CheckpointStore {
 public:
  // Creates the directory (rank 0) if needed; InputError when that is impossible.
  CheckpointStore(MPI_Comm comm, std::string directory);

  const std::string& directory() const { return directory_; }
  std::string path_of(const std::string& stage) const { return directory_ + "/" + stage + ".h5"; }

  // The stamp of the stage's checkpoint, or nullopt when there is none. A checkpoint that is not a
  // jointfact checkpoint, is corrupt, or was written for another configuration or input is refused with
  // InputError (exit 2) and the hint to rerun with --no-resume.
  std::optional<CheckpointStamp> find(const std::string& stage, const std::string& config_hash,
                                      const std::string& input_fingerprint) const;

  // An output file that becomes the stage's checkpoint on commit(); the stamp is already written.
  std::unique_ptr<OutputFile> begin(const CheckpointStamp& stamp) const;

  // Removes every checkpoint of this store (for --no-resume): only files that carry jointfact's stamp.
  // Anything else under a checkpoint's name is left alone and reported (InputError). Collective.
  void clear() const;

  // Removes the directory where this store created it and nothing was written there yet (rank 0 only, not
  // collective, no error): a run refused before its first checkpoint leaves no directory behind.
  void remove_if_unused() const;

 private:
  bool is_own_checkpoint(const std::string& path) const;

  MPI_Comm comm_;
  std::string directory_;
  bool created_ = false;  // rank 0: the constructor made the directory
};

// Checks (rank 0, answer shared) that the checkpoint directory is not the output file (or its partial
// name), is a directory where it exists, and holds no input under a checkpoint's name; InputError otherwise.
void require_checkpoint_directory_apart(MPI_Comm comm, const std::string& directory, const std::string& output,
                                        const std::vector<std::string>& inputs);

}  // namespace jf
