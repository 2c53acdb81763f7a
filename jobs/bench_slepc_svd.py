#!/usr/bin/python3
"""SLEPc's truncated SVD of an HDF5 matrix: the reference of `jointfact bench svd`'s time-to-accuracy table
and of the converged method's acceptance checks. Optional: needs python3-slepc4py (Debian), which
cmake/install-deps.sh installs only when asked; without it this script prints {"available": false}.

Run under MPI with the ranks jointfact uses; each rank reads its own rows of FILE:DSET (h5py) into a
PETSc MPIDENSE matrix, so no rank holds the whole matrix. Times EPS-free SVD solve() alone.

    mpirun -np 2 /usr/bin/python3 jobs/bench_slepc_svd.py --matrix A.h5:/W --rank 50 --tol 1e-10 \
        [--type trlanczos] [--reps 1] [--output s.json]
    /usr/bin/python3 jobs/bench_slepc_svd.py --probe    # {"available": true|false}, without starting MPI
Prints one JSON line on rank 0: {"bench": "slepc_svd", "type", "tol", "k", "seconds", "converged", "s": [...],
"max_residual_over_s1"} (residuals from SLEPc's computeError, absolute ||A v - s u|| scaled by s_1).
"""
import argparse
import glob
import json
import os
import resource
import sys
import time


def set_debian_paths():
    # Debian installs petsc4py / slepc4py below /usr/lib/{petsc,slepc}dir; the /usr/lib/petsc link that the
    # .pth files expect only comes with the -dev packages.
    for variable, pattern in (("PETSC_DIR", "/usr/lib/petscdir/petsc*/*-real"),
                              ("SLEPC_DIR", "/usr/lib/slepcdir/slepc*/*-real")):
        if not os.environ.get(variable):
            found = sorted(glob.glob(pattern))
            if found:
                os.environ[variable] = found[-1]
                sys.path.append(os.path.join(found[-1], "lib/python3/dist-packages"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--matrix")
    parser.add_argument("--probe", action="store_true", help="only say whether slepc4py imports (no MPI start)")
    parser.add_argument("--rank", type=int)
    parser.add_argument("--tol", type=float, default=1e-10)
    parser.add_argument("--type", default="trlanczos")
    parser.add_argument("--reps", type=int, default=1)
    parser.add_argument("--output")
    args = parser.parse_args()
    set_debian_paths()
    if args.probe:
        try:
            import petsc4py  # noqa: F401
            import slepc4py  # noqa: F401
            print(json.dumps({"bench": "slepc_svd", "available": True}))
        except ImportError:
            print(json.dumps({"bench": "slepc_svd", "available": False}))
        return
    if not args.matrix or args.rank is None:
        parser.error("--matrix and --rank are required")
    try:
        import petsc4py
        petsc4py.init([])
        import slepc4py
        slepc4py.init([])
        from petsc4py import PETSc
        from slepc4py import SLEPc
    except ImportError:
        print(json.dumps({"bench": "slepc_svd", "available": False}))
        return
    import h5py
    import numpy as np

    comm = PETSc.COMM_WORLD
    path, _, dataset = args.matrix.partition(":")
    with h5py.File(path, "r") as f:
        data = f[dataset or "/W"]
        m, n = data.shape
        a = PETSc.Mat().createDense([[PETSc.DECIDE, m], [PETSc.DECIDE, n]], comm=comm)
        a.setUp()
        start, stop = a.getOwnershipRange()
        a.getDenseArray()[:, :] = data[start:stop, :]
    a.assemble()

    best = None
    for _ in range(args.reps):
        svd = SLEPc.SVD().create(comm=comm)
        svd.setOperators(a)
        svd.setType(args.type)
        svd.setDimensions(nsv=args.rank)
        svd.setTolerances(tol=args.tol, max_it=100000)
        svd.setFromOptions()
        comm.barrier()
        began = time.perf_counter()
        svd.solve()
        comm.barrier()
        seconds = time.perf_counter() - began
        best = seconds if best is None else min(best, seconds)
    # Peak memory of each rank (ru_maxrss is in KiB on Linux), as max and mean over the ranks.
    per_rank = PETSc.Vec().createMPI((1, PETSc.DECIDE), comm=comm)
    per_rank.getArray()[0] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024.0
    rss_max, rss_mean = per_rank.max()[1], per_rank.sum() / comm.getSize()
    converged = svd.getConverged()
    k = min(args.rank, converged)
    s = [svd.getValue(i) for i in range(k)]
    errors = [svd.computeError(i, SLEPc.SVD.ErrorType.ABSOLUTE) for i in range(k)]
    record = {"bench": "slepc_svd", "available": True, "type": args.type, "tol": args.tol, "k": args.rank,
              "shape": [m, n], "ranks": comm.getSize(), "seconds": best, "converged": converged, "s": s,
              "max_residual_over_s1": max(errors) / s[0] if s and s[0] > 0 else 0.0,
              "peak_rss_max_bytes": rss_max, "peak_rss_mean_bytes": rss_mean}
    if comm.getRank() == 0:
        line = json.dumps(record)
        print(line, flush=True)
        if args.output:
            with open(args.output, "w") as f:
                f.write(line + "\n")


if __name__ == "__main__":
    main()
