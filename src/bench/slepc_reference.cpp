#include "bench/slepc_reference.hpp"

#include <stdio.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>

#include "jointfact/core/collective.hpp"
#include "jointfact/core/log.hpp"
#include "jointfact/io/output_file.hpp"

extern char** environ;

namespace jf::bench {
namespace {

constexpr const char* kPython = "/usr/bin/python3";

bool readable(const std::string& path) { return !path.empty() && ::access(path.c_str(), R_OK) == 0; }

// $JOINTFACT_SLEPC_SCRIPT, else <repository>/jobs/bench_slepc_svd.py for an executable in <repository>/<build>/.
std::string find_script() {
  if (const char* given = std::getenv("JOINTFACT_SLEPC_SCRIPT")) return readable(given) ? given : "";
  char executable[4096] = {};
  const ssize_t length = ::readlink("/proc/self/exe", executable, sizeof(executable) - 1);
  if (length <= 0) return "";
  std::string path(executable, static_cast<size_t>(length));
  for (int up = 0; up < 2 && path.find('/') != std::string::npos; ++up) path.erase(path.rfind('/'));
  path += "/jobs/bench_slepc_svd.py";
  return readable(path) ? path : "";
}

// `env -u NAME ...` for the variables this rank's own mpirun set: a child mpirun that saw them would take
// itself for one of our ranks instead of starting its own job.
std::string without_parent_mpi_environment() {
  std::string prefix = "env";
  for (char** entry = environ; *entry; ++entry) {
    const std::string name(*entry, std::strcspn(*entry, "="));
    for (const char* family : {"OMPI_", "PMIX_", "OPAL_", "PRTE_", "ORTE_"}) {
      if (name.rfind(family, 0) == 0) {
        prefix += " -u " + name;
        break;
      }
    }
  }
  return prefix;
}

// Runs a shell command and returns its standard output (stderr dropped); exit status in `status`.
std::string run_command(const std::string& command, int& status) {
  std::string output;
  FILE* pipe = ::popen((command + " 2>/dev/null").c_str(), "r");
  if (!pipe) {
    status = -1;
    return output;
  }
  char buffer[4096];
  size_t count;
  while ((count = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) output.append(buffer, count);
  status = ::pclose(pipe);
  return output;
}

// The last line that parses as a JSON object (the script prints one line; mpirun may add others).
nlohmann::json last_json_line(const std::string& output) {
  nlohmann::json found;
  size_t start = 0;
  while (start < output.size()) {
    size_t end = output.find('\n', start);
    if (end == std::string::npos) end = output.size();
    const std::string line = output.substr(start, end - start);
    if (!line.empty() && line[0] == '{') {
      nlohmann::json parsed = nlohmann::json::parse(line, nullptr, false);
      if (parsed.is_object()) found = std::move(parsed);
    }
    start = end + 1;
  }
  return found;
}

// Rank 0 runs `work` (which must not throw); the other ranks wait in a barrier polled every 20 ms instead of
// a blocking collective that spins, so the child processes have all the cores.
template <class Work>
void on_root_while_others_sleep(MPI_Comm comm, Work&& work) {
  if (comm_rank(comm) == 0) work();
  MPI_Request request;
  MPI_Ibarrier(comm, &request);
  int done = 0;
  while (!done) {
    MPI_Test(&request, &done, MPI_STATUS_IGNORE);
    if (!done) ::usleep(20000);
  }
}

}  // namespace

SlepcReference::SlepcReference(MPI_Comm comm, std::string dir) : comm_(comm), dir_(std::move(dir)) {
  std::string verdict;
  on_root_while_others_sleep(comm_, [&] {
    script_ = find_script();
    if (script_.empty()) {
      verdict = "jobs/bench_slepc_svd.py not found (set JOINTFACT_SLEPC_SCRIPT)";
      return;
    }
    int status = 0;
    const nlohmann::json probe = last_json_line(
        run_command(without_parent_mpi_environment() + " " + kPython + " '" + script_ + "' --probe", status));
    if (status != 0 || !probe.is_object() || !probe.value("available", false)) verdict = "not installed";
  });
  reason_ = broadcast_string(comm_, verdict);
  available_ = reason_.empty();
}

SlepcReference::~SlepcReference() {
  if (!matrix_path_.empty() && comm_rank(comm_) == 0) std::remove(matrix_path_.c_str());
}

SlepcSolve SlepcReference::solve(const DistMatrix& a, int64_t k, double tol, int reps) {
  if (matrix_path_.empty()) {
    const std::string path =
        broadcast_string(comm_, dir_ + "/jointfact-bench-slepc-" + std::to_string(::getpid()) + ".h5");
    OutputFile file(comm_, path);
    file.write_matrix("/W", a);
    file.commit();
    matrix_path_ = path;
  }
  SlepcSolve result;
  std::string answer;
  on_root_while_others_sleep(comm_, [&] {
    const std::string command = without_parent_mpi_environment() + " mpirun" +
                                (::geteuid() == 0 ? " --allow-run-as-root" : "") + " --oversubscribe -np " +
                                std::to_string(comm_size(comm_)) + " " + kPython + " '" + script_ + "' --matrix '" +
                                matrix_path_ + ":/W' --rank " + std::to_string(k) + " --tol " +
                                format_number("%g", tol) + " --reps " + std::to_string(reps);
    int status = 0;
    const nlohmann::json record = last_json_line(run_command(command, status));
    if (status != 0 || !record.is_object() || !record.contains("seconds")) {
      answer = R"({"error": "the SLEPc run failed (exit status )" + std::to_string(status) + R"("})";
    } else {
      answer = record.dump();
    }
  });
  const nlohmann::json record = nlohmann::json::parse(broadcast_string(comm_, answer));
  if (record.contains("error")) {
    result.error = record["error"].get<std::string>();
    return result;
  }
  result.ok = true;
  result.seconds = record["seconds"].get<double>();
  result.worst_residual = record.value("max_residual_over_s1", 0.0);
  result.converged = record.value("converged", int64_t{0});
  result.s = record.value("s", std::vector<double>{});
  result.peak_rss_bytes.max = record.value("peak_rss_max_bytes", 0.0);
  result.peak_rss_bytes.mean = record.value("peak_rss_mean_bytes", 0.0);
  return result;
}

}  // namespace jf::bench
