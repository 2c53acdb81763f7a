#include "app/cli.hpp"

#include <cstdio>
#include <cstdlib>
#include <new>
#include <regex>
#include <string>

#include "app/command.hpp"
#include "core/number_checks.hpp"
#include "jointfact/core/collective.hpp"
#include "jointfact/core/error.hpp"
#include "jointfact/core/stop_signal.hpp"
#include "jointfact/version.hpp"

namespace jf::app {
namespace {

void print_error(MPI_Comm comm, const std::string& message) {
  if (comm_rank(comm) == 0) {
    std::fprintf(stderr, "jointfact: error: %s\n", message.c_str());
    std::fflush(stderr);
  }
}

// CLI11 prints range bounds such as the largest double in full (309 digits): shorten such numbers.
std::string readable_numbers(const std::string& text) {
  static const std::regex long_number(R"([0-9]{16,}(\.[0-9]+)?)");
  std::string result;
  auto last = text.cbegin();
  for (std::sregex_iterator it(text.begin(), text.end(), long_number), end; it != end; ++it) {
    result.append(last, text.cbegin() + it->position());
    char shortened[32];
    std::snprintf(shortened, sizeof shortened, "%.6g", std::strtod(it->str().c_str(), nullptr));
    result += shortened;
    last = text.cbegin() + it->position() + it->length();
  }
  return result.append(last, text.cend());
}

// CLI11 messages can span lines; an error is exactly one line on stderr.
std::string one_line(std::string text) {
  for (char& c : text) {
    if (c == '\n') c = ' ';
  }
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return readable_numbers(text);
}

// Seconds a failing rank waits for the others at the agreement point before it concludes that it failed
// alone (the others wait in a collective) and aborts the job.
constexpr double kFailureAgreementSeconds = 5.0;

// Every error ends here: one line and the exit code when all ranks failed together, else the failing
// rank's line and an abort of the whole job with that code (never a hang).
int report_failure(MPI_Comm comm, const std::string& message, int exit_code) {
  install_stop_handlers();  // the command has ended: mpirun's clean-up signals must not print a second line
  if (failed_on_every_rank(kFailureAgreementSeconds)) {
    print_error(comm, message);
    return exit_code;
  }
  std::fprintf(stderr, "jointfact: error: %s (rank %d)\n", message.c_str(), comm_rank(comm));
  std::fflush(stderr);
  MPI_Abort(comm, exit_code);
  return exit_code;
}

// Every real-valued option (CLI11 type FLOAT) of the chosen command must be finite and bounded: a NaN
// or inf weight or tolerance would otherwise run to the end and write NaN factors.
void require_finite_options(const CLI::App& command) {
  for (const CLI::Option* option : command.get_options()) {
    if (option->get_type_name().rfind("FLOAT", 0) != 0) continue;  // "FLOAT" or "FLOAT:NONNEGATIVE" ...
    for (const std::string& text : option->results()) {
      const std::string problem = setting_number_problem(std::strtod(text.c_str(), nullptr));
      if (!problem.empty()) throw InputError(option->get_name() + " " + text + " " + problem);
    }
  }
}

}  // namespace

std::vector<RegisteredCommand> register_all_commands(CLI::App& app) {
  return {register_info_command(app),  register_generate_command(app), register_svd_command(app),
          register_joint_command(app), register_fsmf_command(app),     register_butterfly_command(app),
          register_run_command(app),   register_bench_command(app)};
}

int run_cli(int argc, char** argv, MPI_Comm comm) {
  CLI::App app{
      "jointfact: distributed truncated SVD, loss-aware joint low-rank factorization and\n"
      "fixed-support sparse (butterfly) factorization of large dense matrices in HDF5.\n"
      "Run under MPI, e.g.  mpirun -np 4 jointfact svd --input W.h5 --output out.h5 --rank 20",
      "jointfact"};
  app.set_version_flag("--version", std::string("jointfact ") + kVersion);
  app.require_subcommand(1);
  app.footer(
      "Exit codes: 0 success, 2 bad usage or input, 75 stopped after a checkpoint (rerun to resume), 1 other.\n"
      "Run 'jointfact COMMAND --help' for a command's options.");
  const auto commands = register_all_commands(app);
  install_console_progress();
  install_stop_handlers();
  prepare_failure_agreement(comm);
  if (argc > 1 && argv[1][0] != '-') {
    std::string known;
    bool found = false;
    for (const auto& command : commands) {
      known += (known.empty() ? "" : ", ") + command.subcommand->get_name();
      found = found || command.subcommand->get_name() == argv[1];
    }
    if (!found) {
      print_error(comm, std::string("unknown command '") + argv[1] + "' (commands: " + known + ")");
      return kExitBadInput;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    if (comm_rank(comm) == 0) app.exit(e);
    return kExitOk;
  } catch (const CLI::CallForAllHelp& e) {
    if (comm_rank(comm) == 0) app.exit(e);
    return kExitOk;
  } catch (const CLI::CallForVersion& e) {
    if (comm_rank(comm) == 0) app.exit(e);
    return kExitOk;
  } catch (const CLI::ParseError& e) {
    print_error(comm, one_line(e.what()) + " (see 'jointfact --help')");
    return kExitBadInput;
  }
  try {
    for (const auto& command : commands) {
      if (!command.subcommand->parsed()) continue;
      require_finite_options(*command.subcommand);
      // Only `run` has checkpoints to stop at; the other commands end at once on a stop signal.
      if (command.subcommand->get_name() != "run") install_terminating_stop_handlers(comm_rank(comm) == 0);
      const int exit_code = command.run(comm);
      install_stop_handlers();  // finished: a signal while MPI shuts down must not report a lost result
      return exit_code;
    }
    print_error(comm, "no command given (see 'jointfact --help')");
    return kExitBadInput;
  } catch (const Interrupted& e) {
    install_stop_handlers();
    if (comm_rank(comm) == 0) std::fprintf(stderr, "jointfact: %s\n", one_line(e.what()).c_str());
    return e.exit_code();
  } catch (const CheckpointMismatch& e) {
    return report_failure(
        comm, one_line(e.what()) + "; rerun with --no-resume to start over (the checkpoint is then discarded)",
        e.exit_code());
  } catch (const Error& e) {
    return report_failure(comm, one_line(e.what()), e.exit_code());
  } catch (const CLI::ParseError& e) {  // a command-level option check made while running
    return report_failure(comm, one_line(e.what()), kExitBadInput);
  } catch (const std::bad_alloc&) {
    return report_failure(comm,
                          "out of memory: the problem does not fit the memory of the ranks (use more ranks or "
                          "nodes, or a smaller problem)",
                          kExitFailure);
  } catch (const std::exception& e) {
    return report_failure(comm, std::string("internal error: ") + one_line(e.what()), kExitFailure);
  }
}

}  // namespace jf::app
