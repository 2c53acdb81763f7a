#!/usr/bin/env bash
# Out of core through `jointfact run` ([svd] out_of_core = true, and chosen automatically when the in-core
# estimate does not fit) and fixed accuracy (--tol) out of core: the same factors as the in-core runs
# within 1e-10, measured per-triplet residuals, the out-of-core attributes, the refusal with a later stage.
source "$(dirname "$0")/lib.sh"
helper="$(cd "$(dirname "$0")/../../jobs" && pwd)/bench_out_of_core.py"
cd "$WORK"
$PYTHON "$helper" generate --output A.h5 --shape 3000 400 --rank 30 >/dev/null

write_config() {  # write_config FILE OUTPUT [extra [svd] lines...]
  local file=$1 output=$2
  shift 2
  {
    printf '[input]\npath = "%s"\n[svd]\noversample = 6\npower_iters = 2\nseed = 11\n' "$WORK/A.h5:/A"
    printf '%s\n' "$@"
    printf '[output]\npath = "%s"\n' "$output"
  } >"$file"
}

# same_factors NAME FIRST SECOND: S relative, U, V, residuals absolute, all within 1e-10; k equal.
same_factors() {
  local name=$1
  if $PYTHON - "$2" "$3" >cmp.txt <<'PY'; then pass "$name: $(cat cmp.txt)"; else fail "$name: $(cat cmp.txt)"; fi
import sys, h5py, numpy as np
a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
sa, sb = a["/svd/S"][:], b["/svd/S"][:]
if sa.shape != sb.shape:
    print(f"k differs: {sa.shape} vs {sb.shape}"); sys.exit(1)
d = {"S": np.max(np.abs(sa - sb) / sa),
     "U": np.max(np.abs(a["/svd/U"][:] - b["/svd/U"][:])),
     "V": np.max(np.abs(a["/svd/V"][:] - b["/svd/V"][:])),
     "residuals": np.max(np.abs(a["/svd/residuals"][:] - b["/svd/residuals"][:]))}
print(f"k {len(sa)}, " + ", ".join(f"max d{key} {value:.2e}" for key, value in d.items()))
sys.exit(0 if max(d.values()) <= 1e-10 and np.all(b["/svd/residuals"][:] > 0) else 1)
PY
}

# --- [svd] out_of_core = true in run == the in-core run
write_config in.toml "$WORK/in.h5" "rank = 8"
write_config ooc.toml "$WORK/ooc.h5" "rank = 8" "out_of_core = true" "panel_mb = 1"
expect_ok "run, in core (P=2)" 2 run in.toml
expect_ok "run, [svd] out_of_core = true (P=2)" 2 run ooc.toml
grep -q "stays in its file: the svd stage streams it" "$WORK/out" && grep -q "out of core done, 7 passes" "$WORK/out" &&
  pass "run streamed the input: 7 passes (6 products + the residual pass)" ||
  fail "$(grep -E 'input:|svd:' "$WORK/out")"
same_factors "run out of core == in core" in.h5 ooc.h5
$PYTHON -c "import h5py; a = h5py.File('ooc.h5')['/svd'].attrs; assert a['out_of_core'] == 1 and a['passes'] == 7" &&
  pass "/svd attributes out_of_core = 1, passes = 7" || fail "out-of-core attributes missing"
$PYTHON -c "import json; i = json.load(open('ooc.json'))['input']; assert (i['rows'], i['cols']) == (3000, 400)" &&
  pass "summary records the streamed input's shape" || fail "summary: $(head -c 300 ooc.json)"

# --- chosen automatically: the node offers less than the in-core path needs
write_config auto.toml "$WORK/auto.h5" "rank = 8" "panel_mb = 1"
JOINTFACT_NODE_MEMORY=4M expect_ok "run, in-core estimate over a 4 MiB node (P=2)" 2 run auto.toml
grep -q "streaming the matrix from the file (out of core)" "$WORK/out" && pass "automatic choice logged" ||
  fail "no automatic out-of-core line: $(grep 'svd:' "$WORK/out" | head -3)"
same_factors "automatic out of core == in core" in.h5 auto.h5

# --- fixed accuracy out of core, in run and in svd
write_config tin.toml "$WORK/tin.h5" "tol = 1e-3"
write_config tooc.toml "$WORK/tooc.h5" "tol = 1e-3" "out_of_core = true" "panel_mb = 1"
expect_ok "run --tol, in core (P=2)" 2 run tin.toml
expect_ok "run --tol, out of core (P=2)" 2 run tooc.toml
grep -q "the basis grows between passes" "$WORK/out" && pass "fixed accuracy ran out of core" ||
  fail "$(grep 'svd:' "$WORK/out" | head -3)"
same_factors "run tol out of core == in core" tin.h5 tooc.h5
svd_args=(svd --input A.h5:/A --tol 1e-4 --power-iters 1 --seed 3)
expect_ok "svd --tol, in core (P=3)" 3 "${svd_args[@]}" --output "$WORK/sin.h5"
expect_ok "svd --tol --out-of-core (P=3)" 3 "${svd_args[@]}" --output "$WORK/sooc.h5" --out-of-core --panel-mb 1
same_factors "svd --tol out of core == in core" sin.h5 sooc.h5

# --- refusals
write_config joint.toml "$WORK/j.h5" "rank = 8" "out_of_core = true"
printf '[joint]\nobjective = "rowsum"\nmode = "lossless"\n' >>joint.toml
expect_error "out_of_core with a joint stage" "the svd stage only" 2 run joint.toml
expect_error "--passes with --tol" "--passes needs --rank" 2 "${svd_args[@]}" --output x.h5 --out-of-core --passes 4
expect_error "--passes not 1, 2q+2, 2q+3" "--passes 5 must be" 2 svd --input A.h5:/A --rank 4 --power-iters 2 \
  --out-of-core --passes 5 --output x.h5
finish
