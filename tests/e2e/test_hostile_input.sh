#!/usr/bin/env bash
# Hostile or careless input, one block per class: non-finite or overflowing numbers (options, config
# values, datasets, generated inputs); files that must never be written (device nodes, FIFOs, inputs
# under the output's partial name, every file a run reads, files in the checkpoint directory jointfact
# did not stamp); stale resumes; messages for odd names and shapes. Every case: one error line, exit 2,
# inputs unchanged (sha256).
source "$(dirname "$0")/lib.sh"
cd "$WORK"
jf 2 generate --kind lowrank --shape 64,48 --rank 4 --output W.h5 --quiet || fail "generate W.h5"
$PYTHON - <<'PY'
import h5py, numpy as np
rng = np.random.default_rng(3)
with h5py.File("aux.h5", "w") as f:
    f["targets"] = rng.standard_normal(64)
    f["huge"] = rng.standard_normal((64, 48)) * 1e307
    f["huge_targets"] = rng.standard_normal(64) * 1e306
    f["empty"] = np.zeros((0, 5))
    sx = np.zeros((64, 2), np.uint8); sx[:40, 0] = 1; sx[30:, 1] = 1
    sy = np.zeros((48, 2), np.uint8); sy[:30, 0] = 1; sy[20:, 1] = 1
    f["SX"], f["SY"] = sx, sy
with h5py.File("huge_bf.h5", "w") as f:
    f["W"] = rng.standard_normal((16, 16)) * 1e307
PY
cp W.h5 out.h5.partial
printf '[input]\npath = "%s/W.h5"\n[svd]\nrank = 4\n[joint]\nobjective = "rowsum"\ntargets = "%s/aux.h5:/targets"\n' \
  "$WORK" "$WORK" >joint.toml
printf '[input]\npath = "%s/W.h5"\n[svd]\nrank = 4\n[sparse]\nkind = "fsmf"\nsupport_x = "%s/aux.h5:/SX"\nsupport_y = "%s/aux.h5:/SY"\n' \
  "$WORK" "$WORK" "$WORK" >fsmf.toml
mkfifo fifo.h5
mkdir confdir ckpt
echo "a user's notes" >ckpt/svd.h5
sums() { sha256sum W.h5 aux.h5 huge_bf.h5 out.h5.partial joint.toml fsmf.toml ckpt/svd.h5; stat -c %F fifo.h5; }
before=$(sums)

# --- numbers: options, config values, datasets, generated inputs
for option in "--lambda inf" "--lambda nan" "--lambda 1e308" "--smooth-l nan" "--eps-rel inf" "--tol nan"; do
  expect_error "joint $option" "${option%% *}" 2 joint --input W.h5 --output o.h5 --rank 3 --objective rowsum \
    --targets aux.h5:/targets $option
done
expect_error "generate --noise nan" "not a finite number" 2 generate --kind lowrank --output o.h5 --noise nan
expect_error "run --set input.noise=nan" "finite number" 2 run --set input.noise=nan --output o.h5
printf '[input]\npath = "%s/W.h5"\n[svd]\nrank = 4\n[output]\ncheckpoint_every_s = nan\n' "$WORK" >nan.toml
expect_error "checkpoint_every_s = nan" "checkpoint_every_s must be a finite number" 2 run nan.toml --output o.h5
expect_error "svd of entries near 1e308" "scale the data down" 2 svd --input aux.h5:/huge --output o.h5 --rank 3
expect_error "butterfly of entries near 1e308" "scale the data down" 2 butterfly --input huge_bf.h5 --output o.h5
expect_error "fsmf of entries near 1e308" "scale the data down" 2 fsmf --input aux.h5:/huge --support-x aux.h5:/SX \
  --support-y aux.h5:/SY --output o.h5
expect_error "joint with targets near 1e308" "scale the data down" 2 joint --input W.h5 --output o.h5 --rank 3 \
  --objective rowsum --targets aux.h5:/huge_targets
expect_error "range bounds printed readably" "1.79769e+308" 2 svd --input W.h5 --output o.h5 --rank 3 --oversample -1
[ ! -e o.h5 ] && pass "nothing written for refused numbers" || fail "o.h5 was written"

# --- files that are not jointfact's to write
if mknod null c 1 3 2>/dev/null; then
  expect_error "--output a character device" "character device" 2 svd --input W.h5 --output null --rank 3
  [ -c null ] && pass "the device node is still a device node" || fail "the device node was replaced"
else
  echo "skip - mknod not allowed here: the device-node case is not run"
fi
expect_error "--output a FIFO" "FIFO" 2 generate --kind hadamard --shape 8,8 --output fifo.h5
expect_error "--output a directory" "directory" 2 svd --input W.h5 --output confdir --rank 3
expect_error "--output ''" "empty" 2 svd --input W.h5 --output '' --rank 3
expect_error "input named OUT.h5.partial" "out.h5.partial" 2 svd --input out.h5.partial --output out.h5 --rank 3
expect_error "run --output = targets file" "is the input" 2 run joint.toml --output aux.h5
expect_error "run --output = support file" "is the input" 2 run fsmf.toml --output aux.h5
expect_error "run --output = its config" "is the input" 2 run joint.toml --output joint.toml
expect_error "--output X --checkpoint-dir X" "is the output file" 2 run joint.toml --output o.h5 --checkpoint-dir o.h5
expect_error "--no-resume and a user's file in the checkpoint dir" "did not write" 2 run joint.toml --output o.h5 \
  --checkpoint-dir ckpt --no-resume

# --- input files and names
expect_error "FIFO as --input" "FIFO" 2 svd --input fifo.h5 --output o.h5 --rank 3
expect_error "directory as CONFIG" "is a directory" 2 run confdir --output o.h5
expect_error "--grid 99999999999x1" "too many ranks" 2 svd --input W.h5 --output o.h5 --rank 3 --grid 99999999999x1
expect_error "huge generated shape" "per rank" 2 generate --kind lowrank --shape 10000000,10000000 --output o.h5
expect_error "empty 0 x 5 dataset" "(0 x 5)" 2 svd --input aux.h5:/empty --output o.h5 --rank 1
cp W.h5 'a:b.h5'
expect_ok "names with ':' read and written" 2 svd --input 'a:b.h5' --output 'o:1.h5' --rank 3 --quiet
expect_ok "an output named ufs:o.h5" 2 svd --input W.h5 --output 'ufs:o.h5' --rank 3 --quiet
[ -f 'o:1.h5' ] && [ -f 'ufs:o.h5' ] && pass "':' names kept as given" || fail "':' names mangled: $(ls)"
if id nobody >/dev/null 2>&1 && command -v setpriv >/dev/null && [ "$(id -u)" -eq 0 ]; then
  mkdir priv && cp W.h5 priv/W.h5 && chmod 600 priv/W.h5 && chmod 1777 "$WORK"
  setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME=/tmp TMPDIR=/tmp \
    timeout 60 "$MPIEXEC" -q --oversubscribe -np 2 "$JOINTFACT_BIN" svd --input priv/W.h5 --output "$WORK/o.h5" \
    --rank 3 >"$WORK/out" 2>"$WORK/err"
  [ $? -eq 2 ] && grep -q "permission denied" "$WORK/err" && pass "permission denied said as such" ||
    fail "permission denied: $(cat "$WORK/err")"
fi

# --- resume is stamped with every file the joint stage reads
jf 2 run joint.toml --output r.h5 --checkpoint-dir ck_r --until joint --quiet || fail "first run"
cp aux.h5 aux.saved
$PYTHON -c "import h5py; f = h5py.File('aux.h5', 'r+'); f['targets'][0] += 1.0"
expect_error "resume after the targets were edited" "other input data" 2 run joint.toml --output r.h5 --checkpoint-dir ck_r
mv aux.saved aux.h5
expect_ok "resume with the original targets" 2 run joint.toml --output r.h5 --checkpoint-dir ck_r --quiet

[ "$(sums)" = "$before" ] && pass "no input or foreign file changed (sha256)" || fail "a protected file changed"
ls ./*.partial 2>/dev/null | grep -v '^./out.h5.partial$' | grep -q . && fail "partial output left" ||
  pass "no partial output left"
finish
