#!/usr/bin/env bash
# Submit one factorize.sbatch job per stage, each starting only after the previous
# one completed successfully (afterok), and print "STAGE JOBID" per line.
#
#   jobs/submit-chain.sh CONFIG.toml [jointfact run options]
#   JF_SBATCH_ARGS="-N 4 --ntasks-per-node=32" jobs/submit-chain.sh big.toml
#
# Each job runs `jointfact run CONFIG [options] <stage args>`. A stage's job stops after
# that stage; the next job reruns the same command with a later stop, and resume (the
# default of `run`) continues from the checkpoint the previous job left, so the chain
# ends with the same output as one uninterrupted `run`.
# This needs `jointfact run --until svd|joint|sparse` (stop with exit 0 after that
# stage, its checkpoint written) from the pipeline issue, and `--until` must not be part
# of the config hash that resume checks. Until then, set STAGE_ARGS_<stage> yourself.
#
# Environment:
#   JF_STAGES              stages in order (default "svd joint sparse")
#   STAGE_ARGS_<stage>     extra run options for that stage (default "--until <stage>")
#   JF_SBATCH_ARGS         sbatch options for every job (word-split)
#   JF_SBATCH_ARGS_<stage> sbatch options for one stage (e.g. a shorter --time for svd)
#   JF_SBATCH_SCRIPT       job script (default: factorize.sbatch next to this script)
#   JF_DEPENDENCY          job id the first stage waits for (afterok), optional
# Failed stages cancel the rest of the chain (--kill-on-invalid-dep=yes) instead of
# leaving them pending forever.
set -euo pipefail

usage() { echo "usage: $0 CONFIG.toml [jointfact run options]" >&2; exit 2; }
[[ $# -ge 1 && $1 != -h && $1 != --help ]] || usage
command -v sbatch >/dev/null || { echo "$0: error: sbatch not found" >&2; exit 2; }

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
script=${JF_SBATCH_SCRIPT:-$here/factorize.sbatch}
[[ -r $script ]] || { echo "$0: error: job script '$script' not found" >&2; exit 2; }
[[ -r $1 ]] || { echo "$0: error: config '$1' not found" >&2; exit 2; }

prev=${JF_DEPENDENCY:-}
for stage in ${JF_STAGES:-svd joint sparse}; do
    [[ $stage =~ ^[A-Za-z0-9_]+$ ]] || { echo "$0: error: bad stage name '$stage'" >&2; exit 2; }
    args_var=STAGE_ARGS_$stage
    sbatch_var=JF_SBATCH_ARGS_$stage
    stage_args=${!args_var-"--until $stage"}
    deps=()
    [[ -n $prev ]] && deps=(--dependency="afterok:$prev" --kill-on-invalid-dep=yes)
    # shellcheck disable=SC2086 # option strings are word-split on purpose
    out=$(sbatch --parsable --job-name="jf-$stage" ${deps[@]+"${deps[@]}"} ${JF_SBATCH_ARGS:-} ${!sbatch_var:-} \
        "$script" "$@" $stage_args) || {
        echo "$0: error: submitting stage $stage failed${prev:+ (earlier jobs stay queued; scancel them)}" >&2
        exit 1
    }
    prev=${out%%;*} # --parsable prints "jobid[;cluster]"
    echo "$stage $prev"
done
