#!/usr/bin/env bash
# kill -9 of the whole run at moments that hit every stage, then the same command again: the final
# factors equal an uninterrupted run's. Also: killed at P = 2, resumed at P = 3 on another grid.
source "$(dirname "$0")/../e2e/lib.sh"
cd "$WORK"

cat >fault.toml <<TOML
[input]
generate = "lowrank"
shape = [512, 512]
rank = 10
noise = 0.5
seed = 4
[svd]
rank = 10
[joint]
objective = "rowsum"
mode = "lossless"
eps_rel = 0.01
tol = 1e-12
max_iters = 150
[sparse]
kind = "butterfly"
tree = "balanced"
[output]
checkpoint_every_s = 0
TOML

# compare_outputs REF OUT TOL [product]: every stage's factors agree within TOL (relative, max norm).
# With "product", the joint stage is compared through L R^T: across rank counts the factors' rounding
# differs, and L, R are only defined up to an invertible k x k gauge that rounding can move.
compare_outputs() {
  $PYTHON - "$1" "$2" "$3" "${4:-factors}" <<'PY'
import sys, h5py, numpy as np
ref, out, tol, joint_by = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r"), float(sys.argv[3]), sys.argv[4]
names = ["svd/S", "svd/U", "svd/V"] + [f"butterfly/F{i}/data" for i in range(1, 10)]
pairs = [(ref[n][...], out[n][...], n) for n in names]
if joint_by == "product":
    pairs.append((ref["joint/L"][...] @ ref["joint/R"][...].T, out["joint/L"][...] @ out["joint/R"][...].T, "L R^T"))
else:
    pairs += [(ref[n][...], out[n][...], n) for n in ["joint/L", "joint/R"]]
worst, where = 0.0, ""
for a, b, name in pairs:
    assert a.shape == b.shape, name
    difference = np.abs(a - b).max() / max(np.abs(a).max(), 1e-300)
    if difference >= worst:
        worst, where = difference, name
print(f"max relative difference {worst:.2e} ({where})")
sys.exit(0 if worst <= tol else 1)
PY
}

# run_and_kill NP PATTERN OUT [extra args]: start the run, kill -9 everything once PATTERN is logged.
run_and_kill() {
  local np=$1 pattern=$2 out=$3
  shift 3
  # The run pauses at PATTERN (test hook), so the kill lands inside that stage even when it is short.
  JOINTFACT_TEST_PAUSE_AT="$pattern" mpirun -q --oversubscribe -np "$np" -x JOINTFACT_TEST_PAUSE_AT \
    "$JOINTFACT_BIN" run fault.toml --output "$WORK/$out" "$@" >kill.log 2>&1 &
  local launcher=$!
  local seen=0
  for _ in $(seq 1 1200); do
    if grep -q -- "$pattern" kill.log; then seen=1; break; fi
    kill -0 "$launcher" 2>/dev/null || break
    sleep 0.02
  done
  pkill -9 -f "^$JOINTFACT_BIN run fault.toml --output $WORK/$out" 2>/dev/null
  kill -9 "$launcher" 2>/dev/null
  wait "$launcher" 2>/dev/null
  [ $seen = 1 ]
}

expect_ok "uninterrupted reference run (P=2)" 2 run fault.toml --output "$WORK/ref.h5"

moments=("input: generated" "svd: start" "joint: start" "lossless k = 10" "joint: checkpoint at iteration 2" "sparse: start")
for i in "${!moments[@]}"; do
  moment=${moments[$i]}
  out="killed$i.h5"
  if run_and_kill 2 "$moment" "$out"; then
    [ -f "$out" ] && fail "kill at '$moment' left a final output behind" || pass "killed -9 at '$moment', no final output"
  else
    fail "never saw '$moment' before the kill: $(tail -2 kill.log)"
    continue
  fi
  expect_ok "rerun after kill at '$moment'" 2 run fault.toml --output "$WORK/$out"
  if [ "$moment" = "joint: checkpoint at iteration 2" ]; then
    grep -q "joint: resuming from checkpoint .* at iteration [1-9]" "$WORK/out" &&
      pass "the rerun continued the joint stage from its periodic checkpoint" || fail "no mid-joint resume: $(grep joint "$WORK/out" | head -3)"
  fi
  compare_outputs ref.h5 "$out" 1e-10 && pass "result after kill at '$moment' equals the uninterrupted run" ||
    fail "result after kill at '$moment' differs"
done

# Killed at P = 2 in the middle of the joint stage, resumed at P = 3 on a 3x1 grid with another block size.
if run_and_kill 2 "joint: checkpoint at iteration 2" "moved.h5"; then
  expect_ok "resume at P=3, grid 3x1, block 32" 3 run fault.toml --output "$WORK/moved.h5" --grid 3x1 --block 32
  grep -q "svd: resumed" "$WORK/out" && grep -q "joint: resuming from checkpoint .* at iteration [1-9]" "$WORK/out" &&
    pass "the P=3 run resumed mid-joint from the P=2 checkpoint" || fail "no resume at P=3"
  compare_outputs ref.h5 moved.h5 1e-10 product && pass "resumed at P=3 equals the uninterrupted P=2 run" ||
    fail "resumed at P=3 differs"
else
  fail "kill before the move never happened"
fi
# SIGTERM to the ranks in the middle of the joint stage: checkpoint there, exit 75; the rerun continues.
# The run pauses after its checkpoint at iteration 2 until the signal arrives (test hook).
JOINTFACT_TEST_PAUSE_AT="joint: checkpoint at iteration 2" mpirun -q --oversubscribe -np 2 -x JOINTFACT_TEST_PAUSE_AT \
  "$JOINTFACT_BIN" run fault.toml --output "$WORK/term.h5" >term.log 2>&1 &
launcher=$!
for _ in $(seq 1 600); do grep -q "joint: checkpoint at iteration 2" term.log && break; sleep 0.02; done
pkill -TERM -f "^$JOINTFACT_BIN run fault.toml --output $WORK/term.h5"
wait "$launcher"
code=$?
if [ $code -eq 75 ] && grep -q "stopped by a signal in the joint stage at iteration" term.log && [ ! -f term.h5 ]; then
  pass "SIGTERM mid-joint -> checkpoint, exit 75"
else
  fail "SIGTERM mid-joint: exit $code, $(tail -2 term.log)"
fi
expect_ok "rerun after SIGTERM mid-joint" 2 run fault.toml --output "$WORK/term.h5"
grep -q "joint: resuming from checkpoint" "$WORK/out" && compare_outputs ref.h5 term.h5 1e-10 &&
  pass "rerun after SIGTERM mid-joint equals the uninterrupted run" || fail "rerun after SIGTERM mid-joint differs"
finish
