#include "svd/out_of_core_checkpoint.hpp"

#include <sys/stat.h>

#include <cstdio>

#include "core/hash.hpp"
#include "io/attribute_reader.hpp"
#include "jointfact/core/collective.hpp"
#include "jointfact/core/error.hpp"
#include "jointfact/core/log.hpp"
#include "jointfact/io/matrix_io.hpp"

namespace jf::svd {
namespace {

constexpr const char* kRangeM = "/svd_out_of_core/range_m";
constexpr const char* kRangeN = "/svd_out_of_core/range_n";
constexpr const char* kTolGroup = "/svd_out_of_core_tol";
constexpr const char* kBasis = "/svd_out_of_core_tol/q";
constexpr const char* kBasisProjection = "/svd_out_of_core_tol/b_t";
constexpr const char* kIterateM = "/svd_out_of_core_tol/y";
constexpr const char* kIterateN = "/svd_out_of_core_tol/omega";

}  // namespace

std::string out_of_core_input_identity(MPI_Comm comm, const DatasetInfo& info) {
  std::string identity;
  if (comm_rank(comm) == 0) {
    struct stat status {};
    stat(info.file.c_str(), &status);
    identity = std::to_string(info.shape.at(0)) + " x " + std::to_string(info.shape.at(1)) + ":" + info.dtype + ":" +
               std::to_string(static_cast<long long>(status.st_size)) + ":" +
               std::to_string(static_cast<long long>(status.st_mtime)) + ":" + info.dataset;
  }
  int length = static_cast<int>(identity.size());
  MPI_Bcast(&length, 1, MPI_INT, 0, comm);
  identity.resize(static_cast<size_t>(length));
  MPI_Bcast(identity.data(), length, MPI_CHAR, 0, comm);
  return identity;
}

namespace {

std::string options_hash(const SvdOptions& options) {
  if (options.tol != 0) {
    return to_hex(fnv1a64("out-of-core fixed accuracy tol=" + format_number("%.17g", options.tol) +
                          " block=" + std::to_string(options.block_columns) +
                          " q=" + std::to_string(options.power_iters) + " seed=" + std::to_string(options.seed)));
  }
  return to_hex(fnv1a64("out-of-core randomized k=" + std::to_string(options.rank) +
                        " p=" + std::to_string(options.oversample) + " q=" + std::to_string(options.power_iters) +
                        " seed=" + std::to_string(options.seed)));
}

}  // namespace

OutOfCoreCheckpoint::OutOfCoreCheckpoint(MPI_Comm comm, const CheckpointStore& store, const DatasetInfo& info,
                                         const SvdOptions& options)
    : comm_(comm),
      store_(store),
      config_hash_(options_hash(options)),
      input_identity_(out_of_core_input_identity(comm, info)) {}

OutOfCoreCheckpoint::OutOfCoreCheckpoint(MPI_Comm comm, const CheckpointStore& store, std::string config_hash,
                                         std::string input_identity)
    : comm_(comm), store_(store), config_hash_(std::move(config_hash)), input_identity_(std::move(input_identity)) {}

std::optional<OutOfCoreState> OutOfCoreCheckpoint::load(const GridPtr& grid, int64_t nb) const {
  const auto stamp = store_.find("svd", config_hash_, input_identity_);
  if (!stamp || stamp->complete) return std::nullopt;
  ReadOptions read;
  read.block = nb;
  OutOfCoreState state;
  state.passes_done = stamp->iteration;
  state.frobenius_sq = read_double_attribute(comm_, path(), "/svd_out_of_core", "frobenius_sq").value_or(0);
  state.range_m = read_matrix(grid, DatasetPath{path(), kRangeM}, read);
  state.range_n = read_matrix(grid, DatasetPath{path(), kRangeN}, read);
  return state;
}

void OutOfCoreCheckpoint::save(const OutOfCoreState& state) const {
  auto file = store_.begin({"svd", config_hash_, input_identity_, state.passes_done, false});
  file->write_matrix(kRangeM, state.range_m);
  file->write_matrix(kRangeN, state.range_n);
  file->set_attribute("/svd_out_of_core", "frobenius_sq", state.frobenius_sq);
  file->commit();
}

std::optional<FixedAccuracyState> OutOfCoreCheckpoint::load_fixed_accuracy(const GridPtr& grid, int64_t nb) const {
  const auto stamp = store_.find("svd", config_hash_, input_identity_);
  if (!stamp || stamp->complete) return std::nullopt;
  const auto basis_columns = read_double_attribute(comm_, path(), kTolGroup, "basis_columns");
  if (!basis_columns)
    throw InputError("checkpoint " + path() + " holds no fixed-accuracy state; rerun with --no-resume");
  ReadOptions read;
  read.block = nb;
  FixedAccuracyState state;
  state.passes_done = stamp->iteration;
  state.frobenius_sq = read_double_attribute(comm_, path(), kTolGroup, "frobenius_sq").value_or(0);
  state.error_squared = read_double_attribute(comm_, path(), kTolGroup, "error_squared").value_or(0);
  state.y = read_matrix(grid, DatasetPath{path(), kIterateM}, read);
  state.omega = read_matrix(grid, DatasetPath{path(), kIterateN}, read);
  if (*basis_columns > 0) {
    state.q = read_matrix(grid, DatasetPath{path(), kBasis}, read);
    state.b_t = read_matrix(grid, DatasetPath{path(), kBasisProjection}, read);
  } else {  // no datasets of width 0
    state.q = DistMatrix(grid, state.y.rows(), 0, nb, nb);
    state.b_t = DistMatrix(grid, state.omega.rows(), 0, nb, nb);
  }
  return state;
}

void OutOfCoreCheckpoint::save(const FixedAccuracyState& state) const {
  auto file = store_.begin({"svd", config_hash_, input_identity_, state.passes_done, false});
  if (state.q.cols() > 0) {
    file->write_matrix(kBasis, state.q);
    file->write_matrix(kBasisProjection, state.b_t);
  }
  file->write_matrix(kIterateM, state.y);
  file->write_matrix(kIterateN, state.omega);
  file->set_attribute(kTolGroup, "basis_columns", static_cast<double>(state.q.cols()));
  file->set_attribute(kTolGroup, "frobenius_sq", state.frobenius_sq);
  file->set_attribute(kTolGroup, "error_squared", state.error_squared);
  file->commit();
}

void OutOfCoreCheckpoint::remove() const {
  if (comm_rank(comm_) == 0) std::remove(path().c_str());
  MPI_Barrier(comm_);
}

}  // namespace jf::svd
