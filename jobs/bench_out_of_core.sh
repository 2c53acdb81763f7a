#!/bin/bash
# Out-of-core SVD benchmark: time per pass over the file against one sequential read of the same file by
# one process, measured in the same run, alternating (read, run) pairs so that a loaded machine disturbs
# both alike; peak RSS per rank against the panel budget; and the one-pass mode's error against the bound
# of Tropp, Yurtsever, Udell and Cevher on a matrix with a decaying spectrum.
#
#   bash jobs/bench_out_of_core.sh FILE.h5[:/DSET] NP PANEL_MB K [extra jointfact svd options]
#
# PAIRS=N (default 2): (sequential read, out-of-core run) pairs.
# CACHE=warm (default): the file is read once before the pairs, so every read and pass finds it in the page
#   cache (the file must fit in free memory); CACHE=cold: `echo 3 > /proc/sys/vm/drop_caches` (root) before
#   every read and every run, so both read from the device.
# CGROUP_BYTES=N (root, cgroup v1 memory controller): everything runs in a new memory cgroup
#   /sys/fs/cgroup/memory/jointfact-ooc-$$ limited to N bytes (removed at the end).
# BOUND_SHAPE="M N" (default "6000 800"; "" skips): the one-pass bound check's matrix (held in memory by
#   python for its exact SVD).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
input=$1 np=$2 panel_mb=$3 rank=$4
shift 4
source "$here/env.sh"
jointfact=${JOINTFACT:-$here/../build/jointfact}
pairs=${PAIRS:-2} cache=${CACHE:-warm}
work=$(mktemp -d /tmp/jointfact-bench-ooc-XXXXXX)
cgroup=""
cleanup() {
  rm -rf "$work"
  if [[ -n $cgroup ]]; then
    echo $$ > /sys/fs/cgroup/memory/cgroup.procs 2>/dev/null || true
    rmdir "$cgroup" 2>/dev/null || true
  fi
}
trap cleanup EXIT
if [[ -n ${CGROUP_BYTES:-} ]]; then
  cgroup=/sys/fs/cgroup/memory/jointfact-ooc-$$
  mkdir "$cgroup"
  echo "$CGROUP_BYTES" > "$cgroup/memory.limit_in_bytes"
  echo $$ > "$cgroup/cgroup.procs"
  echo "memory cgroup $cgroup: limit $(cat "$cgroup/memory.limit_in_bytes") bytes"
fi
file=${input%%:*}
dataset=/A
[[ $input == *:* ]] && dataset=${input#*:}
describe="import h5py; d = h5py.File('$file')['$dataset']; print(d.shape, d.dtype, 'chunks', d.chunks, d.compression)"
echo "file: $(du -h "$file" | cut -f1) $(/usr/bin/python3 -c "$describe")"
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"

prepare_cache() {
  if [[ $cache == cold ]]; then
    sync
    echo 3 > /proc/sys/vm/drop_caches
  fi
}
if [[ $cache == warm ]]; then
  echo "page cache: warm (the file was read once before the pairs; every read and pass below finds it cached)"
  /usr/bin/python3 "$here/bench_out_of_core.py" seqread "$file" --dataset "$dataset" >/dev/null
else
  echo "page cache: cold (caches dropped before every read and every run)"
fi

for pair in $(seq 1 "$pairs"); do
  prepare_cache
  seq_line=$(/usr/bin/python3 "$here/bench_out_of_core.py" seqread "$file" --dataset "$dataset")
  echo "pair $pair: reference $seq_line"
  seq_s=$(echo "$seq_line" | sed -E 's/.* in ([0-9.]+) s.*/\1/')
  prepare_cache
  mpirun --oversubscribe -np "$np" /usr/bin/time -f "rank peak RSS %M KiB" "$jointfact" svd --input "$input" \
    --output "$work/out.h5" --rank "$rank" --out-of-core --panel-mb "$panel_mb" "$@" > "$work/log" 2>&1 || {
    cat "$work/log"; exit 1; }
  rm -f "$work/out.h5"
  [[ $pair == 1 ]] && grep -E "singular values|residual:|out of core," "$work/log"
  /usr/bin/python3 - "$work/log" "$seq_s" "$panel_mb" "$pair" <<'PY'
import re, sys
log, seq, pair = open(sys.argv[1]).read(), float(sys.argv[2]), sys.argv[4]
passes = [float(x) for x in re.findall(r"pass \d+ of \d+: .* in ([0-9.]+) s,", log)]
rss = [int(x) for x in re.findall(r"rank peak RSS (\d+) KiB", log)]
mean = sum(passes) / len(passes)
print(f"pair {pair}: {len(passes)} passes, seconds per pass: " + " ".join(f"{p:.2f}" for p in passes))
print(f"pair {pair}: time per pass / this pair's sequential read ({seq:.2f} s): mean {mean / seq:.2f}, "
      f"max {max(passes) / seq:.2f}   (acceptance: <= 1.3)")
print(f"pair {pair}: peak RSS per rank (MiB): " + " ".join(f"{r / 1024:.0f}" for r in rss) +
      f"; panel budget {sys.argv[3]} MiB")
PY
done
if [[ -n $cgroup ]]; then
  echo "cgroup peak usage (RSS + charged page cache): $(cat "$cgroup/memory.max_usage_in_bytes") bytes"
fi

bound_shape=${BOUND_SHAPE-6000 800}
if [[ -n $bound_shape ]]; then
  echo "one-pass bound check: $bound_shape matrix, s_i = 0.8^i on 40 directions + noise 1e-4, k = $rank"
  # shellcheck disable=SC2086
  /usr/bin/python3 "$here/bench_out_of_core.py" generate --output "$work/decay.h5" --shape $bound_shape --rank 40 \
    >/dev/null
  mpirun --oversubscribe -np "$np" "$jointfact" svd --input "$work/decay.h5:/A" --output "$work/one.h5" \
    --rank "$rank" --out-of-core --panel-mb "$panel_mb" "$@" --passes 1 > "$work/log1" 2>&1 || {
    cat "$work/log1"; exit 1; }
  /usr/bin/python3 "$here/bench_out_of_core.py" onepass-bound "$work/decay.h5" "$work/one.h5"
  range=$(/usr/bin/python3 -c "import h5py; print(h5py.File('$work/one.h5')['/svd'].attrs['sketch_range'])")
  echo "the bound is on an expectation; the mean over independent sketches of the same sizes (numpy):"
  /usr/bin/python3 "$here/bench_out_of_core.py" bound-montecarlo --rank "$rank" --oversample $((range - rank)) \
    --trials 100
fi
