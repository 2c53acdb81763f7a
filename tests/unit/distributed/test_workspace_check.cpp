// ScaLAPACK workspace queries are checked before anything is allocated: a query that overflowed inside
// ScaLAPACK (negative), is not finite, or exceeds what a 32-bit LWORK carries is InputError (exit 2) with a
// message naming the routine and what would help; sane queries get the usual headroom.
#include <catch2/catch.hpp>

#include <climits>
#include <cmath>
#include <limits>
#include <string>

#include "distributed/fortran_int.hpp"
#include "jointfact/core/error.hpp"

using namespace jf;

TEST_CASE("checked_workspace refuses overflowed or oversized queries before allocating", "[dist][workspace]") {
  CHECK(checked_workspace(0.0, "pdgeqrf") == 16);
  CHECK(checked_workspace(1000.0, "pdgeqrf") == 1016);
  CHECK(checked_workspace(1000.25, "pdgeqrf") == 1017);
  // What pdgeqrf returns for 40,000,000 x 2 with blocks of 64 on one rank: NB (Mp + Nq + NB) overflows.
  const double overflowed = static_cast<double>(static_cast<int32_t>(static_cast<uint32_t>(64u * 40000128u)));
  REQUIRE(overflowed < 0);
  for (double bad :
       {overflowed, -1.0, 3e9, static_cast<double>(INT_MAX), std::numeric_limits<double>::infinity(), std::nan("")}) {
    INFO(bad);
    try {
      checked_workspace(bad, "pdgeqrf");
      FAIL("accepted");
    } catch (const InputError& error) {
      const std::string message = error.what();
      CHECK(message.find("pdgeqrf") != std::string::npos);
      CHECK(message.find("32-bit") != std::string::npos);
      CHECK(error.exit_code() == kExitBadInput);
    }
  }
}
