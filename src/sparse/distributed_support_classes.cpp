#include "distributed_support_classes.hpp"

#include <mpi.h>

#include <algorithm>
#include <array>
#include <map>

#include "jointfact/core/error.hpp"

namespace jf::sparse::detail {

namespace {

constexpr int kPrints = 3;  // per support column: row count and two sums of mixed indices

std::uint64_t mixed(std::uint64_t x) {  // splitmix64's finaliser
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Adds this rank's part of each column's fingerprint; only one replica of each row contributes.
void add_prints(const SupportMatrix& here, const BlockCyclicMap& map, bool contributes, std::uint64_t* prints) {
  if (!contributes) return;
  for (Eigen::Index k = 0; k < here.cols(); ++k)
    for (Eigen::Index i_lc = 0; i_lc < here.rows(); ++i_lc)
      if (here(i_lc, k)) {
        const auto g = static_cast<std::uint64_t>(map.local_to_global(i_lc));
        prints[kPrints * k] += 1;
        prints[kPrints * k + 1] += mixed(g);
        prints[kPrints * k + 2] += mixed(g ^ 0x5851f42d4c957f2dULL);
      }
}

std::vector<std::int64_t> true_rows(const SupportMatrix& here, Eigen::Index col) {
  std::vector<std::int64_t> rows;
  for (Eigen::Index i = 0; i < here.rows(); ++i)
    if (here(i, col)) rows.push_back(i);
  return rows;
}

// meet(a, b) = 1 when classes a and b share a row held here (one support's rows, `first` member's column).
void add_meetings(const SupportMatrix& here, const std::vector<Eigen::Index>& first, double* meet) {
  const auto classes = static_cast<Eigen::Index>(first.size());
  Eigen::MatrixXd in_class(here.rows(), classes);
  for (Eigen::Index c = 0; c < classes; ++c) in_class.col(c) = here.col(first[c]).cast<double>().matrix();
  const Eigen::MatrixXd shared = in_class.transpose() * in_class;
  for (Eigen::Index t = 0; t < shared.size(); ++t) meet[t] = std::max(meet[t], shared.data()[t] > 0.0 ? 1.0 : 0.0);
}

std::vector<std::int64_t> gathered_indices(MPI_Comm comm, const std::vector<std::int64_t>& mine) {
  const int ranks = [&] {
    int size = 1;
    MPI_Comm_size(comm, &size);
    return size;
  }();
  int count = static_cast<int>(mine.size());
  std::vector<int> counts(ranks), displs(ranks, 0);
  MPI_Allgather(&count, 1, MPI_INT, counts.data(), 1, MPI_INT, comm);
  for (int r = 1; r < ranks; ++r) displs[r] = displs[r - 1] + counts[r - 1];
  std::vector<std::int64_t> all(static_cast<std::size_t>(displs.back() + counts.back()));
  MPI_Allgatherv(mine.data(), count, MPI_INT64_T, all.data(), counts.data(), displs.data(), MPI_INT64_T, comm);
  std::sort(all.begin(), all.end());
  return all;
}

}  // namespace

bool LocalSupportClasses::pairwise_disjoint() const {
  for (Eigen::Index a = 0; a < overlap.rows(); ++a)
    for (Eigen::Index b = a + 1; b < overlap.cols(); ++b)
      if (overlap(a, b)) return false;
  return true;
}

std::vector<std::int64_t> LocalSupportClasses::earlier_overlapping_members(std::size_t c) const {
  std::vector<std::int64_t> members;
  for (std::size_t earlier = 0; earlier < c; ++earlier)
    if (overlap(static_cast<Eigen::Index>(earlier), static_cast<Eigen::Index>(c)))
      members.insert(members.end(), classes[earlier].members.begin(), classes[earlier].members.end());
  return members;
}

LocalSupportClasses group_local_support_classes(const DistMatrix& a, const SupportMatrix& support_x_here,
                                                const SupportMatrix& support_y_here) {
  MPI_Comm comm = a.grid().comm();
  const Eigen::Index r = support_x_here.cols();
  const bool in_grid = a.grid().in_grid();
  std::vector<std::uint64_t> prints(2 * kPrints * static_cast<std::size_t>(r), 0);
  add_prints(support_x_here, a.row_map(), in_grid && a.grid().mycol() == 0, prints.data());
  add_prints(support_y_here, a.col_map(), in_grid && a.grid().myrow() == 0, prints.data() + kPrints * r);
  MPI_Allreduce(MPI_IN_PLACE, prints.data(), static_cast<int>(prints.size()), MPI_UINT64_T, MPI_SUM, comm);

  LocalSupportClasses result;
  std::map<std::array<std::uint64_t, 2 * kPrints>, std::size_t> class_of_print;
  std::vector<Eigen::Index> first;  // each class's smallest member
  for (Eigen::Index k = 0; k < r; ++k) {
    std::array<std::uint64_t, 2 * kPrints> key;
    for (int t = 0; t < kPrints; ++t) {
      key[t] = prints[kPrints * k + t];
      key[kPrints + t] = prints[kPrints * (r + k) + t];
    }
    const auto [at, inserted] = class_of_print.emplace(key, result.classes.size());
    if (inserted) {
      LocalSupportClass k_class;
      k_class.rows = static_cast<std::int64_t>(key[0]);
      k_class.cols = static_cast<std::int64_t>(key[kPrints]);
      k_class.row_lc = true_rows(support_x_here, k);
      k_class.col_lc = true_rows(support_y_here, k);
      result.classes.push_back(std::move(k_class));
      first.push_back(k);
    }
    result.classes[at->second].members.push_back(k);
  }
  // Confirm the fingerprints: every member's columns equal its class's first member's, on every rank.
  int confirmed = 1;
  for (std::size_t c = 0; c < result.classes.size(); ++c)
    for (std::int64_t k : result.classes[c].members)
      if (!(support_x_here.col(k) == support_x_here.col(first[c])).all() ||
          !(support_y_here.col(k) == support_y_here.col(first[c])).all())
        confirmed = 0;
  MPI_Allreduce(MPI_IN_PLACE, &confirmed, 1, MPI_INT, MPI_MIN, comm);
  if (!confirmed) throw LibraryError("fsmf: two different support columns have the same fingerprint");

  const auto classes = static_cast<Eigen::Index>(first.size());
  std::vector<double> meet(2 * static_cast<std::size_t>(classes * classes), 0.0);
  add_meetings(support_x_here, first, meet.data());
  add_meetings(support_y_here, first, meet.data() + classes * classes);
  MPI_Allreduce(MPI_IN_PLACE, meet.data(), static_cast<int>(meet.size()), MPI_DOUBLE, MPI_MAX, comm);
  result.overlap.resize(classes, classes);
  for (Eigen::Index t = 0; t < classes * classes; ++t)
    result.overlap.data()[t] = meet[t] > 0.0 && meet[classes * classes + t] > 0.0;
  return result;
}

SupportClass gather_support_class(const DistMatrix& a, const LocalSupportClass& k) {
  const bool in_grid = a.grid().in_grid();
  std::vector<std::int64_t> rows, cols;  // one replica of each sends its global indices
  if (in_grid && a.grid().mycol() == 0)
    for (std::int64_t i_lc : k.row_lc) rows.push_back(a.row_map().local_to_global(i_lc));
  if (in_grid && a.grid().myrow() == 0)
    for (std::int64_t j_lc : k.col_lc) cols.push_back(a.col_map().local_to_global(j_lc));
  return {gathered_indices(a.grid().comm(), rows), gathered_indices(a.grid().comm(), cols), k.members};
}

}  // namespace jf::sparse::detail
