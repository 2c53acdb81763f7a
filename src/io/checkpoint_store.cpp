#include "jointfact/io/checkpoint_store.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

#include "jointfact/core/collective.hpp"
#include "jointfact/core/error.hpp"
#include "jointfact/io/attribute_reader.hpp"
#include "jointfact/version.hpp"

namespace jf {
namespace {

constexpr const char* kStampGroup = "/checkpoint";
constexpr const char* kMagic = "jointfact-checkpoint-1";

bool make_directory(const std::string& path) {
  struct stat status {};
  if (stat(path.c_str(), &status) == 0) return S_ISDIR(status.st_mode);
  return mkdir(path.c_str(), 0775) == 0;
}

}  // namespace

CheckpointStore::CheckpointStore(MPI_Comm comm, std::string directory) : comm_(comm), directory_(std::move(directory)) {
  bool ok = true;
  if (comm_rank(comm_) == 0) ok = make_directory(directory_) && access(directory_.c_str(), W_OK) == 0;
  agree_or_throw(comm_, ok, "cannot create or write the checkpoint directory '" + directory_ + "'");
}

std::optional<CheckpointStamp> CheckpointStore::find(const std::string& stage, const std::string& config_hash,
                                                     const std::string& input_fingerprint) const {
  const std::string path = path_of(stage);
  int exists = 0;
  if (comm_rank(comm_) == 0) exists = access(path.c_str(), F_OK) == 0 ? 1 : 0;
  MPI_Bcast(&exists, 1, MPI_INT, 0, comm_);
  if (!exists) return std::nullopt;

  const std::string hint = "; rerun with --no-resume to start over (the checkpoint is then discarded)";
  const auto magic = read_string_attribute(comm_, path, kStampGroup, "magic");
  if (!magic || *magic != kMagic) {
    throw InputError("checkpoint '" + path + "' is corrupt or not a jointfact checkpoint" + hint);
  }
  CheckpointStamp stamp;
  stamp.stage = read_string_attribute(comm_, path, kStampGroup, "stage").value_or("");
  stamp.config_hash = read_string_attribute(comm_, path, kStampGroup, "config_hash").value_or("");
  stamp.input_fingerprint = read_string_attribute(comm_, path, kStampGroup, "input_fingerprint").value_or("");
  stamp.iteration = static_cast<int64_t>(read_double_attribute(comm_, path, kStampGroup, "iteration").value_or(-1));
  stamp.complete = read_double_attribute(comm_, path, kStampGroup, "complete").value_or(0) != 0;
  if (stamp.stage != stage) {
    throw InputError("checkpoint '" + path + "' belongs to stage '" + stamp.stage + "', not '" + stage + "'" + hint);
  }
  if (stamp.input_fingerprint != input_fingerprint) {
    throw InputError("checkpoint '" + path + "' was written for another input matrix (" + stamp.input_fingerprint +
                     ", now " + input_fingerprint + ")" + hint);
  }
  if (stamp.config_hash != config_hash) {
    throw InputError("checkpoint '" + path + "' was written with another configuration of the " + stage +
                     " stage" + hint);
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

void CheckpointStore::clear() const {
  if (comm_rank(comm_) == 0) {
    for (const char* stage : {"svd", "joint", "sparse"}) {
      std::remove(path_of(stage).c_str());
      std::remove((path_of(stage) + ".partial").c_str());
    }
  }
  MPI_Barrier(comm_);
}

}  // namespace jf
