#!/usr/bin/env bash
# Installs every Debian 12 package jointfact's build, tests, jobs and plots need. Idempotent: packages
# already present are skipped, and `apt-get update` runs at most once per day.
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libopenmpi-dev openmpi-bin                 # MPI
  libscalapack-openmpi-dev libopenblas-dev   # ScaLAPACK + BLACS, BLAS/LAPACK
  libhdf5-openmpi-dev hdf5-tools             # parallel HDF5, h5dump/h5diff
  libeigen3-dev catch2 libcli11-dev libtomlplusplus-dev nlohmann-json3-dev
  python3 python3-numpy python3-h5py python3-matplotlib   # plots and test cross-checks (Debian's python3)
  slurm-wlm munge                            # local Slurm for the job tests
  time procps                                # /usr/bin/time -f %M, pgrep
)
# Optional, only with JOINTFACT_BENCH_SLEPC=1: SLEPc, the svd benchmark's reference (jobs/bench_slepc_svd.py);
# nothing builds or tests against it.
if [ "${JOINTFACT_BENCH_SLEPC:-0}" = 1 ]; then packages+=(python3-slepc4py python3-petsc4py); fi

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  SUDO=sudo
fi
stamp=/var/lib/apt/periodic/jointfact-update-stamp
if [ ! -f "$stamp" ] || [ -n "$(find "$stamp" -mmin +1440 2>/dev/null)" ]; then
  $SUDO apt-get update -qq
  $SUDO mkdir -p "$(dirname "$stamp")" && $SUDO touch "$stamp"
fi
echo "install-deps: installing ${missing[*]}"
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
