#include "bench/bench_record.hpp"

#include <cstdio>

#include "jointfact/core/collective.hpp"

namespace jf::bench {
namespace {

constexpr double kMiB = 1024.0 * 1024.0;

std::string fixed(const Record& record, const char* key, const char* pattern, double scale = 1.0) {
  if (!record.contains(key) || record[key].is_null()) return "-";
  char text[32];
  std::snprintf(text, sizeof text, pattern, record[key].get<double>() / scale);
  return text;
}

// "pdgesvd 310x, exact 12x" from the speedup_vs_* keys.
std::string speedups(const Record& record) {
  std::string text;
  const std::string prefix = "speedup_vs_";
  for (const auto& [key, value] : record.items()) {
    if (key.rfind(prefix, 0) != 0 || !value.is_number()) continue;
    char number[32];
    std::snprintf(number, sizeof number, "%.3gx", value.get<double>());
    text += (text.empty() ? "" : ", ") + key.substr(prefix.size()) + " " + number;
  }
  return text.empty() ? "-" : text;
}

}  // namespace

Record make_record(MPI_Comm comm, const std::string& bench, const std::string& name, int64_t m, int64_t n,
                   const std::string& grid, int64_t block, int64_t local_bytes, const Measurement& measurement) {
  Record record;
  record["bench"] = bench;
  record["case"] = name;
  record["m"] = m;
  record["n"] = n;
  record["ranks"] = comm_size(comm);
  record["grid"] = grid;
  record["block"] = block;
  record["reps"] = measurement.seconds.size();
  record["seconds"] = measurement.best();
  record["seconds_median"] = measurement.median();
  record["peak_rss_max_bytes"] = measurement.peak_rss_bytes.max;
  record["peak_rss_mean_bytes"] = measurement.peak_rss_bytes.mean;
  const double share = max_over_ranks(comm, static_cast<double>(local_bytes));
  record["share_max_bytes"] = share > 0 ? Record(share) : Record(nullptr);
  record["bytes_sent_max"] = measurement.bytes_sent.max;
  record["bytes_sent_mean"] = measurement.bytes_sent.mean;
  return record;
}

Record make_record(const std::string& bench, const std::string& name, const DistMatrix& input,
                   const Measurement& measurement) {
  return make_record(input.grid().comm(), bench, name, input.rows(), input.cols(), input.grid().describe(),
                     input.row_block(), input.local_bytes(), measurement);
}

void add_floor(Record& record, double flops, double dgemm_gflops, double local_dgemm_gflops) {
  const double seconds = record["seconds"].get<double>();
  record["flops"] = flops;
  record["gflops"] = seconds > 0 ? flops / seconds / 1e9 : 0.0;
  record["dgemm_gflops"] = dgemm_gflops;
  const double floor = dgemm_gflops > 0 ? flops / (dgemm_gflops * 1e9) : 0.0;
  record["floor_seconds"] = floor;
  record["floor_ratio"] = floor > 0 ? seconds / floor : 0.0;
  if (local_dgemm_gflops > 0) {
    record["local_dgemm_gflops"] = local_dgemm_gflops;
    record["local_floor_ratio"] = seconds / (flops / (local_dgemm_gflops * 1e9));
  }
}

void add_reference(Record& record, const std::string& reference, double reference_seconds) {
  const double seconds = record["seconds"].get<double>();
  record[reference + "_seconds"] = reference_seconds;
  record["speedup_vs_" + reference] = seconds > 0 ? reference_seconds / seconds : 0.0;
}

void BenchPrinter::row(const Record& record) {
  records_.push_back(record);
  if (comm_rank(comm_) != 0) return;
  if (!header_printed_) {
    std::printf("%-9s %-16s %-11s %3s %-5s %4s %4s %9s %9s %8s %8s %8s %8s %8s  %s\n", "bench", "case", "size", "P",
                "grid", "nb", "reps", "best_s", "median_s", "GFLOP/s", "floor_x", "peak_MiB", "share", "sent_MiB",
                "speedup vs");
    header_printed_ = true;
  }
  const std::string size =
      std::to_string(record["m"].get<int64_t>()) + "x" + std::to_string(record["n"].get<int64_t>());
  std::printf("%-9s %-16s %-11s %3d %-5s %4lld %4lld %9s %9s %8s %8s %8s %8s %8s  %s\n",
              record["bench"].get<std::string>().c_str(), record["case"].get<std::string>().c_str(), size.c_str(),
              record["ranks"].get<int>(), record["grid"].get<std::string>().c_str(),
              static_cast<long long>(record["block"].get<int64_t>()),
              static_cast<long long>(record["reps"].get<int64_t>()), fixed(record, "seconds", "%.4f").c_str(),
              fixed(record, "seconds_median", "%.4f").c_str(), fixed(record, "gflops", "%.2f").c_str(),
              fixed(record, "floor_ratio", "%.2f").c_str(), fixed(record, "peak_rss_max_bytes", "%.1f", kMiB).c_str(),
              fixed(record, "share_max_bytes", "%.1f", kMiB).c_str(),
              fixed(record, "bytes_sent_max", "%.2f", kMiB).c_str(), speedups(record).c_str());
  std::fflush(stdout);
}

void BenchPrinter::note(const std::string& line) {
  if (comm_rank(comm_) != 0) return;
  std::printf("# %s\n", line.c_str());
  std::fflush(stdout);
}

void BenchPrinter::finish() const {
  if (comm_rank(comm_) != 0) return;
  if (header_printed_) {
    std::printf(
        "# floor_x = time / (flops / pdgemm rate of the dgemm row); local_floor_ratio in the JSON uses "
        "the ranks' plain local dgemm rate.\n# peak_MiB, sent_MiB: max over ranks (VmHWM, MPI payload "
        "sent); share: the largest rank's part of the input\n");
  }
  for (const Record& record : records_) std::printf("%s\n", record.dump().c_str());
  std::fflush(stdout);
}

}  // namespace jf::bench
