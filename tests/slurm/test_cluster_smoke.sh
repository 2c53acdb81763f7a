#!/usr/bin/env bash
# Smoke test of the local multi-node Slurm (tests/slurm/slurm-cluster.sh) and of the
# job plumbing in jobs/: real sbatch/srun/mpirun jobs on 2 simulated nodes.
# The factorize.sbatch/submit-chain.sh checks here run tests/slurm/fixtures/fake-resumable-app.sh
# in place of jointfact: they test what the real run cannot show cheaply (the signal reaching
# each rank under srun, exit codes of failures and of a missing binary, a requeued stage
# holding its chain). test_jointfact_on_slurm.sh runs the real `jointfact run` (mpirun launcher).
# Exit 0 pass, 1 fail, 77 skip (not root, or Slurm/MPI missing). Bounded: < 3 minutes.
#
# Uses its own cluster (JF_SLURM_DIR=/tmp/jf-slurm-smoke, ports from 16917) so a
# developer's cluster on the defaults is left alone; it is always stopped on exit.
set -uo pipefail

# Hard bound on the whole test, whatever hangs: SIGTERM runs the EXIT trap (cluster stop).
if [[ -z ${JF_SMOKE_BOUNDED:-} ]]; then
    JF_SMOKE_BOUNDED=1 exec timeout -k 30 170 bash "${BASH_SOURCE[0]}" "$@"
fi

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
export JF_SLURM_DIR=${JF_SLURM_DIR:-/tmp/jf-slurm-smoke}
export JF_SLURM_PORT=${JF_SLURM_PORT:-16917}
cluster=$here/slurm-cluster.sh
fixture=$here/fixtures/fake-resumable-app.sh
. "$here/common.sh"

jf_require sbatch srun scontrol slurmctld slurmd munged mpicc mpirun

jf_lock_cluster

work=$(mktemp -d /tmp/jf-slurm-smoke-work.XXXXXX)
cleanup() {
    cluster stop >/dev/null 2>&1 || cluster stop
    rm -rf "$work"
}
trap cleanup EXIT
trap 'echo "FAIL: interrupted (time limit?)"; exit 1' INT TERM HUP

t_start() {
    local rc=0
    cluster start 2 || rc=$?
    # 77: slurmd cannot run on this host (the reason is on stderr): the whole test is a skip.
    ((rc == 77)) && { echo "SKIP: the local Slurm cluster cannot start here (see the reason above)"; exit 77; }
    ((rc == 0)) || return 1
    jf_slurm_env || return 1
    local idle
    idle=$(sinfo -h -N -o '%N %T' | awk '$2 == "idle"' | sort -u | wc -l)
    jf_expect "2 idle nodes, got $idle" test "$idle" -eq 2
}

t_srun_two_nodes() {
    local job out
    job=$(jf_sbatch -N 2 --ntasks-per-node=1 -o "$work/srun-%j.out" \
        --wrap 'srun bash -c "echo task \$SLURM_PROCID host \$(hostname) node \$SLURMD_NODENAME"') || return 1
    jf_wait_job "$job" 60 >/dev/null || return 1
    out=$(cat "$work/srun-$job.out")
    echo "$out" | sed 's/^/  /'
    jf_expect "a task on node1" grep -q 'node node1$' <<<"$out" &&
        jf_expect "a task on node2" grep -q 'node node2$' <<<"$out"
}

t_compile_hello() {
    cat >"$work/hello.c" <<'EOF'
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) {
    int rank, size, one = 1, sum = 0;
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Allreduce(&one, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    const char *node = getenv("SLURMD_NODENAME");
    printf("hello rank %d of %d on %s sum %d\n", rank, size, node ? node : "?", sum);
    MPI_Finalize();
    return 0;
}
EOF
    mpicc -o "$work/hello" "$work/hello.c"
}

# Both ranks report, on different simulated nodes, and the allreduce crossed nodes.
check_hello() {
    local out=$1
    echo "$out" | grep hello | sed 's/^/  /'
    jf_expect "rank 0 on node1" grep -q 'hello rank 0 of 2 on node1 sum 2' <<<"$out" &&
        jf_expect "rank 1 on node2" grep -q 'hello rank 1 of 2 on node2 sum 2' <<<"$out"
}

# hello_on_two_nodes NAME LAUNCHER...: the hello program on a 2-node allocation, one rank a node.
hello_on_two_nodes() {
    local name=$1 job
    shift
    job=$(jf_sbatch -N 2 --ntasks-per-node=1 -o "$work/$name-%j.out" \
        --wrap "timeout 60 $* $work/hello") || return 1
    jf_wait_job "$job" 90 >/dev/null || return 1
    check_hello "$(cat "$work/$name-$job.out")"
}

# USR1 to the batch shell -> forwarded through mpirun to both ranks -> exit 75 ->
# scontrol requeue -> the job runs again (Restarts=1), resumes, completes.
t_usr1_requeue() {
    local launcher=$1 st=$work/requeue-$1 job state ev
    mkdir -p "$st"
    job=$(JF_LAUNCHER=$launcher JF_BIN=$fixture FAKE_APP_STATE=$st FAKE_APP_SECONDS=90 \
        jf_sbatch -N 2 --ntasks-per-node=1 -o "$st/job.out" "$repo/jobs/factorize.sbatch" cfg.toml --set a.b=1) || return 1
    jf_wait_lines "$st/events" '^started ' 2 60 || { jf_show_job "$job"; return 1; }
    timeout 10 scancel --batch --signal=USR1 "$job" || return 1
    state=$(jf_wait_job "$job" 90) || return 1
    ev=$(cat "$st/events")
    echo "$ev" | sed 's/^/  /'
    jf_expect "COMPLETED, got $state" test "$state" = COMPLETED &&
        jf_expect "Restarts >= 1" test "$(jf_job_restarts "$job")" -ge 1 &&
        jf_expect "USR1 reached rank 0 on node1" grep -q '^signal-USR1 rank=0 node=node1 .*restart=0' <<<"$ev" &&
        jf_expect "USR1 reached rank 1 on node2" grep -q '^signal-USR1 rank=1 node=node2 .*restart=0' <<<"$ev" &&
        jf_expect "2 checkpoints" test "$(grep -c '^checkpointed ' <<<"$ev")" -eq 2 &&
        jf_expect "2 ranks resumed in restart 1" test "$(grep -c '^resumed .*restart=1 ' <<<"$ev")" -eq 2 &&
        jf_expect "2 ranks done after resume" test "$(grep -c '^done .*restart=1 ' <<<"$ev")" -eq 2 &&
        jf_expect "the run options reach the run" grep -q 'args=run cfg.toml --set a.b=1$' <<<"$ev" &&
        jf_expect "requeue in the log" grep -q 'requeueing to resume' "$st/job.out" &&
        jf_expect "launched with $launcher" grep -q "]: $launcher .*fake-resumable-app.sh run" "$st/job.out"
}

# A failing run fails the job with its exit code (no requeue); a missing binary exits 2.
t_failure_propagates() {
    local st=$work/fail j1 j2
    mkdir -p "$st"
    j1=$(JF_BIN=$fixture FAKE_APP_STATE=$st FAKE_APP_SECONDS=1 FAKE_APP_EXIT=3 \
        jf_sbatch -N 2 --ntasks-per-node=1 -o "$st/j1.out" "$repo/jobs/factorize.sbatch" cfg.toml) || return 1
    j2=$(JF_BIN=/nonexistent/jointfact \
        jf_sbatch -N 1 --ntasks-per-node=1 -o "$st/j2.out" "$repo/jobs/factorize.sbatch" cfg.toml) || return 1
    jf_wait_job "$j1" 60 >/dev/null 2>&1
    jf_wait_job "$j2" 60 >/dev/null 2>&1
    echo "  run exit 3 -> $(jf_job_state "$j1") $(jf_job_field "$j1" ExitCode) restarts $(jf_job_restarts "$j1");" \
        "no binary -> $(jf_job_state "$j2") $(jf_job_field "$j2" ExitCode)"
    jf_expect "exit 3 -> FAILED" test "$(jf_job_state "$j1")" = FAILED &&
        jf_expect "exit code 3" test "$(jf_job_exit_code "$j1")" = 3 &&
        jf_expect "no requeue" test "$(jf_job_restarts "$j1")" = 0 &&
        jf_expect "missing binary -> exit 2" test "$(jf_job_exit_code "$j2")" = 2 &&
        jf_expect "missing binary explained" grep -q 'binary not found' "$st/j2.out"
}

# Two jobs chained with afterok: B starts after A ends and sees A's output; a failed A
# cancels its dependant (which never runs).
t_afterok_chain() {
    local a b fa fb sa eb
    a=$(jf_sbatch -o /dev/null --wrap "sleep 2; echo from-A > $work/chain-a") || return 1
    b=$(jf_sbatch -o /dev/null -d "afterok:$a" --wrap "cat $work/chain-a > $work/chain-b") || return 1
    jf_expect "B waits for A" test "$(jf_job_field "$b" Dependency)" = "afterok:$a(unfulfilled)" || return 1
    fa=$(jf_sbatch -o /dev/null --wrap 'exit 3') || return 1
    fb=$(jf_sbatch -o /dev/null -d "afterok:$fa" --kill-on-invalid-dep=yes --wrap "touch $work/chain-never") || return 1
    jf_wait_job "$b" 60 >/dev/null || return 1
    jf_wait_state "$fb" CANCELLED 60 || return 1
    sa=$(jf_job_field "$a" EndTime)
    eb=$(jf_job_field "$b" StartTime)
    echo "  A ended $sa, B started $eb; B read '$(cat "$work/chain-b" 2>/dev/null)'; after failed A: $(jf_job_state "$fb") ($(jf_job_reason "$fb"))"
    jf_expect "B started after A ended" test "$(date -d "$eb" +%s)" -ge "$(date -d "$sa" +%s)" &&
        jf_expect "B saw A's output" grep -qx from-A "$work/chain-b" &&
        jf_expect "dependant of a failed job never ran" test ! -e "$work/chain-never"
}

# submit-chain.sh: three stage jobs in order, each with its stage's --until; the svd
# stage is interrupted (USR1) and requeued, and the chain still waits for it.
t_submit_chain() {
    local st=$work/chain ids stage job ev order svd
    mkdir -p "$st"
    : >"$st/cfg.toml"
    ids=$(cd "$st" && JF_BIN=$fixture FAKE_APP_STATE=$st FAKE_APP_SECONDS=60 \
        JF_SBATCH_ARGS="-N 2 --ntasks-per-node=1 -o $st/%x-%j.out" "$repo/jobs/submit-chain.sh" cfg.toml --set x.y=2) || return 1
    echo "$ids" | sed 's/^/  submitted: /'
    jf_expect "three stages printed" test "$(wc -l <<<"$ids")" -eq 3 || return 1
    svd=$(awk '$1 == "svd" { print $2 }' <<<"$ids")
    jf_wait_lines "$st/events" "^started .*job=$svd " 2 60 || { jf_show_job "$svd"; return 1; }
    timeout 10 scancel --batch --signal=USR1 "$svd" || return 1
    jf_wait_job "$svd" 60 >/dev/null || return 1
    touch "$st/finish-now" # the later stages need not run long
    while read -r stage job; do
        jf_wait_job "$job" 60 >/dev/null || return 1
    done <<<"$ids"
    ev=$(cat "$st/events")
    order=$(grep '^started rank=0' <<<"$ev" | sed 's/.*--until //' | tr '\n' ' ')
    echo "  rank-0 stage order: $order; svd restarts: $(jf_job_restarts "$svd")"
    jf_expect "stages ran svd, joint, sparse in order" test "$order" = "svd joint sparse " &&
        jf_expect "svd stage requeued once" test "$(jf_job_restarts "$svd")" -eq 1 || return 1
    while read -r stage job; do
        jf_expect "stage $stage ran in job $job on both nodes" \
            test "$(grep -c "^done .*job=$job .*--set x.y=2 --until $stage\$" <<<"$ev")" -eq 2 || return 1
    done <<<"$ids"
}

jf_test "cluster starts with 2 idle nodes" t_start
if ((JF_FAILED == 0)); then
    jf_test "srun spans 2 simulated nodes" t_srun_two_nodes
    jf_test "compile MPI hello" t_compile_hello
    jf_test "mpirun across a 2-node allocation" hello_on_two_nodes mpirun mpirun
    jf_test "srun --mpi=pmix across 2 nodes" hello_on_two_nodes pmix srun --mpi=pmix
    jf_test "factorize.sbatch (srun): USR1 -> exit 75 -> requeue -> resumed" t_usr1_requeue srun
    jf_test "factorize.sbatch: failures propagate" t_failure_propagates
    jf_test "afterok chain" t_afterok_chain
    jf_test "submit-chain.sh: svd (requeued) -> joint -> sparse" t_submit_chain
else
    cluster status || true
fi
t_stop() {
    cluster stop || return 1
    jf_expect "status says not running" eval '! cluster status >/dev/null' &&
        jf_expect "no daemon left in $JF_SLURM_DIR" test -z "$(pgrep -f "$JF_SLURM_DIR/" || true)"
}
jf_test "cluster stops" t_stop
echo "total ${SECONDS}s"
jf_summary
