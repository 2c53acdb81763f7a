#!/usr/bin/env bash
# The foundation's command-line contract: generate is identical for any P/grid/block, info's norm matches
# a serial computation, and every kind of bad input gets exit 2 with exactly one error line.
source "$(dirname "$0")/lib.sh"

# --- generate: byte-identical datasets at P = 1, 3, 4 with different grids and block sizes
for kind in lowrank butterfly hadamard; do
  shape=$([ $kind = lowrank ] && echo 301,157 || echo 64,64)
  jf 1 generate --kind $kind --shape $shape --rank 5 --seed 3 --output "$WORK/$kind-1.h5" --quiet
  jf 3 generate --kind $kind --shape $shape --rank 5 --seed 3 --output "$WORK/$kind-3.h5" --grid 3x1 --block 7 --quiet
  jf 4 generate --kind $kind --shape $shape --rank 5 --seed 3 --output "$WORK/$kind-4.h5" --grid 2x2 --block 3 --quiet
  same=1
  for np in 3 4; do
    $PYTHON - "$WORK/$kind-1.h5" "$WORK/$kind-$np.h5" <<'PY' || same=0
import sys, h5py
a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
names = sorted(k for k in a.keys())
assert names == sorted(b.keys()), (names, list(b.keys()))
for name in names:
    assert a[name].dtype == b[name].dtype and a[name][...].tobytes() == b[name][...].tobytes(), name
PY
  done
  [ $same = 1 ] && pass "generate $kind identical at P=1,3,4" || fail "generate $kind differs across P"
done

# --- info: Frobenius norm within 1e-12 of numpy's, on any P
reference=$($PYTHON -c "import h5py, numpy as np; print(repr(float(np.linalg.norm(h5py.File('$WORK/lowrank-1.h5','r')['W'][...]))))")
for np in 1 2 4; do
  jf $np info --input "$WORK/lowrank-1.h5"
  norm=$(awk '/^frobenius:/ {print $2}' "$WORK/out")
  if $PYTHON -c "import sys; a, b = float('$norm'), float('$reference'); sys.exit(0 if abs(a - b) <= 1e-12 * b else 1)"; then
    pass "info norm at P=$np ($norm vs numpy $reference)"
  else
    fail "info norm at P=$np: $norm vs numpy $reference"
  fi
done
jf 2 info --input "$WORK/lowrank-1.h5"
grep -q "shape:         301 x 157" "$WORK/out" && grep -q "dtype:         float64" "$WORK/out" &&
  grep -q "non-finite:    0" "$WORK/out" && pass "info prints shape, dtype, non-finite count" || fail "info fields: $(cat "$WORK/out")"

# --- bad input: exit 2, one line, every rank exits, input untouched
$PYTHON - "$WORK" <<'PY'
import sys, h5py, numpy as np
work = sys.argv[1]
with h5py.File(f"{work}/nan.h5", "w") as f:
    a = np.ones((20, 10)); a[7, 3] = np.inf; a[12, 1] = np.nan
    f["A"] = a
with h5py.File(f"{work}/two.h5", "w") as f:
    f["A"] = np.ones((3, 3)); f["B"] = np.ones((4, 4)); f["v"] = np.ones(5)
PY
head -c 3000 "$WORK/lowrank-1.h5" >"$WORK/truncated.h5"
before=$(checksum "$WORK/lowrank-1.h5")
expect_error "missing file" "no such file" 4 info --input "$WORK/none.h5"
expect_error "missing dataset" "no dataset '/Q'" 4 info --input "$WORK/lowrank-1.h5:/Q"
jf 2 info --input "$WORK/two.h5:/v" && grep -q "shape:         5$" "$WORK/out" && pass "info describes a 1-D dataset" || fail "info on 1-D"
expect_error "ambiguous default dataset lists candidates" "/A, /B" 2 info --input "$WORK/two.h5"
expect_error "truncated file" "truncated" 2 info --input "$WORK/truncated.h5"
expect_error "unknown option" "--bogus" 4 info --input "$WORK/lowrank-1.h5" --bogus
expect_error "unknown command" "nosuch" 2 nosuch
expect_error "grid too large" "needs 6 ranks" 4 info --input "$WORK/lowrank-1.h5" --grid 2x3
expect_error "malformed grid" "PRxPC" 2 info --input "$WORK/lowrank-1.h5" --grid 2by2
expect_error "unwritable output directory" "does not exist" 4 generate --kind lowrank --output "$WORK/no/such/dir/W.h5"
mkdir -p "$WORK/readonly" && chmod 555 "$WORK/readonly"
if [ "$(id -u)" -ne 0 ]; then
  expect_error "read-only output directory" "not writable" 2 generate --kind lowrank --output "$WORK/readonly/W.h5"
fi
expect_error "hadamard size not a power of two" "power-of-two" 2 generate --kind hadamard --shape 100,100 --output "$WORK/h.h5"
expect_error "rank out of range" "--rank 0" 2 generate --kind lowrank --rank 0 --output "$WORK/x.h5"
[ "$(checksum "$WORK/lowrank-1.h5")" = "$before" ] && pass "input unchanged by failing runs" || fail "input modified"

# NaN/Inf: info reports them with the first position; a stage reading the matrix refuses it (svd onward).
jf 2 info --input "$WORK/nan.h5"
grep -q "non-finite:    2 (first: inf at (7, 3))" "$WORK/out" && pass "info counts non-finite values and locates the first" ||
  fail "info non-finite: $(cat "$WORK/out")"

# --help and --version answer on one rank and under MPI
jf 2 --help && grep -q "Exit codes" "$WORK/out" && [ "$(grep -c 'Exit codes' "$WORK/out")" = 1 ] && pass "--help printed once" || fail "--help"
jf 1 --version && grep -q "^jointfact [0-9]" "$WORK/out" && pass "--version" || fail "--version"
finish
