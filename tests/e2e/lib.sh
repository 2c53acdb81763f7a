# Shared helpers for the command-line tests. Each test script sources this, calls check/expect_* and ends
# with `finish`, which prints "N passed, M failed" and sets the exit code.
set -u
: "${JOINTFACT_BIN:?set JOINTFACT_BIN to build/jointfact (CTest does)}"
: "${MPIEXEC:=mpirun}"
source "$(dirname "${BASH_SOURCE[0]}")/../../jobs/env.sh"
PYTHON=/usr/bin/python3   # Debian's, with numpy and h5py
WORK=$(mktemp -d /tmp/jf-e2e.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
PASSED=0
FAILED=0

pass() { PASSED=$((PASSED + 1)); echo "ok   - $1"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL - $1"; }

# jf NP ARGS...: runs jointfact on NP ranks with a hang guard; stdout/stderr in $WORK/out, $WORK/err.
jf() {
  local np=$1
  shift
  timeout 300 "$MPIEXEC" -q --oversubscribe -np "$np" "$JOINTFACT_BIN" "$@" >"$WORK/out" 2>"$WORK/err"
}

# expect_ok NAME NP ARGS...
expect_ok() {
  local name=$1
  shift
  if jf "$@"; then pass "$name"; else fail "$name (exit $?): $(head -c 400 "$WORK/err")"; fi
}

# expect_error NAME SUBSTRING NP ARGS...: exit 2, exactly one stderr line, starting "jointfact: error:",
# containing SUBSTRING; no hang (timeout gives 124).
expect_error() {
  local name=$1 needle=$2
  shift 2
  jf "$@"
  local code=$?
  local lines
  # mpirun's own event library now and then prints "[warn] Epoll MOD(1) on fd N failed ... Bad file
  # descriptor" while the ranks' pipes close (OpenMPI 4.1's libevent, not jointfact): not counted.
  lines=$(grep -vc '^\[warn\] Epoll ' "$WORK/err")
  if [ "$code" -ne 2 ]; then
    fail "$name: exit $code, expected 2; stderr: $(head -c 400 "$WORK/err")"
  elif [ "$lines" -ne 1 ]; then
    fail "$name: $lines stderr lines, expected 1: $(head -c 400 "$WORK/err")"
  elif ! grep -q '^jointfact: error: ' "$WORK/err"; then
    fail "$name: stderr does not start with 'jointfact: error:': $(cat "$WORK/err")"
  elif ! grep -qF -- "$needle" "$WORK/err"; then
    fail "$name: stderr lacks '$needle': $(cat "$WORK/err")"
  else
    pass "$name"
  fi
}

checksum() { sha256sum "$1" | cut -d' ' -f1; }

finish() {
  echo "$PASSED passed, $FAILED failed"
  [ "$FAILED" -eq 0 ]
}
