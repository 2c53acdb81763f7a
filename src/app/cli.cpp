#include "jointfact/app/cli.hpp"

#include <cstdio>
#include <string>

#include "jointfact/app/command.hpp"
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

// CLI11 messages can span lines; the contract wants exactly one.
std::string one_line(std::string text) {
  for (char& c : text) {
    if (c == '\n') c = ' ';
  }
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

}  // namespace

std::vector<RegisteredCommand> register_all_commands(CLI::App& app) {
  return {register_info_command(app), register_generate_command(app), register_svd_command(app), register_joint_command(app), register_fsmf_command(app),
          register_butterfly_command(app), register_run_command(app), register_bench_command(app)};
}

int run_cli(int argc, char** argv, MPI_Comm comm) {
  CLI::App app{"jointfact: distributed truncated SVD, loss-aware joint low-rank factorization and\n"
               "fixed-support sparse (butterfly) factorization of large dense matrices in HDF5.\n"
               "Run under MPI, e.g.  mpirun -np 4 jointfact svd --input W.h5 --output out.h5 --rank 20",
               "jointfact"};
  app.set_version_flag("--version", std::string("jointfact ") + kVersion);
  app.require_subcommand(1);
  app.footer("Exit codes: 0 success, 2 bad usage or input, 75 stopped after a checkpoint (rerun to resume), 1 other.\n"
             "Run 'jointfact COMMAND --help' for a command's options.");
  const auto commands = register_all_commands(app);
  install_console_progress();
  install_stop_handlers();
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
      if (command.subcommand->parsed()) return command.run(comm);
    }
    print_error(comm, "no command given (see 'jointfact --help')");
    return kExitBadInput;
  } catch (const Interrupted& e) {
    if (comm_rank(comm) == 0) std::fprintf(stderr, "jointfact: %s\n", one_line(e.what()).c_str());
    return e.exit_code();
  } catch (const Error& e) {
    // jointfact's own errors are raised on every rank together (collective.hpp): report once, return.
    print_error(comm, one_line(e.what()));
    return e.exit_code();
  } catch (const CLI::ParseError& e) {  // a command-level option check made while running
    print_error(comm, one_line(e.what()));
    return kExitBadInput;
  } catch (const std::exception& e) {
    // An error on some ranks only: the others may be inside a collective, so abort the whole job.
    std::fprintf(stderr, "jointfact: error: internal error on rank %d: %s\n", comm_rank(comm), e.what());
    std::fflush(stderr);
    MPI_Abort(comm, kExitFailure);
    return kExitFailure;
  }
}

}  // namespace jf::app
