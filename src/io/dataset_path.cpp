#include "jointfact/io/dataset_path.hpp"

#include <sys/stat.h>

#include <sstream>

#include "io/file_kind.hpp"
#include "jointfact/core/collective.hpp"
#include "jointfact/core/error.hpp"
#include "jointfact/io/h5_handle.hpp"

namespace jf {
namespace {

struct Listing {
  std::vector<std::string> names;
  std::vector<int> ranks;
};

herr_t collect_dataset(hid_t root, const char* name, const H5O_info_t* info, void* out) {
  if (info->type != H5O_TYPE_DATASET || std::string(name) == ".") return 0;
  auto* listing = static_cast<Listing*>(out);
  h5::Handle dset = h5::dataset(H5Dopen2(root, name, H5P_DEFAULT));
  h5::Handle space = h5::dataspace(H5Dget_space(dset.get()));
  listing->names.push_back("/" + std::string(name));
  listing->ranks.push_back(H5Sget_simple_extent_ndims(space.get()));
  return 0;
}

std::string join(const std::vector<std::string>& items) {
  std::string text;
  for (const auto& item : items) text += (text.empty() ? "" : ", ") + item;
  return text.empty() ? "none" : text;
}

std::string describe_type(hid_t type, bool& is_float, bool& is_integer) {
  const H5T_class_t type_class = H5Tget_class(type);
  const size_t bytes = H5Tget_size(type);
  is_float = type_class == H5T_FLOAT;
  is_integer = type_class == H5T_INTEGER || type_class == H5T_ENUM;  // h5py stores bool as an enum
  if (is_float) return "float" + std::to_string(8 * bytes);
  if (type_class == H5T_ENUM) return "bool";
  if (is_integer) {
    return std::string(H5Tget_sign(type) == H5T_SGN_NONE ? "uint" : "int") + std::to_string(8 * bytes);
  }
  return "non-numeric";
}

// Rank 0's part: returns "" and fills info, or returns the error message.
std::string inspect_on_root(const DatasetPath& path, int want_dims, DatasetInfo& info) {
  const std::string reason = unreadable_reason(path.file);
  if (!reason.empty()) return "cannot read '" + path.file + "': " + reason;
  if (H5Fis_hdf5(path.file.c_str()) <= 0) return "'" + path.file + "' is not an HDF5 file (or is truncated)";
  h5::Handle file = h5::file(H5Fopen(path.file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  if (!file.valid()) return "cannot open '" + path.file + "' as HDF5 (truncated or corrupt?)";
  Listing listing;
  if (H5Ovisit(file.get(), H5_INDEX_NAME, H5_ITER_NATIVE, collect_dataset, &listing) < 0) {
    return "cannot list the datasets of '" + path.file + "' (corrupt file?)";
  }
  std::string name = path.dataset;
  if (name.empty()) {
    std::vector<std::string> candidates;
    for (size_t i = 0; i < listing.names.size(); ++i) {
      if (want_dims == 0 || listing.ranks[i] == want_dims) candidates.push_back(listing.names[i]);
    }
    if (candidates.size() != 1) {
      const std::string kind = want_dims == 0 ? "" : std::to_string(want_dims) + "-D ";
      return "'" + path.file + "' has " + (candidates.empty() ? "no " : "several ") + kind + "datasets (" +
             join(candidates.empty() ? listing.names : candidates) + "); name one as " + path.file + ":DSET";
    }
    name = candidates.front();
  }
  if (name.front() != '/') name = "/" + name;
  if (H5Lexists(file.get(), name.c_str(), H5P_DEFAULT) <= 0 ||
      H5Oexists_by_name(file.get(), name.c_str(), H5P_DEFAULT) <= 0) {
    return "'" + path.file + "' has no dataset '" + name + "' (datasets: " + join(listing.names) + ")";
  }
  h5::Handle dset = h5::dataset(H5Dopen2(file.get(), name.c_str(), H5P_DEFAULT));
  if (!dset.valid()) return "'" + path.file + ":" + name + "' is not a dataset";
  h5::Handle space = h5::dataspace(H5Dget_space(dset.get()));
  h5::Handle type = h5::datatype(H5Dget_type(dset.get()));
  const int ndims = H5Sget_simple_extent_ndims(space.get());
  std::vector<hsize_t> dims(static_cast<size_t>(std::max(ndims, 0)));
  if (ndims > 0) H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  info.file = path.file;
  info.dataset = name;
  info.shape.assign(dims.begin(), dims.end());
  info.dtype = describe_type(type.get(), info.is_float, info.is_integer);
  return "";
}

std::string encode(const DatasetInfo& info) {
  std::ostringstream out;
  out << info.is_float << ' ' << info.is_integer << ' ' << info.dtype << ' ' << info.shape.size();
  for (int64_t d : info.shape) out << ' ' << d;
  out << ' ' << info.dataset << '\n' << info.file;  // last: may contain spaces
  return out.str();
}

// The file name comes from rank 0 too: every rank then opens what rank 0 inspected.
DatasetInfo decode(const std::string& text) {
  std::istringstream in(text);
  DatasetInfo info;
  size_t ndims = 0;
  in >> info.is_float >> info.is_integer >> info.dtype >> ndims;
  info.shape.resize(ndims);
  for (auto& d : info.shape) in >> d;
  in.get();
  std::getline(in, info.dataset);
  std::getline(in, info.file);
  return info;
}

}  // namespace

DatasetPath DatasetPath::parse(const std::string& text) {
  struct stat status {};
  if (text.find(':') != std::string::npos && stat(text.c_str(), &status) == 0) return {text, ""};  // "run:3.h5"
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon + 1 == text.size()) {
    return {colon == std::string::npos ? text : text.substr(0, colon), ""};
  }
  std::string dataset = text.substr(colon + 1);
  if (dataset.front() != '/') dataset = "/" + dataset;
  return {text.substr(0, colon), dataset};
}

DatasetInfo inspect_dataset(MPI_Comm comm, const DatasetPath& path, int want_dims) {
  std::string error, encoded;
  if (comm_rank(comm) == 0) {
    h5::silence_library_errors();
    DatasetInfo info;
    error = inspect_on_root(path, want_dims, info);
    if (error.empty()) encoded = encode(info);
  }
  agree_or_throw(comm, comm_rank(comm) != 0 || error.empty(), error);
  return decode(broadcast_string(comm, encoded));
}

}  // namespace jf
