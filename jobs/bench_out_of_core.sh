#!/bin/bash
# Out-of-core SVD benchmark: time per pass over the file against one sequential read of the same file by
# one process (measured in the same run, same memory cgroup), and peak RSS per rank against the panel budget.
#
#   bash jobs/bench_out_of_core.sh FILE.h5[:/DSET] NP PANEL_MB K [extra jointfact svd options]
#
# With CGROUP_BYTES=N (root, cgroup v1 memory controller) the whole benchmark runs in a new memory cgroup
# /sys/fs/cgroup/memory/jointfact-ooc-$$ limited to N bytes (removed at the end). Page cache is charged to
# a v1 cgroup only for pages first read inside it, so a file already cached by another cgroup reads faster.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
input=$1 np=$2 panel_mb=$3 rank=$4
shift 4
source "$here/env.sh"
jointfact=${JOINTFACT:-$here/../build/jointfact}
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

seq_line=$(/usr/bin/python3 "$here/bench_out_of_core.py" seqread "$file" --dataset "$dataset")
echo "$seq_line"
seq_s=$(echo "$seq_line" | sed -E 's/.* in ([0-9.]+) s.*/\1/')

mpirun --oversubscribe -np "$np" /usr/bin/time -f "rank peak RSS %M KiB" "$jointfact" svd --input "$input" \
  --output "$work/out.h5" --rank "$rank" --out-of-core --panel-mb "$panel_mb" "$@" > "$work/log" 2>&1 || {
  cat "$work/log"; exit 1; }
grep -E "pass [0-9]+ of [0-9]+:|singular values|out of core" "$work/log"
if [[ -n $cgroup ]]; then
  echo "cgroup peak usage (RSS + charged page cache): $(cat "$cgroup/memory.max_usage_in_bytes") bytes"
fi

seq_line2=$(/usr/bin/python3 "$here/bench_out_of_core.py" seqread "$file" --dataset "$dataset")
echo "after the run, $seq_line2"
seq_s2=$(echo "$seq_line2" | sed -E 's/.* in ([0-9.]+) s.*/\1/')

/usr/bin/python3 - "$work/log" "$seq_s" "$seq_s2" "$panel_mb" <<'PY'
import re, sys
log = open(sys.argv[1]).read()
seq = min(float(sys.argv[2]), float(sys.argv[3]))
passes = [float(x) for x in re.findall(r"pass \d+ of \d+: .* in ([0-9.]+) s,", log)]
rss = [int(x) for x in re.findall(r"rank peak RSS (\d+) KiB", log)]
print(f"passes: {len(passes)}; seconds per pass: " + " ".join(f"{p:.2f}" for p in passes))
mean = sum(passes) / len(passes)
print(f"time per pass / sequential read (faster of the two reads): mean {mean / seq:.2f}, max {max(passes) / seq:.2f}")
print("peak RSS per rank (MiB): " + " ".join(f"{r / 1024:.0f}" for r in rss) + f"; panel budget {sys.argv[4]} MiB")
PY
