#!/usr/bin/env bash
# kill -9 of an out-of-core SVD during pass 3 of 6, then the same command on another rank count: it resumes
# at the first pass the checkpoint lacks (the log says which), does not repeat the passes before it, and
# gives the factors of an uninterrupted run within 1e-10.
source "$(dirname "$0")/../e2e/lib.sh"
helper="$(cd "$(dirname "$0")/../../jobs" && pwd)/bench_out_of_core.py"
cd "$WORK"

$PYTHON "$helper" generate --output A.h5 --shape 24000 2000 --rank 30 >/dev/null
svd_args=(svd --input A.h5:/A --rank 8 --oversample 6 --power-iters 2 --seed 11 --out-of-core --panel-mb 2)

expect_ok "uninterrupted out-of-core run (P=2)" 2 "${svd_args[@]}" --output "$WORK/ref.h5"
grep -q "out of core done, 6 passes" "$WORK/out" && pass "uninterrupted run made 6 passes" ||
  fail "uninterrupted run: $(grep 'out of core' "$WORK/out")"

# Killed once pass 2 is logged and its checkpoint had time to be written: inside pass 3.
mpirun -q --oversubscribe -np 2 "$JOINTFACT_BIN" "${svd_args[@]}" --output "$WORK/killed.h5" >kill.log 2>&1 &
launcher=$!
for _ in $(seq 1 3000); do
  grep -q "pass 2 of 6:" kill.log && break
  kill -0 "$launcher" 2>/dev/null || break
  sleep 0.01
done
sleep 0.3
completed=$(grep -oE "pass [0-9] of 6:" kill.log | tail -1 | grep -oE "^pass [0-9]" | grep -oE "[0-9]")
ranks=$(pgrep -P "$launcher")
kill -9 $ranks "$launcher" 2>/dev/null
wait "$launcher" 2>/dev/null
[ -f killed.h5 ] && fail "the kill left a final output behind" ||
  pass "killed -9 after pass ${completed:-none}, no output"
[ "${completed:-0}" = 2 ] || echo "note: the kill came after pass ${completed:-none} completed, not inside pass 3"

expect_ok "resumed on 3 ranks (grid 3x1)" 3 "${svd_args[@]}" --output "$WORK/killed.h5"
expected=$((completed + 1))
if grep -q "resuming out of core at pass $expected of 6 (passes 1..$completed done" "$WORK/out"; then
  pass "the log says it resumed at pass $expected"
else
  fail "no 'resuming out of core at pass $expected' line: $(grep -m3 'svd:' "$WORK/out")"
fi
grep -q "out of core done, $((6 - completed)) passes over the file in this run" "$WORK/out" &&
  pass "passes 1..$completed were not repeated" || fail "$(grep 'out of core done' "$WORK/out")"
[ ! -e killed.h5.ckpt/svd.h5 ] && pass "checkpoint removed after the result was written" || fail "checkpoint left"

$PYTHON "$helper" compare ref.h5 killed.h5 --tol 1e-10 >cmp.txt
if [ $? = 0 ]; then pass "resumed factors == uninterrupted: $(cat cmp.txt)"; else fail "$(cat cmp.txt)"; fi

# SIGTERM to the ranks inside pass 3: the pass ends, its checkpoint is written, exit 75; resumed on 1 rank.
rm -rf term.h5.ckpt
mpirun -q --oversubscribe -np 2 "$JOINTFACT_BIN" "${svd_args[@]}" --output "$WORK/term.h5" >term.log 2>&1 &
launcher=$!
for _ in $(seq 1 3000); do
  grep -q "pass 2 of 6:" term.log && break
  kill -0 "$launcher" 2>/dev/null || break
  sleep 0.01
done
kill -TERM $(pgrep -P "$launcher") 2>/dev/null
wait "$launcher"
code=$?
[ $code = 75 ] && grep -q "stopped after pass" term.log && pass "SIGTERM: exit 75 after a checkpoint" ||
  fail "SIGTERM: exit $code: $(tail -2 term.log)"
stopped=$(grep -oE "stopped after pass [0-9]" term.log | grep -oE "[0-9]$")
expect_ok "resumed after SIGTERM on 1 rank" 1 "${svd_args[@]}" --output "$WORK/term.h5"
grep -q "resuming out of core at pass $((stopped + 1)) of 6" "$WORK/out" && pass "resumed at pass $((stopped + 1))" ||
  fail "no resume line: $(grep -m3 'svd:' "$WORK/out")"
$PYTHON "$helper" compare ref.h5 term.h5 --tol 1e-10 >cmp.txt
if [ $? = 0 ]; then pass "after SIGTERM: $(cat cmp.txt)"; else fail "$(cat cmp.txt)"; fi
finish
