#include "jointfact/io/checkpoint_store.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

#include "io/attribute_reader.hpp"
#include "io/file_kind.hpp"
#include "jointfact/core/collective.hpp"
#include "jointfact/core/error.hpp"
#include "jointfact/version.hpp"

namespace jf {
namespace {

constexpr const char* kStampGroup = "/checkpoint";
constexpr const char* kMagic = "jointfact-checkpoint-1";

const char* const kStages[] = {"svd", "joint", "sparse"};

// created: whether this call made it (false where it was there already).
bool make_directory(const std::string& path, bool& created) {
  struct stat status {};
  created = false;
  if (stat(path.c_str(), &status) == 0) return S_ISDIR(status.st_mode);
  created = mkdir(path.c_str(), 0775) == 0;
  return created;
}

}  // namespace

CheckpointStore::CheckpointStore(MPI_Comm comm, std::string directory) : comm_(comm), directory_(std::move(directory)) {
  bool ok = true;
  if (comm_rank(comm_) == 0) ok = make_directory(directory_, created_) && access(directory_.c_str(), W_OK) == 0;
  agree_or_throw(comm_, ok, "cannot create or write the checkpoint directory '" + directory_ + "'");
}

void CheckpointStore::remove_if_unused() const {
  // rmdir removes only an empty directory: whatever a stage wrote keeps it (and stays for a resume).
  if (created_) rmdir(directory_.c_str());
}

std::optional<CheckpointStamp> CheckpointStore::find(const std::string& stage, const std::string& config_hash,
                                                     const std::string& input_fingerprint) const {
  const std::string path = path_of(stage);
  int exists = 0;
  std::string kind;
  if (comm_rank(comm_) == 0) {
    bool found = false;
    kind = non_regular_kind(path, found);
    exists = found ? 1 : 0;
  }
  MPI_Bcast(&exists, 1, MPI_INT, 0, comm_);
  if (!exists) return std::nullopt;
  kind = broadcast_string(comm_, kind);
  const std::string foreign_hint =
      "; jointfact does not remove files it did not write: move it away or choose "
      "another checkpoint directory";
  if (!kind.empty()) throw InputError("'" + path + "' is " + kind + ", not a jointfact checkpoint" + foreign_hint);

  const auto magic = read_string_attribute(comm_, path, kStampGroup, "magic");
  if (!magic || *magic != kMagic) {
    throw InputError("'" + path + "' is not a jointfact checkpoint (it carries no jointfact stamp)" + foreign_hint);
  }
  CheckpointStamp stamp;
  stamp.stage = read_string_attribute(comm_, path, kStampGroup, "stage").value_or("");
  stamp.config_hash = read_string_attribute(comm_, path, kStampGroup, "config_hash").value_or("");
  stamp.input_fingerprint = read_string_attribute(comm_, path, kStampGroup, "input_fingerprint").value_or("");
  stamp.iteration = static_cast<int64_t>(read_double_attribute(comm_, path, kStampGroup, "iteration").value_or(-1));
  stamp.complete = read_double_attribute(comm_, path, kStampGroup, "complete").value_or(0) != 0;
  if (stamp.stage != stage) {
    throw CheckpointMismatch("checkpoint '" + path + "' belongs to stage '" + stamp.stage + "', not '" + stage + "'");
  }
  if (stamp.input_fingerprint != input_fingerprint) {
    throw CheckpointMismatch("checkpoint '" + path + "' was written for other input data (" + stamp.input_fingerprint +
                             ", now " + input_fingerprint + ")");
  }
  if (stamp.config_hash != config_hash) {
    throw CheckpointMismatch("checkpoint '" + path + "' was written with another configuration of the " + stage +
                             " stage");
  }
  return stamp;
}

std::unique_ptr<OutputFile> CheckpointStore::begin(const CheckpointStamp& stamp) const {
  auto file = std::make_unique<OutputFile>(comm_, path_of(stamp.stage));
  file->set_attribute(kStampGroup, "magic", std::string(kMagic));
  file->set_attribute(kStampGroup, "stage", stamp.stage);
  file->set_attribute(kStampGroup, "config_hash", stamp.config_hash);
  file->set_attribute(kStampGroup, "input_fingerprint", stamp.input_fingerprint);
  file->set_attribute(kStampGroup, "iteration", stamp.iteration);
  file->set_attribute(kStampGroup, "complete", static_cast<int64_t>(stamp.complete ? 1 : 0));
  file->set_attribute(kStampGroup, "version", std::string(kVersion));
  return file;
}

bool CheckpointStore::is_own_checkpoint(const std::string& path) const {
  int regular = 0;
  if (comm_rank(comm_) == 0) {
    bool exists = false;
    regular = non_regular_kind(path, exists).empty() && exists ? 1 : 0;
  }
  MPI_Bcast(&regular, 1, MPI_INT, 0, comm_);
  if (!regular) return false;
  const auto magic = read_string_attribute(comm_, path, kStampGroup, "magic");
  return magic && *magic == kMagic;
}

void CheckpointStore::clear() const {
  std::string foreign;
  for (const char* stage : kStages) {
    for (const std::string& path : {path_of(stage), path_of(stage) + ".partial"}) {
      int exists = 0;
      if (comm_rank(comm_) == 0) exists = access(path.c_str(), F_OK) == 0 ? 1 : 0;
      MPI_Bcast(&exists, 1, MPI_INT, 0, comm_);
      if (!exists) continue;
      if (!is_own_checkpoint(path)) {
        if (foreign.empty()) foreign = path;
        continue;
      }
      if (comm_rank(comm_) == 0) std::remove(path.c_str());
    }
  }
  MPI_Barrier(comm_);
  if (!foreign.empty()) {
    throw InputError("'" + foreign +
                     "' is in the checkpoint directory but is not a jointfact checkpoint; jointfact "
                     "does not remove files it did not write: move it away or choose another checkpoint directory");
  }
}

void require_checkpoint_directory_apart(MPI_Comm comm, const std::string& directory, const std::string& output,
                                        const std::vector<std::string>& inputs) {
  std::string error;
  if (comm_rank(comm) == 0) {
    bool exists = false;
    const std::string kind = non_regular_kind(directory, exists);
    if (directory.empty()) {
      error = "the checkpoint directory name is empty";
    } else if (directory == output || directory == output + ".partial" || same_file(directory, output)) {
      error = "the checkpoint directory '" + directory + "' is the output file; choose another checkpoint directory";
    } else if (exists && kind != "a directory") {
      error = "the checkpoint directory '" + directory + "' exists and is not a directory";
    }
    for (const std::string& input : inputs) {
      for (const char* stage : kStages) {
        const std::string path = directory + "/" + stage + ".h5";
        if (error.empty() && (same_file(input, path) || same_file(input, path + ".partial"))) {
          error = "input '" + input + "' lies where a checkpoint is written ('" + path +
                  "'); choose another checkpoint directory (inputs are never modified)";
        }
      }
    }
  }
  agree_or_throw(comm, comm_rank(comm) != 0 || error.empty(), error);
}

}  // namespace jf
