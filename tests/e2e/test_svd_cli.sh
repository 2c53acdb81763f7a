#!/usr/bin/env bash
# `jointfact svd` end to end: singular values equal numpy's (1e-10 relative) at P = 1, 2, 4 on different
# grids and block sizes, U and V have the contract's shapes and are orthonormal, one seed gives the same
# factors on any P, --tol meets its tolerance, and every kind of bad input is exit 2 with one error line.
source "$(dirname "$0")/lib.sh"

# --- inputs: a noisy low-rank matrix (generate), a fast-decaying spectrum and a NaN matrix (numpy)
jf 2 generate --kind lowrank --shape 301,157 --rank 5 --noise 0.5 --seed 3 --output "$WORK/W.h5" --quiet ||
  fail "generate: $(cat "$WORK/err")"
$PYTHON - "$WORK" <<'PY'
import sys, h5py, numpy as np
work = sys.argv[1]
rng = np.random.default_rng(4)
m, n = 240, 130
u, _ = np.linalg.qr(rng.standard_normal((m, n)))
v, _ = np.linalg.qr(rng.standard_normal((n, n)))
with h5py.File(f"{work}/decay.h5", "w") as f:
    f["A"] = (u * 0.6 ** np.arange(n)) @ v.T
with h5py.File(f"{work}/nan.h5", "w") as f:
    a = np.ones((20, 10)); a[7, 3] = np.nan
    f["A"] = a
PY

# check_svd NAME INPUT[:DSET] OUTPUT K METHOD: S vs numpy within 1e-10 relative, shapes, orthonormality,
# residual, attributes. Prints one ok/FAIL line.
check_svd() {
  local name=$1 input=$2 output=$3 k=$4 method=$5
  if $PYTHON - "$input" "$output" "$k" "$method" >"$WORK/check" 2>&1 <<'PY'; then
import sys, h5py, numpy as np
path, output, k, method = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
file, _, dset = path.partition(":")
with h5py.File(file, "r") as f:
    a = f[dset or ([n for n in f if f[n].ndim == 2][0])][...]
with h5py.File(output, "r") as f:
    u, s, v = f["svd/U"][...], f["svd/S"][...], f["svd/V"][...]
    attrs = dict(f["svd"].attrs)
m, n = a.shape
assert u.shape == (m, k) and s.shape == (k,) and v.shape == (n, k), (u.shape, s.shape, v.shape)
reference = np.linalg.svd(a, compute_uv=False)[:k]
value_error = np.max(np.abs(s - reference) / reference)
assert value_error <= 1e-10, f"singular values differ from numpy by {value_error:.3e} relative"
orthogonality = max(np.abs(u.T @ u - np.eye(k)).max(), np.abs(v.T @ v - np.eye(k)).max())
assert orthogonality <= 1e-12, f"U/V not orthonormal: {orthogonality:.3e}"
residual = np.linalg.norm(a @ v - u * s) / np.linalg.norm(a)
text = lambda value: value.decode() if isinstance(value, bytes) else str(value)  # fixed-length strings come as bytes
assert text(attrs["method"]) == method and attrs["k"] == k, attrs
assert abs(attrs["residual"] - residual) <= 1e-9 + 1e-6 * residual, (attrs["residual"], residual)
print(f"value error {value_error:.1e}, orthogonality {orthogonality:.1e}, residual {residual:.1e}")
PY
    pass "$name ($(cat "$WORK/check"))"
  else
    fail "$name: $(tail -n 3 "$WORK/check")"
  fi
}

# --- exact (pdgesvd) on the noisy matrix, randomized on the decaying one, P = 1, 2, 4, grids and blocks
for layout in "1 1x1 64" "2 2x1 7" "4 2x2 16" "4 1x4 3"; do
  set -- $layout
  np=$1 grid=$2 block=$3
  expect_ok "svd exact P=$np grid $grid block $block runs" $np svd --input "$WORK/W.h5" \
    --output "$WORK/exact-$np-$grid.h5" --rank 10 --method exact --grid $grid --block $block --quiet
  check_svd "svd exact P=$np grid $grid block $block matches numpy" "$WORK/W.h5:/W" "$WORK/exact-$np-$grid.h5" 10 exact
  expect_ok "svd randomized P=$np grid $grid block $block runs" $np svd --input "$WORK/decay.h5" \
    --output "$WORK/rand-$np-$grid.h5" --rank 20 --grid $grid --block $block --seed 5 --quiet
  check_svd "svd randomized P=$np grid $grid block $block matches numpy" "$WORK/decay.h5:/A" "$WORK/rand-$np-$grid.h5" 20 randomized
done

# --- one seed, the same factors on any P, grid and block size (up to rounding)
if $PYTHON - "$WORK" >"$WORK/check" 2>&1 <<'PY'; then
import sys, h5py, numpy as np
work = sys.argv[1]
def factors(name):
    with h5py.File(f"{work}/{name}", "r") as f:
        return [f[d][...] for d in ("svd/U", "svd/S", "svd/V")]
first = factors("rand-1-1x1.h5")
worst = 0.0
for other in ("rand-2-2x1.h5", "rand-4-2x2.h5", "rand-4-1x4.h5"):
    worst = max([worst] + [np.abs(x - y).max() for x, y in zip(first, factors(other))])
assert worst <= 1e-12, f"factors differ by {worst:.3e}"
print(f"max difference {worst:.1e}")
PY
  pass "randomized: same seed, same factors at P=1,2,4 ($(cat "$WORK/check"))"
else
  fail "randomized: factors differ across P: $(tail -n 2 "$WORK/check")"
fi

# --- attributes and the printed summary
jf 2 svd --input "$WORK/decay.h5" --output "$WORK/attrs.h5" --rank 8 --oversample 6 --power-iters 1 --seed 9
if $PYTHON - "$WORK/attrs.h5" <<'PY'; then
import sys, h5py
attrs = dict(h5py.File(sys.argv[1], "r")["svd"].attrs)
for key in ("method", "k", "p", "q", "residual", "orthogonality_u", "orthogonality_v", "tail_energy", "seed"):
    assert key in attrs, key
assert (attrs["k"], attrs["p"], attrs["q"], attrs["seed"]) == (8, 6, 1, 9), attrs
PY
  pass "attributes method, k, p, q, residual, orthogonality_u/v, tail_energy, seed on /svd"
else
  fail "attributes on /svd"
fi
grep -q "^k:  *8$" "$WORK/out" && grep -q "^singular values: 1 0.6" "$WORK/out" && grep -q "power iteration 1/1" "$WORK/out" &&
  grep -q "svd: done in" "$WORK/out" && pass "summary and progress lines printed" || fail "summary/progress: $(cat "$WORK/out")"

# --- fixed accuracy: --tol meets the tolerance with k <= 1.1 * the optimal k (numpy)
for np in 1 4; do
  expect_ok "svd --tol 1e-4 P=$np runs" $np svd --input "$WORK/decay.h5" --output "$WORK/tol-$np.h5" --tol 1e-4 --quiet
  if $PYTHON - "$WORK/decay.h5" "$WORK/tol-$np.h5" >"$WORK/check" 2>&1 <<'PY'; then
import sys, h5py, numpy as np
a = h5py.File(sys.argv[1], "r")["A"][...]
with h5py.File(sys.argv[2], "r") as f:
    u, s, v, k = f["svd/U"][...], f["svd/S"][...], f["svd/V"][...], int(f["svd"].attrs["k"])
sigma = np.linalg.svd(a, compute_uv=False)
tails = np.sqrt(np.cumsum((sigma ** 2)[::-1])[::-1])  # tails[r] = error of the best rank-r approximation
optimal = int(np.argmax(tails <= 1e-4 * np.linalg.norm(a)))
error = np.linalg.norm(a - (u * s) @ v.T) / np.linalg.norm(a)
assert error <= 1e-4, f"error {error:.3e} above the tolerance"
assert k == len(s) and optimal <= k <= 1.1 * optimal, (k, optimal)
print(f"k {k}, optimal {optimal}, error {error:.2e}")
PY
    pass "svd --tol 1e-4 P=$np meets the tolerance ($(cat "$WORK/check"))"
  else
    fail "svd --tol P=$np: $(tail -n 2 "$WORK/check")"
  fi
done

# --- bad input: exit 2, exactly one error line, input untouched, no output left behind
before=$(checksum "$WORK/W.h5")
expect_error "--rank 0" "--rank 0 must be between 1 and min(m, n) = 157" 2 svd --input "$WORK/W.h5" --output "$WORK/x.h5" --rank 0
expect_error "--rank above min(m, n)" "--rank 158 must be between 1 and min(m, n) = 157" 4 svd --input "$WORK/W.h5" --output "$WORK/x.h5" --rank 158
expect_error "--tol 1.5" "--tol 1.5 must be in (0, 1)" 2 svd --input "$WORK/W.h5" --output "$WORK/x.h5" --tol 1.5
expect_error "--tol 0" "--tol 0 must be in (0, 1)" 1 svd --input "$WORK/W.h5" --output "$WORK/x.h5" --tol 0
expect_error "neither --rank nor --tol" "give --rank K or --tol E" 2 svd --input "$WORK/W.h5" --output "$WORK/x.h5"
expect_error "both --rank and --tol" "excludes" 2 svd --input "$WORK/W.h5" --output "$WORK/x.h5" --rank 3 --tol 0.1
expect_error "unknown method" "--method" 2 svd --input "$WORK/W.h5" --output "$WORK/x.h5" --rank 3 --method lanczos
expect_error "1-D dataset" "1-D" 4 svd --input "$WORK/W.h5:/targets" --output "$WORK/x.h5" --rank 3
expect_error "NaN input names the position" "nan at (7, 3)" 4 svd --input "$WORK/nan.h5" --output "$WORK/x.h5" --rank 3
expect_error "output equal to the input" "is the input file" 2 svd --input "$WORK/W.h5" --output "$WORK/W.h5" --rank 3
expect_error "missing output directory" "does not exist" 4 svd --input "$WORK/W.h5" --output "$WORK/no/such/dir/out.h5" --rank 3
expect_error "missing input" "no such file" 2 svd --input "$WORK/none.h5" --output "$WORK/x.h5" --rank 3
[ "$(checksum "$WORK/W.h5")" = "$before" ] && pass "input unchanged" || fail "input modified"
[ ! -e "$WORK/x.h5" ] && [ -z "$(ls "$WORK" | grep partial)" ] && pass "no output or partial file left by failed runs" ||
  fail "failed runs left files: $(ls "$WORK")"
finish
