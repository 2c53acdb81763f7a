#!/usr/bin/env bash
# kill -9 of an out-of-core SVD during pass 3 of 7 (6 products, then the residual pass), then the same
# command on another rank count: it resumes
# at the first pass the checkpoint lacks (the log says which), does not repeat the passes before it, and
# gives the factors of an uninterrupted run within 1e-10. The same for fixed accuracy (--tol), whose pass count is
# not known in advance.
source "$(dirname "$0")/../e2e/lib.sh"
helper="$(cd "$(dirname "$0")/../../jobs" && pwd)/bench_out_of_core.py"
cd "$WORK"

$PYTHON "$helper" generate --output A.h5 --shape 24000 2000 --rank 30 >/dev/null
svd_args=(svd --input A.h5:/A --rank 8 --oversample 6 --power-iters 2 --seed 11 --out-of-core --panel-mb 2)
total=7

# wait_for_line LOG PATTERN LAUNCHER: until LOG has a line matching PATTERN, or the launcher has exited.
wait_for_line() {
  for _ in $(seq 1 3000); do
    grep -q "$2" "$1" && return
    kill -0 "$3" 2>/dev/null || return
    sleep 0.01
  done
}

# interrupt SIGNAL LOG PATTERN ARGS...: runs `jointfact ARGS` on 2 ranks (output in LOG) and, once LOG has a
# line matching PATTERN, sends SIGNAL to the ranks (KILL: to the launcher too); returns the launcher's status.
interrupt() {
  local signal=$1 log=$2 pattern=$3
  shift 3
  mpirun -q --oversubscribe -np 2 "$JOINTFACT_BIN" "$@" >"$log" 2>&1 &
  local launcher=$!
  wait_for_line "$log" "$pattern" "$launcher"
  local targets
  targets=$(pgrep -P "$launcher")
  [ "$signal" = KILL ] && targets="$targets $launcher"
  kill -"$signal" $targets 2>/dev/null
  wait "$launcher"
}

expect_ok "uninterrupted out-of-core run (P=2)" 2 "${svd_args[@]}" --output "$WORK/ref.h5"
grep -q "out of core done, $total passes" "$WORK/out" && pass "uninterrupted run made $total passes" ||
  fail "uninterrupted run: $(grep 'out of core' "$WORK/out")"
[ ! -e ref.h5.ckpt ] && pass "the checkpoint directory the run made is gone with its checkpoint" ||
  fail "left behind: $(ls -a ref.h5.ckpt)"

# Killed as soon as pass 2 is logged: inside the writing of pass 2's checkpoint or inside pass 3 (the line
# comes before the checkpoint), so the resume point is read from the resumed run's log and checked.
interrupt KILL kill.log "pass 2 of $total:" "${svd_args[@]}" --output "$WORK/killed.h5" 2>/dev/null
# Every line in the log was written before the kill.
completed=$(grep -oE "pass [0-9] of $total:" kill.log | tail -1 | grep -oE "^pass [0-9]" | grep -oE "[0-9]")
[ -f killed.h5 ] && fail "the kill left a final output behind" ||
  pass "killed -9 after pass ${completed:-none} was logged, no output"

expect_ok "resumed on 3 ranks (grid 3x1)" 3 "${svd_args[@]}" --output "$WORK/killed.h5"
saved=$(grep -oE "resuming out of core at pass [0-9] of $total \(passes 1\.\.[0-9] done" "$WORK/out" |
  grep -oE "[0-9] done" | grep -oE "[0-9]")
if [ -n "$saved" ] && [ "$saved" -ge 1 ] && [ "$saved" -le "${completed:-0}" ] &&
   grep -q "resuming out of core at pass $((saved + 1)) of $total" "$WORK/out"; then
  pass "the log says it resumed at pass $((saved + 1)) (passes 1..$saved saved, $completed logged before the kill)"
else
  fail "no 'resuming out of core at pass N' line after $completed logged passes: $(grep -m3 'svd:' "$WORK/out")"
fi
grep -q "out of core done, $((total - ${saved:-0})) passes over the file in this run" "$WORK/out" &&
  pass "passes 1..$saved were not repeated" || fail "$(grep 'out of core done' "$WORK/out")"
[ ! -e killed.h5.ckpt/svd.h5 ] && pass "checkpoint removed after the result was written" || fail "checkpoint left"

$PYTHON "$helper" compare ref.h5 killed.h5 --tol 1e-10 >cmp.txt
if [ $? = 0 ]; then pass "resumed factors == uninterrupted: $(cat cmp.txt)"; else fail "$(cat cmp.txt)"; fi

# SIGTERM to the ranks inside pass 3: the pass ends, its checkpoint is written, exit 75; resumed on 1 rank.
rm -rf term.h5.ckpt
interrupt TERM term.log "pass 2 of $total:" "${svd_args[@]}" --output "$WORK/term.h5"
code=$?
[ $code = 75 ] && grep -q "stopped after pass" term.log && pass "SIGTERM: exit 75 after a checkpoint" ||
  fail "SIGTERM: exit $code: $(tail -2 term.log)"
stopped=$(grep -oE "stopped after pass [0-9]" term.log | grep -oE "[0-9]$")
expect_ok "resumed after SIGTERM on 1 rank" 1 "${svd_args[@]}" --output "$WORK/term.h5"
grep -q "resuming out of core at pass $((stopped + 1)) of $total" "$WORK/out" &&
  pass "resumed at pass $((stopped + 1))" ||
  fail "no resume line: $(grep -m3 'svd:' "$WORK/out")"
$PYTHON "$helper" compare ref.h5 term.h5 --tol 1e-10 >cmp.txt
if [ $? = 0 ]; then pass "after SIGTERM: $(cat cmp.txt)"; else fail "$(cat cmp.txt)"; fi
# --- Fixed accuracy (--tol): blocks of 20 columns, 3 passes a block (q = 1), 2 blocks: 8 passes. Killed -9 once
# pass 2 (inside block 1's power iteration) is logged, resumed on 3 ranks.
$PYTHON "$helper" generate --output B.h5 --shape 40000 160 --rank 30 --noise 1e-7 >/dev/null
tol_args=(svd --input B.h5:/A --tol 1e-2 --power-iters 1 --seed 11 --out-of-core --panel-mb 1)
expect_ok "uninterrupted --tol out-of-core run (P=2)" 2 "${tol_args[@]}" --output "$WORK/tref.h5"
tol_total=$(grep -oE "out of core done, [0-9]+ passes" "$WORK/out" | grep -oE "[0-9]+")
[ "${tol_total:-0}" -ge 5 ] && pass "uninterrupted --tol run made $tol_total passes" ||
  fail "--tol run: $(grep 'out of core' "$WORK/out")"

rm -rf tkilled.h5.ckpt
interrupt KILL tkill.log "pass 2:" "${tol_args[@]}" --output "$WORK/tkilled.h5" 2>/dev/null
completed=$(grep -oE "pass [0-9]+:" tkill.log | tail -1 | grep -oE "[0-9]+")
[ -f tkilled.h5 ] && fail "--tol: the kill left a final output behind" ||
  pass "--tol: killed -9 after pass ${completed:-none} was logged, no output"
expect_ok "--tol resumed on 3 ranks" 3 "${tol_args[@]}" --output "$WORK/tkilled.h5"
saved=$(grep -oE "resuming out of core at pass [0-9]+ \(passes 1\.\.[0-9]+ done" "$WORK/out" | grep -oE "[0-9]+ done" |
  grep -oE "[0-9]+")
if [ -n "$saved" ] && [ "$saved" -ge 1 ] && [ "$saved" -le "${completed:-0}" ]; then
  pass "--tol: the log says it resumed at pass $((saved + 1)) (passes 1..$saved saved, $completed logged)"
else
  fail "--tol: no 'resuming out of core at pass N' line after $completed logged passes: $(grep -m3 'svd:' "$WORK/out")"
fi
grep -q "out of core done, $tol_total passes over the file ($((tol_total - ${saved:-0})) in this run)" "$WORK/out" &&
  pass "--tol: passes 1..$saved were not repeated" || fail "--tol: $(grep 'out of core done' "$WORK/out")"
[ ! -e tkilled.h5.ckpt/svd.h5 ] && pass "--tol: checkpoint removed after the result was written" ||
  fail "--tol: checkpoint left"
$PYTHON "$helper" compare tref.h5 tkilled.h5 --tol 1e-10 >cmp.txt
if [ $? = 0 ]; then pass "--tol resumed factors == uninterrupted: $(cat cmp.txt)"; else fail "$(cat cmp.txt)"; fi

# SIGTERM once block 1 is done (pass 4 logged): exit 75 after a checkpoint, resumed on 1 rank in block 2.
rm -rf tterm.h5.ckpt
interrupt TERM tterm.log "pass 4:" "${tol_args[@]}" --output "$WORK/tterm.h5"
code=$?
[ $code = 75 ] && grep -q "stopped after pass" tterm.log && pass "--tol SIGTERM: exit 75 after a checkpoint" ||
  fail "--tol SIGTERM: exit $code: $(tail -2 tterm.log)"
stopped=$(grep -oE "stopped after pass [0-9]+" tterm.log | grep -oE "[0-9]+$")
expect_ok "--tol resumed after SIGTERM on 1 rank" 1 "${tol_args[@]}" --output "$WORK/tterm.h5"
grep -q "resuming out of core at pass $((stopped + 1)) " "$WORK/out" && pass "--tol: resumed at pass $((stopped + 1))" ||
  fail "--tol: no resume line: $(grep -m3 'svd:' "$WORK/out")"
$PYTHON "$helper" compare tref.h5 tterm.h5 --tol 1e-10 >cmp.txt
if [ $? = 0 ]; then pass "--tol after SIGTERM: $(cat cmp.txt)"; else fail "$(cat cmp.txt)"; fi
finish
