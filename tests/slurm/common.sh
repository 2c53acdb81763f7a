# Shell helpers for the Slurm job tests; source it:  . tests/slurm/common.sh
# shellcheck shell=bash
# Every wait is bounded; on a timeout or an unexpected end the job's record and log
# are printed to stderr. Needs bash.

JF_SLURM_DIR=${JF_SLURM_DIR:-/tmp/jf-slurm}
JF_SLURM_TERMINAL='COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|BOOT_FAIL|DEADLINE|PREEMPTED|SPECIAL_EXIT|REQUEUE_HOLD'

# Client environment for the cluster of tests/slurm/slurm-cluster.sh (call after start).
jf_slurm_env() {
    export SLURM_CONF=$JF_SLURM_DIR/etc/slurm.conf
    # Simulated nodes share one host: keep Open MPI off shared memory between ranks
    # (vader segments of different simulated nodes collide).
    export OMPI_MCA_btl=${OMPI_MCA_btl:-self,tcp}
    export OPENBLAS_NUM_THREADS=1
    if [[ $(id -u) -eq 0 ]]; then
        export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
    fi
    # A missing slurm.conf makes every client retry for 60 s: fail at once instead.
    [[ -r $SLURM_CONF ]] || { echo "jf_slurm_env: no $SLURM_CONF (cluster not started?)" >&2; return 1; }
}

# sbatch ARGS... -> prints the job id
jf_sbatch() {
    local out
    out=$(timeout 30 sbatch --parsable "$@") || { echo "jf_sbatch: sbatch $* failed" >&2; return 1; }
    echo "${out%%;*}"
}

# jf_job_field JOB FIELD -> value of FIELD in `scontrol show job` (empty if unknown)
jf_job_field() {
    timeout 10 scontrol show job -o "$1" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1
}
jf_job_state() { jf_job_field "$1" JobState; }
jf_job_reason() { jf_job_field "$1" Reason; }
jf_job_restarts() { jf_job_field "$1" Restarts; }
jf_job_log() { jf_job_field "$1" StdOut; }
# Exit status of the batch script (the N in ExitCode=N:SIGNAL).
jf_job_exit_code() { local e; e=$(jf_job_field "$1" ExitCode); echo "${e%%:*}"; }

# Record and last lines of the log of JOB, to stderr.
jf_show_job() {
    local job=$1 log
    {
        echo "----- job $job -----"
        timeout 10 scontrol show job "$job" 2>&1
        log=$(jf_job_log "$job")
        if [[ -n $log && -r $log ]]; then
            echo "----- $log (last 40 lines) -----"
            tail -n 40 "$log"
        fi
    } >&2
}

# jf_wait_state JOB REGEX [TIMEOUT=60]: wait until JobState matches REGEX (whole word).
jf_wait_state() {
    local job=$1 re=$2 deadline=$((SECONDS + ${3:-60})) s
    while ((SECONDS < deadline)); do
        s=$(jf_job_state "$job")
        [[ $s =~ ^($re)$ ]] && return 0
        sleep 0.5
    done
    echo "jf_wait_state: job $job not in state '$re' after ${3:-60}s (state '$s')" >&2
    jf_show_job "$job"
    return 1
}

# jf_wait_job JOB [TIMEOUT=120]: wait until JOB has ended; prints its final state.
# Returns 0 if it COMPLETED, 1 if it ended otherwise or can never start (failed
# dependency), 2 on timeout (the job is then cancelled). Requeues are not an end.
jf_wait_job() {
    local job=$1 timeout=${2:-120} deadline s
    deadline=$((SECONDS + timeout))
    while ((SECONDS < deadline)); do
        s=$(jf_job_state "$job")
        if [[ -z $s ]]; then
            echo "jf_wait_job: job $job unknown to slurmctld" >&2
            return 1
        fi
        if [[ $s =~ ^($JF_SLURM_TERMINAL)$ ]]; then
            echo "$s"
            [[ $s == COMPLETED ]] && return 0
            jf_show_job "$job"
            return 1
        fi
        if [[ $s == PENDING && $(jf_job_reason "$job") == DependencyNeverSatisfied ]]; then
            echo "PENDING"
            echo "jf_wait_job: job $job can never start (dependency never satisfied)" >&2
            jf_show_job "$job"
            return 1
        fi
        sleep 0.5
    done
    echo "TIMEOUT"
    echo "jf_wait_job: job $job still '$s' after ${timeout}s; cancelling it" >&2
    jf_show_job "$job"
    timeout 10 scancel "$job" 2>/dev/null
    return 2
}

# jf_wait_lines FILE REGEX COUNT [TIMEOUT=60]: wait until FILE has COUNT lines matching REGEX.
jf_wait_lines() {
    local f=$1 re=$2 n=$3 deadline=$((SECONDS + ${4:-60})) c=0
    while ((SECONDS < deadline)); do
        c=$(grep -c -E -- "$re" "$f" 2>/dev/null) || true
        ((${c:-0} >= n)) && return 0
        sleep 0.2
    done
    echo "jf_wait_lines: $f has ${c:-0} of $n lines matching '$re' after ${4:-60}s" >&2
    return 1
}

# Tiny test runner: jf_test NAME COMMAND... runs COMMAND, counts and reports the result;
# jf_summary prints "N passed, M failed" and returns non-zero if anything failed.
JF_PASSED=0
JF_FAILED=0
jf_test() {
    local name=$1 t0=$SECONDS
    shift
    echo "=== $name"
    if "$@"; then
        JF_PASSED=$((JF_PASSED + 1))
        echo "PASS: $name ($((SECONDS - t0))s)"
    else
        JF_FAILED=$((JF_FAILED + 1))
        echo "FAIL: $name ($((SECONDS - t0))s)"
    fi
}
jf_summary() {
    echo "$JF_PASSED passed, $JF_FAILED failed"
    ((JF_FAILED == 0 && JF_PASSED > 0))
}

# jf_expect DESCRIPTION COMMAND...: COMMAND must succeed, else print DESCRIPTION and fail.
jf_expect() {
    local what=$1
    shift
    "$@" && return 0
    echo "  expected: $what" >&2
    return 1
}

# jf_require TOOL...: skip (exit 77) unless root with every TOOL installed; the tests start
# munged, slurmctld and slurmd.
jf_require() {
    if [[ $(id -u) -ne 0 ]]; then
        echo "SKIP: Slurm tests need root (they start munged, slurmctld and slurmd)"
        exit 77
    fi
    local t
    for t in "$@"; do
        command -v "$t" >/dev/null || { echo "SKIP: '$t' not installed"; exit 77; }
    done
}

# jf_lock_cluster: serialise with other Slurm tests using the same cluster directory and define
# `cluster` (the daemons must not inherit the lock's descriptor, hence 9>&- on every call).
jf_lock_cluster() {
    exec 9>"$JF_SLURM_DIR.lock"
    flock -w 100 9 || { echo "FAIL: another test holds $JF_SLURM_DIR.lock"; exit 1; }
    cluster() { "$cluster" "$@" 9>&-; }
}
