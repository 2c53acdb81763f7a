#!/usr/bin/env bash
# The demo (jobs/demo.sh, with the built binary): its three stages run, every PNG is written, and every
# number of its "what you just saw" summary matches the output files it names (read here directly:
# the HDF5 attributes, OUT.json, product.json), to the digits printed. The butterfly error is also
# recomputed from the factors and the Hadamard matrix.
source "$(dirname "$0")/lib.sh"
repo=$(cd "$(dirname "$0")/../.." && pwd)
demo=$WORK/demo

if JOINTFACT_BIN=$JOINTFACT_BIN JF_DEMO_DIR=$demo JF_DEMO_NP=2 JF_DEMO_N=256 \
  timeout 300 bash "$repo/jobs/demo.sh" >"$WORK/demo.log" 2>"$WORK/demo.err"; then
  pass "jobs/demo.sh runs"
else
  fail "jobs/demo.sh failed: $(tail -5 "$WORK/demo.err")"
fi
grep -q "demo: stages 1-2" "$WORK/demo.log" && grep -q "demo: stage 3" "$WORK/demo.log" &&
  grep -q "^What you just saw" "$WORK/demo.log" && pass "the demo prints its stages and the summary" ||
  fail "stage lines or summary missing: $(tail -5 "$WORK/demo.log")"
for png in spectrum task_loss joint butterfly butterfly_factors; do
  [ -s "$demo/$png.png" ] && pass "$png.png written" || fail "$png.png missing"
done

$PYTHON - "$WORK/demo.log" "$demo" <<'PY' && pass "every summary number matches the output files" ||
import json, re, sys
import h5py, numpy as np

log, folder = sys.argv[1], sys.argv[2]
summary = open(log).read().split("What you just saw", 1)[1]
run = json.load(open(f"{folder}/lowrank.json"))
product = json.load(open(f"{folder}/product.json"))
with h5py.File(f"{folder}/lowrank.h5", "r") as f:
    svd_attrs, joint_attrs = dict(f["svd"].attrs), dict(f["joint"].attrs)
    singular_values = f["svd/S"][...]
with h5py.File(f"{folder}/butterfly.h5", "r") as f:
    g = f["butterfly"]
    bf_error, factors = float(g.attrs["rel_error"]), int(g.attrs["factors"])
    csr = [(g[f"F{i}/data"][...], g[f"F{i}/indices"][...], g[f"F{i}/indptr"][...]) for i in range(1, factors + 1)]
with h5py.File(f"{folder}/hadamard.h5", "r") as f:
    a = f["W"][...]

NUMBER = r"([-+]?[0-9]*\.?[0-9]+(?:e[-+]?[0-9]+)?)"
checked = []

def agree(label, pattern, expected, scale=1.0):
    match = re.search(pattern.replace("#", NUMBER), summary)
    assert match, f"{label}: no line matching {pattern!r} in the summary"
    for token, value in zip(match.groups(), expected if isinstance(expected, tuple) else (expected,)):
        mantissa = token.lower().split("e")[0].lstrip("+-").replace(".", "").lstrip("0") or "0"
        tolerance = 10.0 ** (1 - len(mantissa))  # one unit of the last printed digit, relative
        printed = float(token) / scale
        assert abs(printed - value) <= tolerance * abs(value) + 1e-300, f"{label}: printed {token}, file {value}"
        checked.append(label)

agree("svd k and rows x cols", r"rank-# randomized SVD of W \(# x #", (svd_attrs["k"], run["input"]["rows"],
                                                                           run["input"]["cols"]))
agree("svd residual", r"residual \|\|W V - U S\|\|_F / \|\|W\|\|_F = #", svd_attrs["residual"])
agree("largest singular value", r"largest singular value #", singular_values[0])
agree("joint rank and slack", r"\n +rank #, lossless mode: \|\|W - X\|\|_F at most #% above",
      (run["joint"]["rank"], 100 * joint_attrs["eps_rel"]))
agree("task loss at W", r"task loss at W: +#", joint_attrs["loss_original"])
agree("task loss at SVD", r"task loss at the SVD answer: +#", joint_attrs["loss_svd"])
agree("task loss at joint", r"task loss at the joint answer: +#", joint_attrs["loss_joint"])
agree("reconstruction errors", r"SVD #, joint # \(#%\)",
      (joint_attrs["recon_error_svd"], joint_attrs["recon_error_joint"],
       100 * (joint_attrs["recon_error_joint"] / joint_attrs["recon_error_svd"] - 1)))
agree("hadamard size", r"Hadamard # x #", (a.shape[0], a.shape[1]))
agree("butterfly error", r"\|\|A - F1 \.\.\. F[0-9]+\|\|_F / \|\|A\|\|_F = #", bf_error)
agree("product", r"dense # flops in # ms, butterfly # flops in # ms",
      (product["dense_flops"], 1e3 * product["dense_seconds"], product["butterfly_flops"],
       1e3 * product["butterfly_seconds"]))
agree("product difference", r"results differ by # relative", product["product_rel_difference"])
assert re.search(rf"= F1 \.\.\. F{factors} ", summary), "factor count"

# The stories the summary tells hold in the files: the joint answer wins the task at (almost) the
# SVD's reconstruction error, the butterfly is exact to rounding, the fast product needs fewer flops.
assert joint_attrs["loss_joint"] < 1e-3 * joint_attrs["loss_svd"] < joint_attrs["loss_original"]
assert joint_attrs["recon_error_joint"] <= 1.01 * joint_attrs["recon_error_svd"] * (1 + 1e-12)
product_matrix = np.eye(a.shape[0])
for data, indices, indptr in reversed(csr):
    rows = np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))
    dense_factor = np.zeros_like(a)
    dense_factor[rows, indices] = data
    product_matrix = dense_factor @ product_matrix
recomputed = np.linalg.norm(a - product_matrix) / np.linalg.norm(a)
assert recomputed < 1e-13 and abs(recomputed - bf_error) < 1e-14, (recomputed, bf_error)
assert product["butterfly_flops"] * 10 < product["dense_flops"]
print(f"checked {len(checked)} numbers; butterfly error recomputed {recomputed:.2e}")
PY
  fail "a summary number differs from the files"

for path in "$demo"/lowrank.h5 "$demo"/lowrank.json "$demo"/butterfly.h5 "$demo"/product.json; do
  [ -s "$path" ] || fail "$path missing"
done
finish
