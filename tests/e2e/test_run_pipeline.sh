#!/usr/bin/env bash
# `jointfact run`: config checking, checkpoints (resume, refusal of foreign/corrupt ones, another P and
# grid), SIGTERM/SIGUSR1 -> exit 75 -> rerun continues, atomic outputs, the JSON summary.
source "$(dirname "$0")/lib.sh"
cd "$WORK"

cat >svd.toml <<TOML
[input]
generate = "lowrank"
shape = [1200, 900]
rank = 12
noise = 0.3
[svd]
rank = 12
method = "randomized"
[output]
path = "$WORK/svd.h5"
TOML

# --- a run, then the same command again resumes (and agrees), also on another P and grid
expect_ok "run svd pipeline at P=4" 4 run svd.toml
grep -q "svd: done" "$WORK/out" && [ -f svd.h5 ] && [ -f svd.json ] && [ -f svd.h5.ckpt/svd.h5 ] &&
  pass "run writes the output, the JSON summary and the checkpoint" || fail "run outputs missing: $(ls)"
cp svd.h5 svd-first.h5
expect_ok "rerun at P=3 on a 3x1 grid, block 16" 3 run svd.toml --grid 3x1 --block 16
grep -q "svd: resumed from checkpoint" "$WORK/out" && pass "rerun resumes from the checkpoint" || fail "no resume: $(cat "$WORK/out")"
$PYTHON - <<'PY' && pass "resumed result equals the first (1e-12)" || fail "resumed result differs"
import h5py, numpy as np
a, b = h5py.File("svd-first.h5", "r"), h5py.File("svd.h5", "r")
for name in ["svd/U", "svd/S", "svd/V"]:
    x, y = a[name][...], b[name][...]
    assert x.shape == y.shape and np.abs(x - y).max() <= 1e-12 * np.abs(x).max(), name
PY
expect_ok "--no-resume recomputes" 2 run svd.toml --no-resume
grep -q "svd: start" "$WORK/out" && pass "--no-resume starts over" || fail "--no-resume did not recompute"

# --- --print-config: the configuration as TOML, --set applied, nothing run; it reads back unchanged
expect_ok "--print-config at P=2" 2 run svd.toml --print-config --set svd.power_iters=4
cp "$WORK/out" printed.toml
grep -qx "power_iters = 4" printed.toml && grep -qx "shape = \[1200, 900\]" printed.toml &&
  [ "$(grep -c '^\[' printed.toml)" -eq 3 ] && ! grep -q "svd: start" printed.toml &&
  pass "--print-config prints the 3 tables with the --set value" || fail "--print-config printed: $(cat printed.toml)"
expect_ok "--print-config of the printed file" 1 run printed.toml --print-config
cmp -s printed.toml "$WORK/out" && pass "the printed configuration reads back to itself" ||
  fail "print -> read -> print differs: $(diff printed.toml "$WORK/out")"
expect_ok "--print-config without CONFIG (the demo)" 1 run --print-config
grep -qx "generate = 'lowrank'" "$WORK/out" && grep -qx "\[sparse\]" "$WORK/out" &&
  pass "--print-config without CONFIG prints the demo" || fail "demo config: $(cat "$WORK/out")"

# --- config errors: exit 2, one line, naming the key
printf '[svd]\nrnak = 3\n' >bad-key.toml
expect_error "unknown config key" "svd.rnak" 2 run bad-key.toml --output x.h5
printf '[svd]\nrank = "ten"\n' >bad-type.toml
expect_error "wrong type in config" "svd.rank must be an integer" 2 run bad-type.toml --output x.h5
expect_error "unknown --set key" "joint.maxiters" 2 run svd.toml --set joint.maxiters=3
expect_error "missing config file" "no such file" 2 run nothing.toml
expect_error "--until names no stage" "--until" 2 run svd.toml --until later
expect_error "rank out of range" "rank" 2 run svd.toml --set svd.rank=5000 --no-resume --output r.h5
expect_error "grid larger than the communicator" "needs 6 ranks" 4 run svd.toml --grid 3x2
expect_error "output directory missing" "does not exist" 2 run svd.toml --output "$WORK/none/out.h5"

# --- checkpoints of another config or input, or corrupt ones, are refused with a hint
expect_error "foreign checkpoint (other config)" "--no-resume" 2 run svd.toml --set svd.oversample=5
sed -i 's/noise = 0.3/noise = 0.31/' svd.toml
expect_error "foreign checkpoint (other input)" "other input data" 2 run svd.toml
sed -i 's/noise = 0.31/noise = 0.3/' svd.toml
echo "garbage" >svd.h5.ckpt/svd.h5
expect_error "unstamped file as checkpoint" "not a jointfact checkpoint" 2 run svd.toml
expect_error "--no-resume leaves an unstamped file alone" "does not remove files it did not write" 2 run svd.toml --no-resume
grep -q garbage svd.h5.ckpt/svd.h5 && pass "the unstamped file is unchanged" || fail "--no-resume removed a foreign file"
rm svd.h5.ckpt/svd.h5
expect_ok "--no-resume starts over once it is moved away" 2 run svd.toml --no-resume

# --- input file: output equal to input refused, input never modified
mpirun -q --oversubscribe -np 2 "$JOINTFACT_BIN" generate --kind lowrank --shape 300,200 --rank 4 --output W.h5 --quiet
before=$(checksum W.h5)
printf '[input]\npath = "%s/W.h5"\n[svd]\nrank = 4\n' "$WORK" >file.toml
expect_error "output equal to input" "is the input" 2 run file.toml --output "$WORK/W.h5"
expect_ok "run from a file" 2 run file.toml --output "$WORK/from-file.h5"
[ "$(checksum W.h5)" = "$before" ] && pass "input unchanged" || fail "input modified"
$PYTHON -c "
import h5py, numpy as np
W = h5py.File('W.h5','r')['W'][...]; s = h5py.File('from-file.h5','r')['svd/S'][...]
ref = np.linalg.svd(W, compute_uv=False)[:4]
assert np.abs(s - ref).max() <= 1e-10 * ref[0], (s, ref)" && pass "run svd matches numpy" || fail "run svd vs numpy"

# --- bad input files and settings through `run`: exit 2, one line, no hang, the input untouched
$PYTHON - <<'PY'
import h5py, numpy as np
rng = np.random.default_rng(5)
with h5py.File("vec.h5", "w") as f: f["W"] = rng.standard_normal(64)
a = rng.standard_normal((64, 48)); a[7, 9] = np.nan
with h5py.File("nan.h5", "w") as f: f["W"] = a
with h5py.File("targets.h5", "w") as f: f["t"] = rng.standard_normal(299)
PY
head -c 3000 W.h5 >truncated.h5
echo "not an hdf5 file" >text.h5
run_input() {  # run_input NAME NEEDLE FILE[:DSET] [extra lines for the toml] -- a run of [input] path = FILE
  local name=$1 needle=$2 path=$3 extra=${4:-}
  printf '[input]\npath = "%s"\n[svd]\nrank = 4\n%b' "$path" "$extra" >bad-input.toml
  local sums
  sums=$(checksum "${path%%:*}" 2>/dev/null)
  expect_error "$name" "$needle" 2 run bad-input.toml --output "$WORK/bad-out.h5" --no-resume
  [ "$(checksum "${path%%:*}" 2>/dev/null)" = "$sums" ] && [ ! -f bad-out.h5 ] && pass "$name: input unchanged, no output" ||
    fail "$name: input modified or output left behind"
}
run_input "missing input file" "no-such.h5" "$WORK/no-such.h5"
run_input "missing dataset" "/nope" "$WORK/W.h5:/nope"
run_input "input not 2-D" "2-D" "$WORK/vec.h5:/W"
run_input "NaN in the input" "non-finite" "$WORK/nan.h5:/W"
run_input "truncated input file" "truncated.h5" "$WORK/truncated.h5"
run_input "non-HDF5 input file" "text.h5" "$WORK/text.h5"
run_input "target length mismatch" "length 299" "$WORK/W.h5:/W" '[joint]\nobjective = "rowsum"\nmode = "lossless"\ntargets = "'"$WORK"'/targets.h5:/t"\n'
run_input "negative lambda" "lambda" "$WORK/W.h5:/W" '[joint]\nobjective = "rowsum"\nlambda = -1.0\ntargets = "'"$WORK"'/targets.h5:/t"\n'
run_input "butterfly size not a power of two" "power of two" "$WORK/W.h5:/W" '[sparse]\nkind = "butterfly"\n'
run_input "negative checkpoint interval" "checkpoint_every_s" "$WORK/W.h5:/W" '[output]\ncheckpoint_every_s = -1.0\n'
expect_error "unknown option" "--frobnicate" 2 run svd.toml --frobnicate

# --- SIGTERM to the ranks and SIGUSR1 to mpirun: checkpoint, exit 75, the rerun continues.
# A larger problem, so the svd stage is still running when the signal arrives.
sed -e 's/shape = \[1200, 900\]/shape = [3000, 2000]/' -e 's/method = "randomized"/power_iters = 8/' svd.toml >sig.toml
expect_ok "reference for the signal tests" 4 run sig.toml --output "$WORK/sig-ref.h5"
for signal in TERM USR1; do
  rm -rf sig.h5 sig.h5.ckpt
  mpirun -q --oversubscribe -np 4 "$JOINTFACT_BIN" run sig.toml --output "$WORK/sig.h5" >sig.log 2>&1 &
  launcher=$!
  # Hang guard: polls, so it ends by itself within 0.1 s of the launcher (no sleep left behind).
  (for _ in $(seq 1 3000); do kill -0 "$launcher" 2>/dev/null || exit 0; sleep 0.1; done
   kill -9 "$launcher") >/dev/null 2>&1 &  # not holding the test's output open
  watchdog=$!
  for _ in $(seq 1 200); do grep -q "svd: start" sig.log && break; sleep 0.05; done
  if [ $signal = TERM ]; then
    pkill -TERM -f "^$JOINTFACT_BIN run sig.toml --output $WORK/sig.h5"  # the ranks, as Slurm would
  else
    kill -USR1 "$launcher"  # mpirun forwards USR1 to every rank
  fi
  wait "$launcher"
  code=$?
  wait "$watchdog"
  if [ $code -eq 75 ] && [ -f sig.h5.ckpt/svd.h5 ] && [ ! -f sig.h5 ] && grep -q "rerun the same command" sig.log; then
    pass "SIG$signal -> checkpoint, exit 75, no output yet"
  else
    fail "SIG$signal: exit $code, $(tail -3 sig.log)"
  fi
  expect_ok "rerun after SIG$signal" 2 run sig.toml --output "$WORK/sig.h5"
  grep -q "svd: resumed" "$WORK/out" && cmp -s <(h5dump -d /svd/S sig.h5 | tail -n +3) <(h5dump -d /svd/S sig-ref.h5 | tail -n +3) &&
    pass "rerun after SIG$signal resumes to the same result" || fail "rerun after SIG$signal: $(cat "$WORK/out")"
done

# --- the svd stage checks memory before factoring (the converged method's bases of ~3 (k + p) columns), and a
# run refused before its first checkpoint leaves no checkpoint directory (one the user made stays)
cat >converged.toml <<TOML
[input]
generate = "lowrank"
shape = [3000, 2000]
rank = 40
[svd]
rank = 60
residual_tol = 1e-6
TOML
JOINTFACT_NODE_MEMORY=90M expect_error "svd stage over the node's memory" "converged svd (basis 210)" 2 \
  run converged.toml --output "$WORK/conv.h5" --until svd
[ ! -e conv.h5 ] && [ ! -e conv.h5.ckpt ] && pass "refused run: no output, no checkpoint directory" ||
  fail "refused run left: $(ls -d conv.h5* 2>/dev/null)"
mkdir -p users-dir
JOINTFACT_NODE_MEMORY=90M expect_error "svd stage over the node's memory, own checkpoint dir" "converged svd" 2 \
  run converged.toml --output "$WORK/conv.h5" --until svd --checkpoint-dir "$WORK/users-dir"
[ -d users-dir ] && pass "a checkpoint directory the user made is kept" || fail "users-dir removed"
expect_ok "the same run with room" 2 run converged.toml --output "$WORK/conv.h5" --until svd
grep -q "svd: step .*converged 60/60" "$WORK/out" && [ -f conv.h5.ckpt/svd.h5 ] &&
  pass "converged svd in run: progress lines, checkpoint" || fail "converged run: $(tail -3 "$WORK/out")"
finish
