#!/usr/bin/env bash
# Input that streams and limits known before they hit: files in the layouts users hand in (chunked, gzip,
# float32, as h5py writes them) read exactly on any P; the default grid follows the matrix's shape; a tiny
# --block warns; a matrix too big for the node's memory is refused with one line, exit 2, before it is read
# and with nothing left behind (the node's limit set through JOINTFACT_NODE_MEMORY, so no cgroup is needed).
source "$(dirname "$0")/lib.sh"

# --- layouts: info's Frobenius norm, min and max match numpy's on P = 1, 2, 4
$PYTHON - "$WORK" <<'PY'
import sys, h5py, numpy as np
rng = np.random.default_rng(7)
a = rng.standard_normal((301, 157))
with h5py.File(sys.argv[1] + "/layouts.h5", "w") as f:
    f["f64"] = a
    f["f32"] = a.astype(np.float32)
    f.create_dataset("chunked", data=a, chunks=(17, 13))
    f.create_dataset("gzip", data=a, chunks=True, compression="gzip", compression_opts=4)
    f.create_dataset("gzip_f32", data=a.astype(np.float32), chunks=(300, 5), compression="gzip")
    f.create_dataset("tall", data=rng.standard_normal((4000, 3)), chunks=True, compression="gzip")
    f.create_dataset("wide", data=rng.standard_normal((3, 4000)))
PY
for dset in f64 f32 chunked gzip gzip_f32; do
  reference=$($PYTHON -c "import h5py, numpy as np; a = h5py.File('$WORK/layouts.h5','r')['$dset'][...].astype(np.float64); print(repr(float(np.linalg.norm(a))), repr(float(a.min())), repr(float(a.max())))")
  for np in 1 2 4; do
    jf $np info --input "$WORK/layouts.h5:/$dset"
    got="$(awk '/^frobenius:/ {print $2}' "$WORK/out") $(awk '/^min:/ {print $2}' "$WORK/out") $(awk '/^max:/ {print $2}' "$WORK/out")"
    if $PYTHON -c "import sys; r = [float(x) for x in '$reference'.split()]; g = [float(x) for x in '$got'.split()]; sys.exit(0 if abs(r[0] - g[0]) <= 1e-12 * r[0] and r[1:] == g[1:] else 1)"; then
      pass "info $dset on P=$np matches numpy"
    else
      fail "info $dset on P=$np: got '$got', numpy '$reference'"
    fi
  done
done

# --- the default grid follows the shape; every rank holds a share
jf 4 info --input "$WORK/layouts.h5:/tall"
grep -q '^grid: *4x1 ' "$WORK/out" && pass "tall matrix gets a 4x1 grid" || fail "tall grid: $(grep grid: "$WORK/out")"
jf 4 info --input "$WORK/layouts.h5:/wide"
grep -q '^grid: *1x4 ' "$WORK/out" && pass "wide matrix gets a 1x4 grid" || fail "wide grid: $(grep grid: "$WORK/out")"
jf 4 info --input "$WORK/layouts.h5:/tall" --grid 2x2
grep -q '^grid: *2x2 ' "$WORK/out" && pass "--grid still wins" || fail "--grid ignored: $(grep grid: "$WORK/out")"

# --- a tiny block warns on stderr and still works
if jf 2 info --input "$WORK/layouts.h5:/f64" --block 2 && grep -q '^jointfact: warning: .*block size 2' "$WORK/err"; then
  pass "--block 2 warns"
else
  fail "--block 2 gave no warning: $(cat "$WORK/err")"
fi
if jf 2 info --input "$WORK/layouts.h5:/f64" --block 64 && [ ! -s "$WORK/err" ]; then
  pass "--block 64 does not warn"
else
  fail "--block 64: $(cat "$WORK/err")"
fi

# --- too big for the node: a 100000 x 30000 dataset (24 GB, never allocated on disk) on one rank
$PYTHON -c "import h5py; f = h5py.File('$WORK/huge.h5', 'w'); f.create_dataset('W', shape=(100000, 30000), dtype='f8')
f.create_dataset('t', shape=(100000,), dtype='f8')"
export JOINTFACT_NODE_MEMORY=8G
# (The randomized svd does not refuse: it streams the matrix out of core instead; tests/e2e/test_out_of_core_run.sh.)
expect_error "info over the node's memory" "needs about" 1 info --input "$WORK/huge.h5"
grep -q "ranks would fit" "$WORK/err" && pass "the refusal says how many ranks would fit" ||
  fail "refusal lacks what would fit: $(cat "$WORK/err")"
expect_error "on 2 ranks, still over" "needs about" 2 info --input "$WORK/huge.h5"
expect_error "joint over the node's memory" "needs about" 1 joint --input "$WORK/huge.h5:/W" --rank 5 \
  --objective rowsum --targets "$WORK/huge.h5:/t" --output "$WORK/huge-out.h5"
ls "$WORK"/huge-out.h5* >/dev/null 2>&1 && fail "the refused joint left an output behind" || pass "nothing left behind"
# The exact svd's r x r vectors have a distributed route (divide and conquer over the grid): more ranks help.
expect_error "exact svd over the node's memory" "needs about" 4 svd --input "$WORK/huge.h5" \
  --rank 5 --method exact --output "$WORK/huge-out.h5"
grep -q "ranks would fit" "$WORK/err" && ! grep -q "cannot help" "$WORK/err" &&
  pass "the exact svd's refusal says how many ranks would fit" || fail "exact svd refusal: $(cat "$WORK/err")"
# Tiny wanted singular values force dbdsdc on every rank (5 r^2 doubles, 86 MiB at r = 1500), which the check
# before the run could not know: refused there, every rank, nothing left behind (the estimate before the run,
# with divide and conquer spread over 4 ranks, fits in 100 MiB per rank).
$PYTHON -c "import h5py, numpy as np
rng = np.random.default_rng(2); u, _ = np.linalg.qr(rng.standard_normal((2000, 1500)))
v, _ = np.linalg.qr(rng.standard_normal((1500, 1500)))
h5py.File('$WORK/tiny.h5', 'w')['A'] = (u * np.logspace(0, -14, 1500)) @ v.T"
JOINTFACT_NODE_MEMORY=400M expect_error "exact svd: the replicated route does not fit" "dbdsdc on every rank" 4 \
  svd --method exact --input "$WORK/tiny.h5:/A" --rank 1400 --output "$WORK/tiny-out.h5"
ls "$WORK"/tiny-out.h5* >/dev/null 2>&1 && fail "the refused exact svd left an output behind" ||
  pass "nothing left behind"
JOINTFACT_NODE_MEMORY=lots expect_error "a malformed limit" "JOINTFACT_NODE_MEMORY" 1 info --input "$WORK/huge.h5"
unset JOINTFACT_NODE_MEMORY

# --- MPI-IO hints from the environment: a malformed one is an input error, a good one changes nothing
JOINTFACT_MPIIO_HINTS="cb_nodes" expect_error "malformed MPI-IO hint" "key=value" 2 info --input "$WORK/layouts.h5:/f64"
JOINTFACT_MPIIO_HINTS="cb_nodes=1,cb_buffer_size=1048576" expect_ok "info with MPI-IO hints" 2 info \
  --input "$WORK/layouts.h5:/gzip"

finish
