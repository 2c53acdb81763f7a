#!/usr/bin/python3
"""Test matrices of the converged-SVD benchmarks, written to FILE:/W (float64, h5py).

    geometric:   m x n = U diag(0.97^i) V^T, i < min(m, n), U and V random orthonormal
    signal:      m x n = U_r diag(1 / (1 + i)) V_r^T (i < rank) + noise * N(0, 1) entries

    /usr/bin/python3 jobs/make_svd_test_matrix.py geometric --shape 4000,3000 --output /tmp/x/geo.h5
    /usr/bin/python3 jobs/make_svd_test_matrix.py signal --shape 20000,10000 --rank 200 --noise 1e-3 --output ...
"""
import argparse

import h5py
import numpy as np


def orthonormal(rng, rows, cols):
    q, _ = np.linalg.qr(rng.standard_normal((rows, cols)))
    return q


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=["geometric", "signal"])
    parser.add_argument("--shape", required=True)
    parser.add_argument("--ratio", type=float, default=0.97)
    parser.add_argument("--rank", type=int, default=200)
    parser.add_argument("--noise", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--output", required=True)
    args = parser.parse_args()
    m, n = (int(x) for x in args.shape.split(","))
    rng = np.random.default_rng(args.seed)
    if args.kind == "geometric":
        r = min(m, n)
        s = args.ratio ** np.arange(r)
    else:
        r = args.rank
        s = 1.0 / (1.0 + np.arange(r))
    a = (orthonormal(rng, m, r) * s) @ orthonormal(rng, n, r).T
    if args.kind == "signal":
        for start in range(0, m, 2000):  # in row slabs: the Gaussian noise alone would double the memory
            stop = min(m, start + 2000)
            a[start:stop] += args.noise * rng.standard_normal((stop - start, n))
    with h5py.File(args.output, "w") as f:
        f.create_dataset("W", data=a)


if __name__ == "__main__":
    main()
