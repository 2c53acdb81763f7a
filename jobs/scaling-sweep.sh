#!/usr/bin/env bash
# Strong and weak scaling sweep of `jointfact run` over node counts: one factorize.sbatch job per
# (mode, node count), by default one after another, then one report line per run.
#
#   jobs/scaling-sweep.sh CONFIG.toml [jointfact run options]
#   JF_SWEEP_NODES="1 2 4 8" JF_SWEEP_TASKS_PER_NODE=32 JF_SBATCH_ARGS="-t 1:00:00 --exclusive" \
#       jobs/scaling-sweep.sh big.toml
#   jobs/scaling-sweep.sh --report DIR      (re)write DIR/report.txt, e.g. after JF_SWEEP_WAIT=0
#
# strong: the same problem on every node count.
# weak:   the problem grows with the node count: the rows (JF_SWEEP_WEAK_DIM=rows, the default)
#         or the columns of the generated input ([input] shape in CONFIG, or JF_SWEEP_SHAPE=M,N)
#         are multiplied by nodes / (smallest node count), so the matrix per rank stays the same
#         size. A butterfly stage needs a square power-of-two matrix: sweep weak scaling with
#         --set 'sparse.kind="none"' (or fsmf).
# Report: DIR/report.txt (also printed), one line per run, whitespace-separated:
#   mode nodes ranks rows cols k state restarts wall_s input_s svd_s joint_s sparse_s efficiency job
# wall_s is the run's launch-to-exit time (the job script's "run took Ns" line; the last launch if
# the job was requeued), the stage seconds come from the run's JSON summary OUT.json.
# efficiency (from wall_s, against the smallest node count of the same mode):
# strong T1 N1 / (TN N), weak T1 / TN. "-" where a run did not complete.
#
# Environment:
#   JF_SWEEP_NODES           node counts (default "1 2 4")
#   JF_SWEEP_MODES           "strong weak" (default), "strong" or "weak"
#   JF_SWEEP_TASKS_PER_NODE  ranks per node (default: the job script's #SBATCH --ntasks-per-node)
#   JF_SWEEP_WEAK_DIM        rows (default) or cols
#   JF_SWEEP_SHAPE           M,N: base shape for weak scaling (default: [input] shape of CONFIG)
#   JF_SWEEP_DIR             outputs, job logs, jobs.txt, report.txt (default ./sweep-DATE-TIME; must be new)
#   JF_SWEEP_PARALLEL=1      submit the runs independently (default: each waits for the one before,
#                            afterany, so runs never share nodes, network or file system)
#   JF_SWEEP_WAIT=0          submit and exit (default 1: wait for the jobs, then report)
#   JF_SWEEP_TIMEOUT         seconds to wait for the whole sweep (default 86400); JF_SWEEP_POLL (5)
#   JF_SBATCH_ARGS           extra sbatch options for every job (word-split), e.g. -t, -p, --exclusive
#   JF_SBATCH_SCRIPT         job script (default: factorize.sbatch next to this script)
#   JF_PYTHON                Python 3 (3.11+ to read the shape from CONFIG; default python3)
# The jobs get the submitting environment (JF_BIN, JF_LAUNCHER, ... as for factorize.sbatch).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
py=${JF_PYTHON:-python3}
terminal='COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|BOOT_FAIL|DEADLINE|PREEMPTED|SPECIAL_EXIT|REQUEUE_HOLD'

die() { echo "$0: error: $*" >&2; exit 2; }
usage() { sed -n '2,/^set -e/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2; exit 2; }

# State of a job: scontrol while slurmctld remembers it (MinJobAge), then sacct, else UNKNOWN.
job_state() {
    local s
    s=$(scontrol show job -o "$1" 2>/dev/null | tr ' ' '\n' | sed -n 's/^JobState=//p' | head -n 1) || true
    if [[ -z $s ]] && command -v sacct >/dev/null; then
        s=$(sacct -n -X -P -j "$1" -o State 2>/dev/null | head -n 1 | awk '{ print $1 }') || true
    fi
    echo "${s:-UNKNOWN}"
}
job_restarts() {
    local r
    r=$(scontrol show job -o "$1" 2>/dev/null | tr ' ' '\n' | sed -n 's/^Restarts=//p' | head -n 1) || true
    echo "${r:--}"
}

# wait_all DIR: until every job of the sweep has ended (a requeued job has not), bounded.
wait_all() {
    local dir=$1 deadline=$((SECONDS + ${JF_SWEEP_TIMEOUT:-86400})) left job s
    declare -A unknown=()
    while :; do
        left=0
        while read -r _ _ _ _ job _; do
            s=$(job_state "$job")
            if [[ $s == UNKNOWN ]]; then # twice in a row: the record is gone, the job ended long ago
                unknown[$job]=$((${unknown[$job]:-0} + 1))
                ((unknown[$job] >= 2)) && continue
            elif [[ $s =~ ^($terminal)$ ]]; then
                continue
            fi
            left=$((left + 1))
        done <"$dir/jobs.txt"
        ((left == 0)) && return 0
        if ((SECONDS >= deadline)); then
            echo "$0: $left jobs still running after ${JF_SWEEP_TIMEOUT:-86400}s; report of what has ended" >&2
            return 1
        fi
        sleep "${JF_SWEEP_POLL:-5}"
    done
}

# report DIR: DIR/report.txt from jobs.txt, the job states, the logs and the OUT.json summaries.
report() {
    local dir=$1 job log s wall
    [[ -r $dir/jobs.txt ]] || die "no sweep in '$dir' (jobs.txt missing)"
    : >"$dir/status.txt"
    while read -r _ _ _ _ job _ log; do
        s=$(job_state "$job")
        wall=$(sed -n 's/.*run took \([0-9.]*\)s.*/\1/p' "$log" 2>/dev/null | tail -n 1)
        echo "$job $s $(job_restarts "$job") ${wall:--}" >>"$dir/status.txt"
    done <"$dir/jobs.txt"
    "$py" - "$dir" <<'PY' | tee "$dir/report.txt"
import json, os, sys
d = sys.argv[1]
status = {}
for line in open(os.path.join(d, "status.txt")):
    job, state, restarts, wall = line.split()
    status[job] = (state, restarts, wall)
runs = []
for line in open(os.path.join(d, "jobs.txt")):
    mode, nodes, rows, cols, job, out, log = line.split()
    state, restarts, wall = status[job]
    row = dict(mode=mode, nodes=int(nodes), ranks="-", rows=rows, cols=cols, k="-", state=state,
               restarts=restarts, wall_s=wall, job=job)
    for stage in ("input", "svd", "joint", "sparse"):
        row[stage + "_s"] = "-"
    summary = os.path.splitext(out)[0] + ".json"
    if state == "COMPLETED" and os.path.exists(summary):
        with open(summary) as f:
            s = json.load(f)
        row.update(ranks=s.get("ranks", "-"), rows=s["input"]["rows"], cols=s["input"]["cols"],
                   k=s.get("svd", {}).get("k", "-"))
        for stage, sec in s.get("seconds", {}).items():
            row[stage + "_s"] = f"{sec:.3f}"
    else:
        row["wall_s"] = "-"
    runs.append(row)
base = {}
for r in runs:
    if r["wall_s"] != "-" and (r["mode"] not in base or r["nodes"] < base[r["mode"]]["nodes"]):
        base[r["mode"]] = r
cols_out = ["mode", "nodes", "ranks", "rows", "cols", "k", "state", "restarts", "wall_s", "input_s",
            "svd_s", "joint_s", "sparse_s", "efficiency", "job"]
print(" ".join(cols_out))
for r in runs:
    b, eff = base.get(r["mode"]), "-"
    if b and r["wall_s"] != "-" and float(r["wall_s"]) > 0:
        t1, tn = float(b["wall_s"]), float(r["wall_s"])
        eff = t1 * b["nodes"] / (tn * r["nodes"]) if r["mode"] == "strong" else t1 / tn
        eff = f"{eff:.2f}"
    r["efficiency"] = eff
    print(" ".join(str(r[c]) for c in cols_out))
PY
}

[[ $# -ge 1 && $1 != -h && $1 != --help ]] || usage
if [[ $1 == --report ]]; then
    [[ $# -eq 2 ]] || usage
    report "$2"
    exit 0
fi
command -v sbatch >/dev/null || die "sbatch not found"
script=${JF_SBATCH_SCRIPT:-$here/factorize.sbatch}
[[ -r $script ]] || die "job script '$script' not found"
[[ -r $1 ]] || die "config '$1' not found"
config=$(cd "$(dirname "$1")" && pwd)/$(basename "$1") # jobs may start in another directory
shift

read -ra node_counts <<<"${JF_SWEEP_NODES:-1 2 4}"
read -ra modes <<<"${JF_SWEEP_MODES:-strong weak}"
((${#node_counts[@]})) || die "JF_SWEEP_NODES is empty"
min_nodes=
for n in "${node_counts[@]}"; do
    [[ $n =~ ^[1-9][0-9]*$ ]] || die "JF_SWEEP_NODES: '$n' is not a positive integer"
    [[ -z $min_nodes || $n -lt $min_nodes ]] && min_nodes=$n
done
for m in "${modes[@]}"; do [[ $m == strong || $m == weak ]] || die "JF_SWEEP_MODES: '$m' is neither strong nor weak"; done
tpn=${JF_SWEEP_TASKS_PER_NODE:-}
[[ -z $tpn || $tpn =~ ^[1-9][0-9]*$ ]] || die "JF_SWEEP_TASKS_PER_NODE must be a positive integer"
dim=${JF_SWEEP_WEAK_DIM:-rows}
[[ $dim == rows || $dim == cols ]] || die "JF_SWEEP_WEAK_DIM must be rows or cols"

base_rows=- base_cols=-
if [[ " ${modes[*]} " == *" weak "* ]]; then
    if [[ -n ${JF_SWEEP_SHAPE:-} ]]; then
        [[ $JF_SWEEP_SHAPE =~ ^([1-9][0-9]*),([1-9][0-9]*)$ ]] || die "JF_SWEEP_SHAPE must be M,N"
        base_rows=${BASH_REMATCH[1]} base_cols=${BASH_REMATCH[2]}
    else
        read -r base_rows base_cols < <("$py" -c '
import sys, tomllib
shape = tomllib.load(open(sys.argv[1], "rb"))["input"]["shape"]
print(int(shape[0]), int(shape[1]))' "$config" 2>/dev/null) ||
            die "weak scaling grows a generated input: CONFIG needs [input] shape = [M, N] (or set JF_SWEEP_SHAPE=M,N; reading TOML needs Python 3.11+)"
    fi
fi

dir=${JF_SWEEP_DIR:-$PWD/sweep-$(date +%Y%m%d-%H%M%S)}
[[ -e $dir/jobs.txt ]] && die "'$dir' already holds a sweep; choose a new JF_SWEEP_DIR (its outputs would be resumed, not rerun)"
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

prev=
for mode in "${modes[@]}"; do
    for n in "${node_counts[@]}"; do
        name=$mode-N$n
        shape=() rows=- cols=-
        if [[ $mode == weak ]]; then
            rows=$base_rows cols=$base_cols
            if [[ $dim == rows ]]; then rows=$((base_rows * n / min_nodes)); else cols=$((base_cols * n / min_nodes)); fi
            shape=(--set "input.shape=[$rows, $cols]")
        fi
        deps=()
        [[ -n $prev && -z ${JF_SWEEP_PARALLEL:-} ]] && deps=(--dependency="afterany:$prev")
        # shellcheck disable=SC2086 # JF_SBATCH_ARGS is word-split on purpose
        out=$(sbatch --parsable --job-name="jf-sweep-$name" -N "$n" ${tpn:+--ntasks-per-node=$tpn} \
            -o "$dir/$name.out" ${deps[@]+"${deps[@]}"} ${JF_SBATCH_ARGS:-} \
            "$script" "$config" "$@" ${shape[@]+"${shape[@]}"} --output "$dir/$name.h5") ||
            die "submitting $name failed${prev:+ (jobs already submitted are listed in $dir/jobs.txt)}"
        prev=${out%%;*}
        echo "$mode $n $rows $cols $prev $dir/$name.h5 $dir/$name.out" >>"$dir/jobs.txt"
        echo "submitted $name: job $prev" >&2
    done
done

if [[ ${JF_SWEEP_WAIT:-1} == 0 ]]; then
    echo "sweep in $dir; when the jobs have ended: $0 --report $dir" >&2
    exit 0
fi
rc=0
wait_all "$dir" || rc=1
report "$dir"
# Non-zero if any run did not complete (the report shows which).
awk '$2 != "COMPLETED" { bad = 1 } END { exit bad }' "$dir/status.txt" || rc=1
exit "$rc"
