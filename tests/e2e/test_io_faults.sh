#!/usr/bin/env bash
# I/O faults: a full disk while writing the output (a small tmpfs; skipped with a message where mounting
# is not allowed) ends every command with one error line naming the file, exit 1, no partial file and
# the checkpoints of finished stages kept; stop signals to a command without checkpoints end it at once
# with no partial output.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
FULL="$WORK/full"
mkdir "$FULL"
jf 2 generate --kind lowrank --shape 400,300 --rank 5 --output W.h5 --quiet || fail "generate W.h5"
jf 2 generate --kind butterfly --shape 256,256 --output B.h5 --quiet || fail "generate B.h5"
before=$(checksum W.h5)

# expect_io_error NAME NP ARGS...: exit 1, one line naming the output and the lack of space, no partial.
# (The distributed-matrix write says "disk full?"; the others measure the free space and say so.)
expect_io_error() {
  local name=$1
  shift
  local start=$SECONDS
  jf "$@"
  local code=$?
  if [ "$code" -ne 1 ]; then
    fail "$name: exit $code, expected 1: $(head -c 300 "$WORK/err")"
  elif [ "$(grep -v '^\[warn\] Epoll ' "$WORK/err" | grep -c .)" -ne 1 ] ||
       ! grep -Eq "^jointfact: error: .*$FULL/o.h5.*(no space left|disk full)" "$WORK/err"; then
    fail "$name: expected one line naming the file and the cause: $(cat "$WORK/err")"
  elif ls "$FULL"/*.partial >/dev/null 2>&1; then
    fail "$name: partial output left"
  else
    pass "$name ($((SECONDS - start)) s)"
  fi
}

if mount -t tmpfs -o size=600k tmpfs "$FULL" 2>/dev/null; then
  trap 'umount "$FULL"; rm -rf "$WORK"' EXIT
  expect_io_error "disk full: svd" 2 svd --input W.h5 --output "$FULL/o.h5" --rank 250
  expect_io_error "disk full: exact svd" 2 svd --input W.h5 --output "$FULL/o.h5" --rank 250 --method exact
  expect_io_error "disk full: generate" 2 generate --kind lowrank --shape 400,300 --output "$FULL/o.h5"
  printf '[input]\npath = "%s/W.h5"\n[svd]\nrank = 250\n' "$WORK" >full.toml
  expect_io_error "disk full: run" 2 run full.toml --output "$FULL/o.h5" --checkpoint-dir "$WORK/ck"
  [ -f "$WORK/ck/svd.h5" ] && pass "the finished stage's checkpoint is kept" || fail "checkpoint lost"
  # Small outputs: fill the disk up to a few KiB, so that the CSR arrays written from rank 0 hit the limit.
  for kib in 540 580; do
    dd if=/dev/zero of="$FULL/filler" bs=1k count=$kib status=none
    expect_io_error "disk full: butterfly ($kib KiB filled)" 2 butterfly --input B.h5 --output "$FULL/o.h5"
    rm -f "$FULL/filler"
  done
else
  echo "skip - mounting a tmpfs is not allowed here (needs root or CAP_SYS_ADMIN): disk-full cases not run"
fi

# Stop signals to a command without checkpoints: it ends at once, nothing written.
# Large enough that pdgesvd runs for many seconds after its first line, whatever the machine's load.
jf 2 generate --kind lowrank --shape 2400,2000 --rank 20 --output S.h5 --quiet || fail "generate S.h5"
for sig in USR1 INT TERM; do
  start=$SECONDS
  "$MPIEXEC" -q --oversubscribe -np 2 "$JOINTFACT_BIN" svd --input S.h5 --output o.h5 --method pdgesvd --rank 1500 \
    >"$WORK/out" 2>"$WORK/err" &
  pid=$!
  for _ in $(seq 1 600); do   # until the factorization has started (its line comes after the read)
    grep -q "svd: pdgesvd" "$WORK/out" && break
    sleep 0.05
  done
  sleep 0.5
  kill -"$sig" $(pgrep -P $pid)   # to the ranks, as Slurm delivers it
  wait $pid
  code=$?
  want=$((128 + $(kill -l $sig)))
  if [ "$code" -ne "$want" ]; then
    fail "svd stopped by SIG$sig: exit $code, expected $want: $(cat "$WORK/err")"
  elif [ -e o.h5 ] || [ -e o.h5.partial ] || [ $((SECONDS - start)) -ge 30 ]; then
    fail "svd stopped by SIG$sig: output left or too slow ($((SECONDS - start)) s)"
  elif [ "$sig" != TERM ] && ! grep -q "stopped by SIG$sig" "$WORK/err"; then
    fail "svd stopped by SIG$sig: no line says so: $(cat "$WORK/err")"
  else
    pass "svd stopped by SIG$sig: exit $code in $((SECONDS - start)) s, nothing written"
  fi
done
[ "$(checksum W.h5)" = "$before" ] && pass "the input is unchanged" || fail "the input changed"
finish
