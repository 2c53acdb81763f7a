#!/usr/bin/env bash
# A failure raised on one rank only, in every stage and command, while the other ranks go on into the
# next collective: every rank must end within seconds with the failing rank's one error line and its
# exit code (1 internal, 2 bad input), and no partial output. The failure is injected through the test
# hook of core/fault_injection.hpp (JOINTFACT_TEST_FAIL_AT / _RANK / _EXIT), which fails at a progress line.
source "$(dirname "$0")/../e2e/lib.sh"
cd "$WORK"
jf 2 generate --kind lowrank --shape 96,80 --rank 4 --output W.h5 --quiet || fail "generate W.h5"
jf 2 generate --kind butterfly --shape 32,32 --output B.h5 --quiet || fail "generate B.h5"
$PYTHON - <<'PY'
import h5py, numpy as np
sx = np.zeros((96, 2), np.uint8); sx[:60, 0] = 1; sx[40:, 1] = 1
sy = np.zeros((80, 2), np.uint8); sy[:50, 0] = 1; sy[30:, 1] = 1
with h5py.File("S.h5", "w") as f:
    f["SX"], f["SY"] = sx, sy
PY
printf '[input]\npath = "%s/W.h5"\n[svd]\nrank = 4\n[joint]\nobjective = "rowsum"\ntargets = "%s/W.h5:/targets"\n' \
  "$WORK" "$WORK" >run.toml
printf '[sparse]\nkind = "fsmf"\nsupport_x = "%s/S.h5:/SX"\nsupport_y = "%s/S.h5:/SY"\n' "$WORK" "$WORK" >>run.toml

# inject NAME LABEL RANK EXIT NP ARGS...: the fault at the first progress line containing LABEL.
inject() {
  local name=$1 label=$2 rank=$3 want=$4
  shift 4
  local start=$SECONDS
  JOINTFACT_TEST_FAIL_AT=$label JOINTFACT_TEST_FAIL_RANK=$rank JOINTFACT_TEST_FAIL_EXIT=$want jf "$@"
  local code=$? seconds=$((SECONDS - start)) lines
  lines=$(grep -v '^\[warn\] Epoll ' "$WORK/err" | grep -c .)
  if [ "$code" -ne "$want" ]; then
    fail "$name: exit $code, expected $want: $(head -c 300 "$WORK/err")"
  elif [ "$lines" -ne 1 ] || ! grep -q "^jointfact: error: injected test fault at '$label" "$WORK/err"; then
    fail "$name: expected one error line naming the fault, got: $(head -c 400 "$WORK/err")"
  elif [ "$seconds" -ge 60 ]; then
    fail "$name: took $seconds s"
  elif ls ./*.partial >/dev/null 2>&1; then
    fail "$name: partial output left: $(ls ./*.partial)"
  else
    pass "$name (exit $code in ${seconds}s)"
  fi
  rm -f o.h5 o.json
}

inject "generate, rank 1 fails" "generating" 1 1 2 generate --kind lowrank --shape 96,80 --output o.h5
inject "svd, rank 1 fails (bad input)" "svd: reading" 1 2 2 svd --input W.h5 --output o.h5 --rank 4
inject "svd, rank 2 of 3 fails" "svd: randomized" 2 1 3 svd --input W.h5 --output o.h5 --rank 4
inject "joint, rank 0 fails" "joint: reading" 0 1 2 joint --input W.h5 --output o.h5 --rank 4 --objective rowsum \
  --targets W.h5:/targets
inject "fsmf, rank 1 fails" "fsmf: 96" 1 1 2 fsmf --input W.h5 --support-x S.h5:/SX --support-y S.h5:/SY --output o.h5
inject "butterfly, rank 1 fails" "butterfly: reading" 1 2 2 butterfly --input B.h5 --output o.h5
inject "run input stage, rank 1 fails" "input: " 1 2 2 run run.toml --output o.h5 --checkpoint-dir ck1
inject "run svd stage, rank 1 fails" "svd: start" 1 1 2 run run.toml --output o.h5 --checkpoint-dir ck2
inject "run joint stage, rank 1 fails" "joint: start" 1 1 2 run run.toml --output o.h5 --checkpoint-dir ck3
inject "run sparse stage, rank 0 fails" "sparse: start" 0 1 2 run run.toml --output o.h5 --checkpoint-dir ck4
[ -f ck4/svd.h5 ] && [ -f ck4/joint.h5 ] && pass "checkpoints of finished stages are kept" ||
  fail "checkpoints of the finished stages are gone: $(ls ck4)"
# The same fault on every rank at once is collective: reported once, no abort.
JOINTFACT_TEST_FAIL_AT="svd: reading" JOINTFACT_TEST_FAIL_RANK=0 jf 1 svd --input W.h5 --output o.h5 --rank 4
[ $? -eq 1 ] && [ "$(grep -c . "$WORK/err")" -eq 1 ] && pass "a fault on the only rank: one line, exit 1" ||
  fail "single-rank fault: $(cat "$WORK/err")"
finish
