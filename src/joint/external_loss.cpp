#include "joint/external_loss.hpp"

#include <hdf5.h>
#include <mpi.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "core/hash.hpp"
#include "joint/thin_algebra.hpp"
#include "jointfact/core/collective.hpp"
#include "jointfact/core/error.hpp"
#include "jointfact/distributed/pblas.hpp"
#include "jointfact/io/h5_handle.hpp"
#include "jointfact/io/matrix_io.hpp"
#include "jointfact/io/output_file.hpp"

namespace jf::joint {
namespace {

uint64_t mix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  return x ^ (x >> 33);
}

// A sum of per-entry hashes: independent of how the entries are spread over ranks.
uint64_t content_hash(const DistMatrix& a, uint64_t tag) {
  uint64_t local = 0;
  a.for_each_local([&](int64_t i, int64_t j, double v) {
    uint64_t bits = 0;
    std::memcpy(&bits, &v, sizeof bits);
    local += mix(bits ^ mix(static_cast<uint64_t>(i) * 0x9e3779b97f4a7c15ULL + static_cast<uint64_t>(j) + tag));
  });
  uint64_t total = 0;
  MPI_Allreduce(&local, &total, 1, MPI_UINT64_T, MPI_SUM, a.grid().comm());
  return mix(total + mix(static_cast<uint64_t>(a.rows()) * 131 + static_cast<uint64_t>(a.cols()) + tag));
}

std::string quoted(const std::string& path) {
  std::string text = "'";
  for (char c : path) text += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return text + "'";
}

std::string last_line(const std::string& path) {
  std::ifstream in(path);
  std::string line, last;
  while (std::getline(in, line))
    if (!line.empty()) last = line;
  return last;
}

struct FileCheck {
  bool ok = false;
  double loss = 0;
  bool has_curvature = false;
  std::string problem;
};

// On rank 0: /loss (scalar) and /gradient (m x n) present and well formed.
FileCheck check_results(const std::string& path, int64_t m, int64_t n) {
  FileCheck check;
  h5::silence_library_errors();
  h5::Handle file = h5::file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  if (file.get() < 0) {
    check.problem = "cannot open its file " + path;
    return check;
  }
  if (H5Lexists(file.get(), "/loss", H5P_DEFAULT) <= 0) {
    check.problem = "it wrote no /loss";
    return check;
  }
  h5::Handle loss = h5::dataset(H5Dopen2(file.get(), "/loss", H5P_DEFAULT));
  h5::Handle space = h5::dataspace(H5Dget_space(loss.get()));
  if (H5Sget_simple_extent_npoints(space.get()) != 1 ||
      H5Dread(loss.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, &check.loss) < 0) {
    check.problem = "its /loss is not one number";
    return check;
  }
  if (!std::isfinite(check.loss)) {
    check.problem = "its /loss is not finite";
    return check;
  }
  if (H5Lexists(file.get(), "/gradient", H5P_DEFAULT) <= 0) {
    check.problem = "it wrote no /gradient";
    return check;
  }
  h5::Handle gradient = h5::dataset(H5Dopen2(file.get(), "/gradient", H5P_DEFAULT));
  h5::Handle gradient_space = h5::dataspace(H5Dget_space(gradient.get()));
  hsize_t dims[2] = {0, 0};
  if (H5Sget_simple_extent_ndims(gradient_space.get()) != 2 ||
      H5Sget_simple_extent_dims(gradient_space.get(), dims, nullptr) != 2 || static_cast<int64_t>(dims[0]) != m ||
      static_cast<int64_t>(dims[1]) != n) {
    check.problem = "its /gradient is not " + std::to_string(m) + " x " + std::to_string(n);
    return check;
  }
  check.has_curvature = H5Lexists(file.get(), "/curvature", H5P_DEFAULT) > 0;
  check.ok = true;
  return check;
}

bool file_exists(const std::string& path) {
  struct stat info {};
  return stat(path.c_str(), &info) == 0;
}

}  // namespace

ExternalLoss::ExternalLoss(const DistMatrix& w, std::string command, std::string directory)
    : w_(w), command_(std::move(command)), directory_(std::move(directory)) {
  if (command_.empty()) throw InputError("the evaluator command is empty");
  const MPI_Comm comm = w.grid().comm();
  bool ok = true;
  if (comm_rank(comm) == 0) ok = mkdir(directory_.c_str(), 0777) == 0 || errno == EEXIST;
  agree_or_throw(comm, ok, "cannot create the evaluations directory '" + directory_ + "'");
}

LossEvaluation ExternalLoss::evaluate(const DistMatrix& l, const DistMatrix& r) const {
  const MPI_Comm comm = w_.grid().comm();
  const std::string path =
      directory_ + "/evaluation-" + to_hex(content_hash(l, 0x4c) ^ mix(content_hash(r, 0x52))) + ".h5";
  const int64_t m = w_.rows(), n = w_.cols();
  // A recorded result (an interrupted run's) is used as it is.
  int cached = 0;
  if (comm_rank(comm) == 0 && file_exists(path)) cached = check_results(path, m, n).ok ? 1 : 0;
  MPI_Bcast(&cached, 1, MPI_INT, 0, comm);
  if (cached) {
    ++reused_;
  } else {
    {
      OutputFile out(comm, path);
      out.write_matrix("/L", l);
      out.write_matrix("/R", r);
      out.commit();
    }
    ++evaluations_;
    std::string failure;
    if (comm_rank(comm) == 0) {
      const std::string errors = path + ".stderr";
      const int status = std::system((command_ + " " + quoted(path) + " 2> " + quoted(errors)).c_str());
      if (status != 0) {
        const int code = WIFEXITED(status) ? WEXITSTATUS(status) : status;
        failure = "the evaluator exited with " + std::to_string(code) + ": " + last_line(errors);
      } else {
        const FileCheck check = check_results(path, m, n);
        if (!check.ok) failure = "the evaluator exited 0 but " + check.problem;
      }
      if (failure.empty()) std::remove(errors.c_str());
      if (!failure.empty()) std::rename(path.c_str(), (path + ".failed").c_str());  // never reused
    }
    failure = broadcast_string(comm, failure);
    if (!failure.empty()) throw InputError(failure);
  }
  FileCheck check;
  if (comm_rank(comm) == 0) check = check_results(path, m, n);
  LossEvaluation result;
  result.loss = check.loss;
  MPI_Bcast(&result.loss, 1, MPI_DOUBLE, 0, comm);
  int has_curvature = check.has_curvature ? 1 : 0;
  MPI_Bcast(&has_curvature, 1, MPI_INT, 0, comm);
  ReadOptions read;
  read.block = w_.row_block();
  const DistMatrix gradient = read_matrix(w_.grid_ptr(), DatasetPath{path, "/gradient"}, read);
  result.gradient = w_.like();
  redistribute(gradient, result.gradient);
  if (has_curvature) {
    const DistMatrix curvature = read_matrix(w_.grid_ptr(), DatasetPath{path, "/curvature"}, read);
    result.curvature_hint = std::max(0.0, column_sums(curvature).sum()) / static_cast<double>(m * n);
  }
  return result;
}

LossEvaluation ExternalLoss::at(const Factors& x, bool) const { return evaluate(x.l, x.r); }

// W as L R^T with the smaller identity: L = W, R = I_n when m >= n, else L = I_m, R = W^T. The identity is
// block-cyclic like W (min(m, n)^2 / P entries per rank, never more than W's share) and written by every
// rank's own blocks; no rank assembles it.
double ExternalLoss::at_original() const {
  const int64_t m = w_.rows(), n = w_.cols();
  const int64_t side = std::min(m, n), block = m >= n ? w_.col_block() : w_.row_block();
  DistMatrix identity(w_.grid_ptr(), side, side, block, block);
  identity.for_each_local([](int64_t i, int64_t j, double& v) { v = i == j ? 1.0 : 0.0; });
  if (m >= n) return evaluate(w_, identity).loss;
  DistMatrix w_t(w_.grid_ptr(), n, m, w_.col_block(), w_.row_block());
  transpose(w_, w_t);
  return evaluate(identity, w_t).loss;
}

}  // namespace jf::joint
