#!/usr/bin/env bash
# `jointfact butterfly` and `jointfact fsmf` end to end: Hadamard 2^10 and a random butterfly product
# are recovered (rel_error <= 1e-12, checked again with numpy from the CSR groups) at P = 1, 2, 4 with
# identical factors for any P; the factors follow the contract (F1 couples i and i + N/2, FJ is 2x2
# block-diagonal, <= 2N nonzeros); fsmf on a SEC-like file written by numpy gives sensible rel_error and
# optimal attributes; every kind of bad input is exit 2 with one error line.
source "$(dirname "$0")/lib.sh"

# --- inputs
jf 2 generate --kind hadamard --shape 1024,1024 --output "$WORK/h.h5" --quiet || fail "generate hadamard: $(cat "$WORK/err")"
jf 2 generate --kind butterfly --shape 256,256 --seed 5 --output "$WORK/b.h5" --quiet ||
  fail "generate butterfly: $(cat "$WORK/err")"
$PYTHON - "$WORK" <<'PY'
import sys, h5py, numpy as np
work = sys.argv[1]
rng = np.random.default_rng(7)
# SEC-SAXS-like: smooth profiles (q x 3) times elution peaks cut to overlapping EFA windows (frames x 3)
q = np.linspace(0.005, 0.255, 120)
radii = np.array([12.0, 22.0, 35.0])
profiles = np.exp(-np.outer(q * q, radii * radii) / 3) * (1 + 0.2 * np.cos(np.outer(q, 30 * np.arange(1, 4))))
frames = np.arange(150)
windows = [(10, 70), (45, 105), (80, 140)]
conc = np.zeros((150, 3))
sy = np.zeros((150, 3), dtype=np.uint8)
for k, ((lo, hi), c, w) in enumerate(zip(windows, [40, 75, 110], [9, 10, 9])):
    conc[lo:hi, k] = np.exp(-0.5 * ((frames[lo:hi] - c) / w) ** 2)
    sy[lo:hi, k] = 1
clean = profiles @ conc.T
noise = 2e-3 * rng.standard_normal(clean.shape)
with h5py.File(f"{work}/sec.h5", "w") as f:
    f["D"] = clean + noise
    f["noise_rel"] = np.linalg.norm(noise) / np.linalg.norm(clean + noise)
with h5py.File(f"{work}/supports.h5", "w") as f:
    f["SX"] = np.ones((120, 3), dtype=np.uint8)
    f["SY"] = sy
    f["SY_disjoint"] = np.eye(3, dtype=np.uint8).repeat(50, axis=0)  # three disjoint windows
    f["SX_short"] = np.ones((100, 3), dtype=np.uint8)
    f["SY_r2"] = sy[:, :2]
    half = np.ones((120, 3)); half[5, 1] = 0.5
    f["SX_half"] = half
with h5py.File(f"{work}/rect.h5", "w") as f:
    f["A"] = rng.standard_normal((64, 32))
with h5py.File(f"{work}/n96.h5", "w") as f:
    f["A"] = rng.standard_normal((96, 96))
PY

# check_butterfly NAME INPUT OUTPUT TREE: attributes, contract layout of every factor, and numpy's
# ||A - F1 @ ... @ FJ|| / ||A|| <= 1e-12.
check_butterfly() {
  local name=$1 input=$2 output=$3 tree=$4
  if $PYTHON - "$input" "$output" "$tree" >"$WORK/check" 2>&1 <<'PY'; then
import sys, h5py, numpy as np
a = h5py.File(sys.argv[1], "r")["W"][...]
n = a.shape[0]
J = n.bit_length() - 1
with h5py.File(sys.argv[2], "r") as f:
    g = f["butterfly"]
    text = lambda value: value.decode() if isinstance(value, bytes) else str(value)
    assert text(g.attrs["tree"]) == sys.argv[3], g.attrs["tree"]
    rel_error = float(g.attrs["rel_error"])
    assert rel_error <= 1e-12, rel_error
    groups = sorted((k for k in g if k.startswith("F")), key=lambda k: int(k[1:]))
    assert groups == [f"F{i}" for i in range(1, J + 1)], groups
    product = np.eye(n)
    for i, name in enumerate(groups, start=1):
        h = g[name]
        data, indices, indptr = h["data"][...], h["indices"][...], h["indptr"][...]
        assert data.dtype == np.float64 and indices.dtype == np.int64 and indptr.dtype == np.int64
        assert list(h.attrs["shape"]) == [n, n], h.attrs["shape"]
        assert len(indptr) == n + 1 and indptr[0] == 0 and indptr[-1] == len(data) == len(indices)
        assert len(data) <= 2 * n, (name, len(data))
        rows = np.repeat(np.arange(n), np.diff(indptr))
        # F_i may only change bit J - i: F1 couples i and i + N/2, FJ is 2x2 block-diagonal.
        assert np.all(np.isin(rows ^ indices, [0, 1 << (J - i)])), name
        dense = np.zeros((n, n))
        dense[rows, indices] = data
        product = product @ dense
error = np.linalg.norm(a - product) / np.linalg.norm(a)
assert error <= 1e-12, f"numpy rel error {error:.3e}"
print(f"rel_error attr {rel_error:.1e}, numpy {error:.1e}")
PY
    pass "$name ($(cat "$WORK/check"))"
  else
    fail "$name: $(tail -n 3 "$WORK/check")"
  fi
}

# same_factors A.h5 B.h5: the CSR datasets are byte-identical.
same_factors() {
  $PYTHON - "$1" "$2" <<'PY'
import sys, h5py
a, b = h5py.File(sys.argv[1], "r")["butterfly"], h5py.File(sys.argv[2], "r")["butterfly"]
names = [k for k in a if k.startswith("F")]
assert names and sorted(names) == sorted(k for k in b if k.startswith("F"))
for k in names:
    for d in ("data", "indices", "indptr"):
        assert a[k][d][...].tobytes() == b[k][d][...].tobytes(), (k, d)
PY
}

# --- butterfly: Hadamard 2^10 at P = 1, 2, 4 (different grids and blocks), both trees
for layout in "1 1x1 64" "2 1x2 16" "4 2x2 7"; do
  set -- $layout
  np=$1 grid=$2 block=$3
  expect_ok "butterfly hadamard P=$np grid $grid block $block runs" $np butterfly --input "$WORK/h.h5" \
    --output "$WORK/hb-$np.h5" --grid $grid --block $block
  check_butterfly "hadamard 2^10 recovered at P=$np" "$WORK/h.h5" "$WORK/hb-$np.h5" balanced
done
grep -q "^rel_error:" "$WORK/out" && grep -q "^N:          1024 (J = 10 factors)" "$WORK/out" &&
  pass "butterfly prints a result summary" || fail "butterfly summary: $(cat "$WORK/out")"
same_factors "$WORK/hb-1.h5" "$WORK/hb-2.h5" && same_factors "$WORK/hb-1.h5" "$WORK/hb-4.h5" &&
  pass "butterfly factors identical at P=1,2,4" || fail "butterfly factors differ across P"
expect_ok "butterfly hadamard left-to-right P=4" 4 butterfly --input "$WORK/h.h5" --output "$WORK/hl.h5" \
  --tree left-to-right --quiet
check_butterfly "hadamard 2^10 recovered by the left-to-right tree" "$WORK/h.h5" "$WORK/hl.h5" left-to-right

# --- butterfly: a random butterfly product (generate) is recovered by both trees
for tree in balanced left-to-right; do
  expect_ok "butterfly random product $tree runs" 2 butterfly --input "$WORK/b.h5:/W" --output "$WORK/bb-$tree.h5" \
    --tree $tree --quiet
  check_butterfly "random butterfly product recovered ($tree)" "$WORK/b.h5" "$WORK/bb-$tree.h5" $tree
done

# --- fsmf on the SEC-like file: overlapping windows -> greedy + refinement near the noise level
expect_ok "fsmf overlapping windows runs" 2 fsmf --input "$WORK/sec.h5:/D" --support-x "$WORK/supports.h5:/SX" \
  --support-y "$WORK/supports.h5:/SY" --output "$WORK/f.h5"
if $PYTHON - "$WORK" >"$WORK/check" 2>&1 <<'PY'; then
import sys, h5py, numpy as np
work = sys.argv[1]
with h5py.File(f"{work}/sec.h5", "r") as f:
    d, noise_rel = f["D"][...], float(f["noise_rel"][()])
sy = h5py.File(f"{work}/supports.h5", "r")["SY"][...]
with h5py.File(f"{work}/f.h5", "r") as f:
    x, y, history = f["fsmf/X"][...], f["fsmf/Y"][...], f["fsmf/history"][...]
    attrs = dict(f["fsmf"].attrs)
assert x.shape == (120, 3) and y.shape == (150, 3), (x.shape, y.shape)
assert attrs["optimal"] == 0, attrs["optimal"]
assert np.all(y[sy == 0] == 0), "Y nonzero off its support"
error = np.linalg.norm(d - x @ y.T) / np.linalg.norm(d)
assert abs(attrs["rel_error"] - error) <= 1e-10, (attrs["rel_error"], error)
assert attrs["rel_error"] <= attrs["greedy_rel_error"] and attrs["rel_error"] <= 1.05 * noise_rel, attrs
assert len(history) >= 1 and np.all(np.diff(history) <= 0) and history[-1] == attrs["rel_error"], history
print(f"greedy {attrs['greedy_rel_error']:.3e} -> {attrs['rel_error']:.3e} in {len(history)} sweeps, noise {noise_rel:.3e}")
PY
  pass "fsmf overlapping: refined to the noise level, optimal=0 ($(cat "$WORK/check"))"
else
  fail "fsmf overlapping: $(tail -n 3 "$WORK/check")"
fi
grep -q "^optimal:    not guaranteed" "$WORK/out" && pass "fsmf prints that optimality is not guaranteed" ||
  fail "fsmf summary: $(cat "$WORK/out")"

# disjoint windows: optimal = 1 and rel_error is numpy's per-class SVD optimum
expect_ok "fsmf disjoint windows runs" 4 fsmf --input "$WORK/sec.h5" --support-x "$WORK/supports.h5:/SX" \
  --support-y "$WORK/supports.h5:/SY_disjoint" --output "$WORK/fd.h5" --grid 2x2 --block 5 --quiet
if $PYTHON - "$WORK" >"$WORK/check" 2>&1 <<'PY'; then
import sys, h5py, numpy as np
work = sys.argv[1]
d = h5py.File(f"{work}/sec.h5", "r")["D"][...]
with h5py.File(f"{work}/fd.h5", "r") as f:
    attrs = dict(f["fsmf"].attrs)
    refined = "history" in f["fsmf"]
tail = sum(np.sum(np.linalg.svd(d[:, 50 * k:50 * (k + 1)], compute_uv=False)[1:] ** 2) for k in range(3))
optimum = np.sqrt(tail) / np.linalg.norm(d)
assert attrs["optimal"] == 1 and not refined, (attrs, refined)
assert abs(attrs["rel_error"] - optimum) <= 1e-10, (attrs["rel_error"], optimum)
print(f"rel_error {attrs['rel_error']:.6e} = optimum {optimum:.6e}")
PY
  pass "fsmf disjoint: optimal=1 at the per-class SVD optimum ($(cat "$WORK/check"))"
else
  fail "fsmf disjoint: $(tail -n 3 "$WORK/check")"
fi

# --- bad input: exit 2, one line, nothing hangs, inputs untouched
before=$(checksum "$WORK/h.h5")
expect_error "butterfly non-square input" "64 x 32" 2 butterfly --input "$WORK/rect.h5" --output "$WORK/x.h5"
expect_error "butterfly size not a power of two" "power of two" 4 butterfly --input "$WORK/n96.h5" --output "$WORK/x.h5"
expect_error "butterfly unknown tree" "--tree" 2 butterfly --input "$WORK/h.h5" --output "$WORK/x.h5" --tree sideways
expect_error "butterfly output is the input" "is the input file" 2 butterfly --input "$WORK/h.h5" --output "$WORK/h.h5"
expect_error "fsmf support-x rows do not match" "but the input has 120 rows" 2 fsmf --input "$WORK/sec.h5" \
  --support-x "$WORK/supports.h5:/SX_short" --support-y "$WORK/supports.h5:/SY" --output "$WORK/x.h5"
expect_error "fsmf support-y rows do not match" "but the input has 150 columns" 4 fsmf --input "$WORK/sec.h5" \
  --support-x "$WORK/supports.h5:/SX" --support-y "$WORK/supports.h5:/SX" --output "$WORK/x.h5"
expect_error "fsmf supports with different r" "has 3 columns but --support-y has 2" 2 fsmf --input "$WORK/sec.h5" \
  --support-x "$WORK/supports.h5:/SX" --support-y "$WORK/supports.h5:/SY_r2" --output "$WORK/x.h5"
expect_error "fsmf missing support dataset" "no dataset '/nope'" 2 fsmf --input "$WORK/sec.h5" \
  --support-x "$WORK/supports.h5:/nope" --support-y "$WORK/supports.h5:/SY" --output "$WORK/x.h5"
expect_error "fsmf support not 0/1" "at (5, 1)" 2 fsmf --input "$WORK/sec.h5" \
  --support-x "$WORK/supports.h5:/SX_half" --support-y "$WORK/supports.h5:/SY" --output "$WORK/x.h5"
expect_error "fsmf output is a support file" "is the input file" 2 fsmf --input "$WORK/sec.h5" \
  --support-x "$WORK/supports.h5:/SX" --support-y "$WORK/supports.h5:/SY" --output "$WORK/supports.h5"
[ "$(checksum "$WORK/h.h5")" = "$before" ] && [ ! -e "$WORK/x.h5" ] && pass "inputs unchanged, no output from failing runs" ||
  fail "input modified or output written by a failing run"
finish
