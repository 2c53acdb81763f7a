#!/usr/bin/env bash
# `jointfact joint` end to end: the seeds' rowsum task in lossless mode at P = 1, 2, 4 (attributes,
# shapes, agreement across P, F monotone per solve, numbers recomputed with numpy), the other objectives
# and modes on small inputs, and bad inputs (exit 2, exactly one error line, input untouched).
source "$(dirname "$0")/lib.sh"

jf 1 generate --kind lowrank --shape 240,130 --rank 6 --noise 0.5 --seed 42 --output "$WORK/W.h5" --quiet ||
  fail "generate lowrank"
before=$(checksum "$WORK/W.h5")

# --- rowsum, lossless, eps_rel 0.01, at P = 1, 2, 4 on different grids and block sizes
grids=([1]="" [2]="--grid 2x1 --block 16" [4]="--grid 2x2 --block 7")
for np in 1 2 4; do
  # shellcheck disable=SC2086
  expect_ok "joint rowsum lossless at P=$np" $np joint --input "$WORK/W.h5:/W" --output "$WORK/lossless-$np.h5" \
    --rank 6 --objective rowsum --targets "$WORK/W.h5:/targets" --mode lossless --eps-rel 0.01 ${grids[$np]} --quiet
done
grep -q "^loss_joint:" "$WORK/out" && pass "summary lines printed" || fail "summary: $(cat "$WORK/out")"
# A grid that leaves one of the four ranks idle.
expect_ok "joint rowsum lossless at P=4 on a 1x3 grid" 4 joint --input "$WORK/W.h5:/W" --output "$WORK/lossless-3.h5" \
  --rank 6 --objective rowsum --targets "$WORK/W.h5:/targets" --mode lossless --eps-rel 0.01 --grid 1x3 --block 5 --quiet
if $PYTHON - "$WORK" <<'PY'; then pass "lossless: bound met, task loss < 1e-3 of the SVD's, numbers match numpy, P = 1, 2, 3, 4 agree"; else fail "lossless outputs"; fi
import sys, h5py, numpy as np
work = sys.argv[1]
w_file = h5py.File(f"{work}/W.h5", "r")
W, t = w_file["W"][...], w_file["targets"][...]
products = {}
for np_ in (1, 2, 4):
    f = h5py.File(f"{work}/lossless-{np_}.h5", "r")
    g = f["joint"]
    a = dict(g.attrs)
    L, R, H, seg = g["L"][...], g["R"][...], g["history"][...], g["history_segment"][...]
    assert L.shape == (240, 6) and R.shape == (130, 6), (L.shape, R.shape)
    assert H.ndim == 2 and H.shape[1] == 3 and seg.shape == (H.shape[0],), (H.shape, seg.shape)
    assert g["segments"].shape[1] == 4
    for key in ("loss_original", "loss_svd", "loss_joint", "recon_error_svd", "recon_error_joint", "lambda", "iterations"):
        assert key in a, key
    assert a["loss_joint"] < 1e-3 * a["loss_svd"], (a["loss_joint"], a["loss_svd"])
    assert a["recon_error_joint"] <= 1.01 * a["recon_error_svd"], (a["recon_error_joint"], a["recon_error_svd"])
    X = L @ R.T
    recon, loss = np.linalg.norm(W - X), np.mean((X.sum(axis=1) - t) ** 2)
    assert abs(recon - a["recon_error_joint"]) <= 1e-10 * recon, (recon, a["recon_error_joint"])
    assert abs(loss - a["loss_joint"]) <= 1e-6 * a["loss_svd"], (loss, a["loss_joint"])
    assert abs(np.mean((W.sum(axis=1) - t) ** 2) - a["loss_original"]) <= 1e-10 * a["loss_original"]
    s = np.linalg.svd(W, compute_uv=False)
    assert abs(np.sqrt((s[6:] ** 2).sum()) - a["recon_error_svd"]) <= 1e-10 * a["recon_error_svd"]
    for k in np.unique(seg):  # F never increases within one penalty solve
        F = H[seg == k, 0]
        assert np.all(np.diff(F) <= 1e-12 * np.abs(F[:-1])), (k, np.diff(F).max())
    products[np_] = X
g3 = h5py.File(f"{work}/lossless-3.h5", "r")["joint"]
products[3] = g3["L"][...] @ g3["R"][...].T
for np_ in (2, 3, 4):
    d = np.linalg.norm(products[np_] - products[1]) / np.linalg.norm(products[1])
    assert d < 1e-10, (np_, d)
PY

# --- penalty with smoothness and non-negativity; compact mode
expect_ok "joint penalty --nonneg --smooth-l --smooth-r" 2 joint --input "$WORK/W.h5" --output "$WORK/nonneg.h5" --rank 3 \
  --objective rowsum --targets "$WORK/W.h5:/targets" --lambda 0.1 --nonneg --smooth-l 1 --smooth-r 1 --max-iters 40 --quiet
expect_ok "joint compact" 2 joint --input "$WORK/W.h5" --output "$WORK/compact.h5" --rank 4 --objective rowsum \
  --targets "$WORK/W.h5:/targets" --mode compact --max-iters 50 --quiet
if $PYTHON - "$WORK" <<'PY'; then pass "nonneg factors >= 0; compact writes /joint/rank_curve"; else fail "nonneg / compact outputs"; fi
import sys, h5py, numpy as np
work = sys.argv[1]
g = h5py.File(f"{work}/nonneg.h5", "r")["joint"]
assert g["L"][...].min() >= 0 and g["R"][...].min() >= 0
assert g["L"].shape == (240, 3) and g.attrs["nonneg"]
c = h5py.File(f"{work}/compact.h5", "r")["joint"]
curve = c["rank_curve"][...]
# the ranks the bisection tried, sorted; the chosen one among them
assert curve.ndim == 2 and curve.shape[1] == 2 and c.attrs["rank"] in curve[:, 0], (curve, c.attrs["rank"])
assert np.all(np.diff(curve[:, 0]) > 0) and curve[-1, 0] == 4
assert c["L"].shape[1] == c.attrs["rank"]
threshold = c.attrs["loss_original"] + c.attrs["loss_tol"]
chosen = curve[curve[:, 0] == c.attrs["rank"]][0]
if c.attrs["compact_found"]:
    assert chosen[1] <= threshold and np.all(curve[curve[:, 0] < chosen[0], 1] > threshold)
PY

# --- regression and gradient objectives on small inputs made with numpy
$PYTHON - "$WORK" <<'PY'
import sys, h5py, numpy as np
work = sys.argv[1]
rng = np.random.default_rng(3)
W = rng.standard_normal((30, 4)) @ rng.standard_normal((4, 20)) + 0.1 * rng.standard_normal((30, 20))
Xs = rng.standard_normal((25, 20))
with h5py.File(f"{work}/small.h5", "w") as f:
    f["W"] = W
    f["samples"] = Xs
    f["responses"] = Xs @ W.T
    f["gradient"] = rng.standard_normal(W.shape)
    f["curvature"] = np.abs(rng.standard_normal(W.shape))
    f["negative_curvature"] = -np.ones(W.shape)
    f["short_targets"] = np.ones(29)
    f["bad_samples"] = rng.standard_normal((25, 19))
PY
expect_ok "joint regression" 2 joint --input "$WORK/small.h5:/W" --output "$WORK/regression.h5" --rank 3 \
  --objective regression --samples "$WORK/small.h5:/samples" --responses "$WORK/small.h5:/responses" --lambda 100 --quiet
expect_ok "joint gradient with curvature" 4 joint --input "$WORK/small.h5:/W" --output "$WORK/gradient.h5" --rank 3 \
  --objective gradient --gradient "$WORK/small.h5:/gradient" --curvature "$WORK/small.h5:/curvature" --lambda 0.5 --quiet
if $PYTHON - "$WORK" <<'PY'; then pass "regression lowers its loss; gradient noise points against G"; else fail "regression / gradient outputs"; fi
import sys, h5py, numpy as np
work = sys.argv[1]
r = h5py.File(f"{work}/regression.h5", "r")["joint"].attrs
assert r["loss_joint"] < r["loss_svd"], (r["loss_joint"], r["loss_svd"])
f = h5py.File(f"{work}/small.h5", "r")
g = h5py.File(f"{work}/gradient.h5", "r")["joint"]
delta = g["L"][...] @ g["R"][...].T - f["W"][...]
assert (f["gradient"][...] * delta).sum() < 0
assert g["history"].shape[0] == g.attrs["iterations"] + 1
PY
expect_ok "joint gradient lossless inside a trust radius" 2 joint --input "$WORK/small.h5:/W" \
  --output "$WORK/gradient-trust.h5" --rank 3 --objective gradient --gradient "$WORK/small.h5:/gradient" \
  --mode lossless --eps-rel 1 --trust-radius 1e-6 --quiet
grep -q "predicted by the gradient model" "$WORK/out" && pass "summary says the proxy's loss is predicted" \
  || fail "summary: $(cat "$WORK/out")"
if $PYTHON - "$WORK" <<'PY'; then pass "closed-form regression = numpy whitened closed form; loss_kind; trust radius"
import sys, h5py, numpy as np
work = sys.argv[1]
f = h5py.File(f"{work}/small.h5", "r")
W, Xs, Y = f["W"][...], f["samples"][...], f["responses"][...]
# ||W - X||^2 + (lambda/s) ||Xs X^T - Y||^2 over rank 3 = [T M^-1/2]_3 M^-1/2, M = I + (lambda/s) Xs^T Xs
a = 100 / Xs.shape[0]
d, q = np.linalg.eigh(np.eye(W.shape[1]) + a * Xs.T @ Xs)
inv_root = (q / np.sqrt(d)) @ q.T
u, s, vt = np.linalg.svd((W + a * Y.T @ Xs) @ inv_root)
x_star = (u[:, :3] * s[:3]) @ vt[:3] @ inv_root
r = h5py.File(f"{work}/regression.h5", "r")["joint"]
x = r["L"][...] @ r["R"][...].T
assert np.linalg.norm(x - x_star) <= 1e-10 * np.linalg.norm(x_star), np.linalg.norm(x - x_star)
assert r.attrs["loss_kind"] in (b"measured", "measured"), r.attrs["loss_kind"]
g = h5py.File(f"{work}/gradient.h5", "r")["joint"].attrs
assert g["loss_kind"] in (b"predicted", "predicted") and "trust_radius" in g, dict(g)
t = h5py.File(f"{work}/gradient-trust.h5", "r")["joint"].attrs
# a radius below ||W - W_3||: no rank-3 point is trusted, the answer is the SVD's
assert abs(t["recon_error_joint"] - t["recon_error_svd"]) <= 1e-10 * t["recon_error_svd"], dict(t)
assert t["within_trust_radius"] == 1 and t["feasible"] == 1
PY
else fail "closed form / loss_kind / trust radius"; fi

# --- bad input: exit 2, one line, every rank exits
common=(--input "$WORK/W.h5:/W" --output "$WORK/bad.h5" --rank 6)
expect_error "negative lambda" "--lambda must be >= 0" 2 joint "${common[@]}" --objective rowsum --targets "$WORK/W.h5:/targets" --lambda -1
expect_error "rowsum without targets" "needs --targets" 2 joint "${common[@]}" --objective rowsum
expect_error "targets of the wrong length" "targets have length 29" 4 joint --input "$WORK/small.h5:/W" \
  --output "$WORK/bad.h5" --rank 3 --objective rowsum --targets "$WORK/small.h5:/short_targets"
expect_error "rank zero" "--rank 0 must be between 1 and" 2 joint --input "$WORK/W.h5:/W" --output "$WORK/bad.h5" \
  --rank 0 --objective rowsum --targets "$WORK/W.h5:/targets"
expect_error "rank too large" "--rank 131 must be between 1 and min(m, n) = 130" 4 joint --input "$WORK/W.h5:/W" \
  --output "$WORK/bad.h5" --rank 131 --objective rowsum --targets "$WORK/W.h5:/targets"
expect_error "option of another objective" "--curvature is only used by --objective gradient" 2 joint "${common[@]}" \
  --objective rowsum --targets "$WORK/W.h5:/targets" --curvature "$WORK/small.h5:/curvature"
expect_error "regression without responses" "needs --samples" 2 joint "${common[@]}" --objective regression \
  --samples "$WORK/small.h5:/samples"
expect_error "samples of the wrong width" "samples have 19 columns" 2 joint --input "$WORK/small.h5:/W" \
  --output "$WORK/bad.h5" --rank 3 --objective regression --samples "$WORK/small.h5:/bad_samples" \
  --responses "$WORK/small.h5:/responses"
expect_error "negative curvature" "curvature must be >= 0" 4 joint --input "$WORK/small.h5:/W" --output "$WORK/bad.h5" \
  --rank 3 --objective gradient --gradient "$WORK/small.h5:/gradient" --curvature "$WORK/small.h5:/negative_curvature"
expect_error "unknown mode" "--mode" 2 joint "${common[@]}" --objective rowsum --targets "$WORK/W.h5:/targets" --mode fancy
expect_error "negative trust radius" "--trust-radius must be >= 0" 2 joint "${common[@]}" --objective rowsum \
  --targets "$WORK/W.h5:/targets" --trust-radius -1
expect_error "negative eps-rel" "--eps-rel must be >= 0" 2 joint "${common[@]}" --objective rowsum \
  --targets "$WORK/W.h5:/targets" --mode lossless --eps-rel -0.1
expect_error "missing targets dataset" "no dataset '/nothere'" 2 joint "${common[@]}" --objective rowsum \
  --targets "$WORK/W.h5:/nothere"
expect_error "output is the input" "is the input file" 2 joint --input "$WORK/W.h5:/W" --output "$WORK/W.h5" --rank 6 \
  --objective rowsum --targets "$WORK/W.h5:/targets"
[ ! -e "$WORK/bad.h5" ] && pass "no output left by failing runs" || fail "failing run left $WORK/bad.h5"
[ "$(checksum "$WORK/W.h5")" = "$before" ] && pass "input unchanged" || fail "input modified"
finish
