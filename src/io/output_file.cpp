#include "jointfact/io/output_file.hpp"

#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cstdio>
#include <exception>

#include "io/file_kind.hpp"
#include "io/mpiio_hints.hpp"
#include "jointfact/core/collective.hpp"
#include "jointfact/core/error.hpp"
#include "jointfact/core/log.hpp"
#include "jointfact/core/stop_signal.hpp"
#include "streaming_writer.hpp"

namespace jf {
namespace {

std::string parent_directory(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// Where `path` exists it must be a regular file: renaming over a device node, FIFO or socket would
// destroy it (and a FIFO would block the writer).
std::string check_replaceable(const std::string& path) {
  bool exists = false;
  const std::string kind = non_regular_kind(path, exists);
  if (kind.empty()) return "";
  return "cannot write '" + path + "': it is " + kind + "; only a regular file or a new name can be an output";
}

std::string check_output_on_root(const std::string& path, const std::vector<std::string>& inputs) {
  if (path.empty()) return "the output file name is empty";
  if (path.back() == '/') return "cannot write '" + path + "': the name ends with '/' (a directory)";
  const std::string dir = parent_directory(path);
  struct stat status {};
  if (stat(dir.c_str(), &status) != 0 || !S_ISDIR(status.st_mode)) {
    return "cannot write '" + path + "': directory '" + dir + "' does not exist";
  }
  if (access(dir.c_str(), W_OK) != 0) return "cannot write '" + path + "': directory '" + dir + "' is not writable";
  const std::string partial = path + ".partial";
  for (const std::string& target : {path, partial}) {
    const std::string refusal = check_replaceable(target);
    if (!refusal.empty()) return refusal;
  }
  for (const auto& input : inputs) {
    if (input == path || same_file(input, path)) {
      return "output '" + path + "' is the input file '" + input +
             "'; choose another output (inputs are never modified)";
    }
    if (input == partial || same_file(input, partial)) {
      return "input '" + input + "' is where the output '" + path + "' is written before it is complete ('" + partial +
             "'); choose another output (inputs are never modified)";
    }
  }
  return "";
}

// Why a write may have failed, for the message: the free space left where the file lies.
std::string space_hint(const std::string& path) {
  struct statvfs fs {};
  if (statvfs(parent_directory(path).c_str(), &fs) != 0) return "";
  const double free_bytes = static_cast<double>(fs.f_bavail) * static_cast<double>(fs.f_frsize);
  if (free_bytes < 1048576.0)
    return ": no space left on the device (" + std::to_string(fs.f_bavail * fs.f_frsize) + " bytes free)";
  return " (I/O error or quota exceeded?)";
}

// Free bytes on the file system holding `path`, or -1 when statvfs cannot tell. A distributed write that
// runs out of space can fail on one rank inside HDF5's collective calls while the others wait in the next
// one, so the space is checked, and agreed on, before the write starts.
double free_bytes(const std::string& path) {
  struct statvfs fs {};
  if (statvfs(parent_directory(path).c_str(), &fs) != 0) return -1;
  return static_cast<double>(fs.f_bavail) * static_cast<double>(fs.f_frsize);
}

// How long a failing rank waits for the others before it concludes that it failed alone.
constexpr double kCloseAgreementSeconds = 5.0;

}  // namespace

void require_writable_output(MPI_Comm comm, const std::string& path, const std::vector<std::string>& inputs) {
  std::string error;
  if (comm_rank(comm) == 0) error = check_output_on_root(path, inputs);
  agree_or_throw(comm, comm_rank(comm) != 0 || error.empty(), error);
}

OutputFile::OutputFile(MPI_Comm comm, std::string path)
    : comm_(comm), path_(std::move(path)), partial_path_(path_ + ".partial") {
  require_writable_output(comm_, path_);
  h5::silence_library_errors();
  h5::Handle fapl = h5::plist(H5Pcreate(H5P_FILE_ACCESS));
  H5Pset_fapl_mpio(fapl.get(), comm_, MpiioInfo().get());
  file_ = h5::file(H5Fcreate(h5::mpi_io_name(partial_path_).c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get()));
  agree_or_throw(comm_, file_.valid(), "cannot create '" + partial_path_ + "'");
  if (comm_rank(comm_) == 0) set_partial_output(partial_path_);
}

OutputFile::~OutputFile() {
  if (committed_) return;
  // Closing is collective. A failure on this rank alone (the others went on into another collective)
  // must not wait for them here: give the file up unclosed and leave; the error's report aborts the job.
  if (std::uncaught_exceptions() > 0 && !failed_on_every_rank(kCloseAgreementSeconds)) {
    file_.release();
    std::remove(partial_path_.c_str());
    set_partial_output("");
    return;
  }
  // Unwinding after a failure, typically a full disk. HDF5 flushes its metadata while closing; when that
  // write fails on one rank, it skips a barrier the others wait in, and every rank hangs. Emptying the
  // partial file first gives its space back, so the flush succeeds; the file is removed right after.
  if (comm_rank(comm_) == 0 && truncate(partial_path_.c_str(), 0) != 0) {
    // nothing to free (never created): closing is all that is left
  }
  MPI_Barrier(comm_);
  file_.reset();
  if (comm_rank(comm_) == 0) std::remove(partial_path_.c_str());
  if (comm_rank(comm_) == 0) set_partial_output("");
}

void OutputFile::ensure_parent_groups(const std::string& name) {
  for (size_t slash = name.find('/', 1); slash != std::string::npos; slash = name.find('/', slash + 1)) {
    const std::string group = name.substr(0, slash);
    if (H5Lexists(file_.get(), group.c_str(), H5P_DEFAULT) > 0) continue;
    h5::Handle created = h5::group(H5Gcreate2(file_.get(), group.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    if (!created.valid()) throw LibraryError("cannot create group " + group + " in '" + partial_path_ + "'");
  }
}

void OutputFile::write_distributed(const std::string& name, const DistMatrix& a, bool as_vector) {
  // The values plus room for the dataset's header and the file's metadata.
  const double needed = 8.0 * static_cast<double>(a.rows()) * static_cast<double>(a.cols()) + 65536.0;
  const double available = free_bytes(partial_path_);
  const bool fits = comm_rank(comm_) != 0 || available < 0 || available >= needed;
  agree_or_throw(comm_, fits,
                 "writing " + name + " to '" + partial_path_ + "' needs " + format_number("%.0f", needed) +
                     " bytes: no space left on the device (" + format_number("%.0f", available) + " bytes free)",
                 kExitFailure);
  ensure_parent_groups(name);
  const hsize_t dims[2] = {static_cast<hsize_t>(a.rows()), static_cast<hsize_t>(a.cols())};
  h5::Handle file_space = h5::dataspace(H5Screate_simple(as_vector ? 1 : 2, dims, nullptr));
  h5::Handle dset = h5::dataset(
      H5Dcreate2(file_.get(), name.c_str(), H5T_IEEE_F64LE, file_space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  if (!dset.valid()) throw LibraryError("cannot create dataset " + name + " in '" + partial_path_ + "'");
  const bool written = io::write_streaming(dset.get(), a);
  agree_or_throw(comm_, written, "writing " + name + " to '" + partial_path_ + "' failed" + space_hint(partial_path_),
                 kExitFailure);
}

void OutputFile::write_matrix(const std::string& name, const DistMatrix& a) { write_distributed(name, a, false); }

void OutputFile::write_vector(const std::string& name, const DistMatrix& v) {
  if (v.cols() != 1) throw LibraryError("write_vector: " + name + " is not a single column");
  write_distributed(name, v, true);
}

void OutputFile::write_from_root(const std::string& name, hid_t mem_type, hid_t file_type, const void* data,
                                 const std::vector<hsize_t>& dims) {
  ensure_parent_groups(name);
  h5::Handle file_space = h5::dataspace(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr));
  h5::Handle dset = h5::dataset(
      H5Dcreate2(file_.get(), name.c_str(), file_type, file_space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  if (!dset.valid()) throw LibraryError("cannot create dataset " + name + " in '" + partial_path_ + "'");
  hsize_t count = 1;
  for (hsize_t d : dims) count *= d;
  if (count == 0) return;  // a zero-length dataset has no storage to write to
  // Only rank 0 writes, independently: a collective write that fails on rank 0 alone (a full disk) leaves
  // the other ranks waiting inside HDF5; an independent one returns, and the verdict is shared below.
  herr_t status = 0;
  if (comm_rank(comm_) == 0) {
    h5::Handle transfer = h5::plist(H5Pcreate(H5P_DATASET_XFER));
    H5Pset_dxpl_mpio(transfer.get(), H5FD_MPIO_INDEPENDENT);
    status = H5Dwrite(dset.get(), mem_type, H5S_ALL, H5S_ALL, transfer.get(), data);
  }
  agree_or_throw(comm_, status >= 0,
                 "writing " + name + " to '" + partial_path_ + "' failed" + space_hint(partial_path_), kExitFailure);
}

void OutputFile::write_replicated(const std::string& name, const std::vector<double>& values,
                                  const std::vector<int64_t>& shape) {
  write_from_root(name, H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, values.data(),
                  std::vector<hsize_t>(shape.begin(), shape.end()));
}

void OutputFile::write_replicated(const std::string& name, const std::vector<int64_t>& values) {
  write_from_root(name, H5T_NATIVE_INT64, H5T_STD_I64LE, values.data(), {values.size()});
}

hid_t OutputFile::open_object(const std::string& object) {
  if (object != "/" && H5Lexists(file_.get(), object.c_str(), H5P_DEFAULT) <= 0) {
    ensure_parent_groups(object + "/");
  }
  return H5Oopen(file_.get(), object.c_str(), H5P_DEFAULT);
}

void OutputFile::write_attribute(const std::string& object, const std::string& name, hid_t mem_type, hid_t file_type,
                                 const void* data, hsize_t count) {
  h5::Handle target(open_object(object), H5Oclose);
  if (!target.valid()) throw LibraryError("cannot open " + object + " in '" + partial_path_ + "'");
  if (H5Aexists(target.get(), name.c_str()) > 0) H5Adelete(target.get(), name.c_str());
  h5::Handle space = h5::dataspace(count == 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &count, nullptr));
  h5::Handle attr =
      h5::attribute(H5Acreate2(target.get(), name.c_str(), file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT));
  if (!attr.valid() || H5Awrite(attr.get(), mem_type, data) < 0) {
    throw LibraryError("cannot write attribute " + name + " on " + object);
  }
}

void OutputFile::set_attribute(const std::string& object, const std::string& name, double value) {
  write_attribute(object, name, H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, &value, 0);
}

void OutputFile::set_attribute(const std::string& object, const std::string& name, int64_t value) {
  write_attribute(object, name, H5T_NATIVE_INT64, H5T_STD_I64LE, &value, 0);
}

void OutputFile::set_attribute(const std::string& object, const std::string& name, const std::vector<int64_t>& value) {
  write_attribute(object, name, H5T_NATIVE_INT64, H5T_STD_I64LE, value.data(), value.size());
}

void OutputFile::set_attribute(const std::string& object, const std::string& name, bool value) {
  // h5py reads a numpy bool as an enum of int8; a plain uint8 0/1 is what most tools expect and print.
  const uint8_t byte = value ? 1 : 0;
  write_attribute(object, name, H5T_NATIVE_UINT8, H5T_STD_U8LE, &byte, 0);
}

void OutputFile::set_attribute(const std::string& object, const std::string& name, const std::string& value) {
  h5::Handle type = h5::datatype(H5Tcopy(H5T_C_S1));
  H5Tset_size(type.get(), std::max<size_t>(value.size(), 1));
  H5Tset_cset(type.get(), H5T_CSET_UTF8);
  const std::string padded = value.empty() ? std::string(1, '\0') : value;
  write_attribute(object, name, type.get(), type.get(), padded.data(), 0);
}

void OutputFile::copy_group_from(const std::string& file, const std::string& group) {
  h5::Handle fapl = h5::plist(H5Pcreate(H5P_FILE_ACCESS));
  H5Pset_fapl_mpio(fapl.get(), comm_, MPI_INFO_NULL);
  h5::Handle source = h5::file(H5Fopen(h5::mpi_io_name(file).c_str(), H5F_ACC_RDONLY, fapl.get()));
  agree_or_throw(comm_, source.valid(), "cannot open '" + file + "' to copy " + group, kExitFailure);
  const herr_t status = H5Ocopy(source.get(), group.c_str(), file_.get(), group.c_str(), H5P_DEFAULT, H5P_DEFAULT);
  agree_or_throw(comm_, status >= 0, "cannot copy " + group + " from '" + file + "'", kExitFailure);
}

void OutputFile::commit() {
  const bool flushed = H5Fflush(file_.get(), H5F_SCOPE_GLOBAL) >= 0;
  file_.reset();
  agree_or_throw(comm_, flushed, "cannot flush '" + partial_path_ + "'" + space_hint(partial_path_), kExitFailure);
  bool renamed = true;
  if (comm_rank(comm_) == 0) renamed = std::rename(partial_path_.c_str(), path_.c_str()) == 0;
  if (comm_rank(comm_) == 0) set_partial_output("");
  agree_or_throw(comm_, renamed, "cannot rename '" + partial_path_ + "' to '" + path_ + "'", kExitFailure);
  committed_ = true;
}

}  // namespace jf
