#!/usr/bin/python3
"""The fast product of the demo's stage 3: A X as F1 (F2 (... (FJ X))) with the butterfly factors that
`jointfact butterfly` wrote, against the dense A X, on the same X (numpy, one BLAS thread as set by
jobs/env.sh).

    /usr/bin/python3 examples/demo/butterfly_product.py MATRIX.h5 BUTTERFLY.h5 OUT.json [--columns C]

Prints the flops, the best-of-5 seconds of both products and their relative difference, and writes the
same numbers to OUT.json.
"""
import argparse
import json
import sys
import time

import h5py
import numpy as np


def read_factors(path):
    with h5py.File(path, "r") as handle:
        group = handle["butterfly"]
        count = int(group.attrs["factors"])
        factors = [(group[f"F{i}"]["data"][...], group[f"F{i}"]["indices"][...], group[f"F{i}"]["indptr"][...])
                   for i in range(1, count + 1)]
        return factors, float(group.attrs["rel_error"])


def two_per_row(data, indices, indptr):
    """A butterfly factor has 2 nonzeros in every row: (values, columns) of the first and second ones."""
    if not np.all(np.diff(indptr) == 2):
        sys.exit("butterfly_product: a factor does not have 2 nonzeros per row (not a butterfly support)")
    first = indptr[:-1]
    return data[first][:, None], indices[first], data[first + 1][:, None], indices[first + 1]


def butterfly_times(factors, x):
    for d0, i0, d1, i1 in reversed(factors):  # A X = F1 (F2 (... (FJ X)))
        x = d0 * x[i0] + d1 * x[i1]
    return x


def best_seconds(function, repeats=5):
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("matrix", help="the dense A (FILE.h5, dataset /W)")
    parser.add_argument("butterfly", help="the factors written by jointfact butterfly")
    parser.add_argument("out", help="JSON file for the numbers")
    parser.add_argument("--columns", type=int, default=64, help="columns of the random X (default 64)")
    args = parser.parse_args()

    with h5py.File(args.matrix, "r") as handle:
        a = handle["W"][...]
    csr_factors, rel_error = read_factors(args.butterfly)
    factors = [two_per_row(*factor) for factor in csr_factors]
    n = a.shape[0]
    x = np.random.default_rng(0).standard_normal((n, args.columns))
    dense = a @ x
    fast = butterfly_times(factors, x)
    result = {
        "n": n,
        "factors": len(factors),
        "columns": args.columns,
        "rel_error": rel_error,
        "product_rel_difference": float(np.linalg.norm(dense - fast) / np.linalg.norm(dense)),
        "dense_flops": 2 * n * n * args.columns,
        "butterfly_flops": sum(2 * len(data) * args.columns for data, _, _ in csr_factors),
        "dense_seconds": best_seconds(lambda: a @ x),
        "butterfly_seconds": best_seconds(lambda: butterfly_times(factors, x)),
    }
    with open(args.out, "w") as handle:
        json.dump(result, handle, indent=1)
    print(f"product with a {n} x {args.columns} X: dense A X {result['dense_flops']:.3g} flops, "
          f"{1e3 * result['dense_seconds']:.1f} ms; F1 (F2 (... F{len(factors)} X)) "
          f"{result['butterfly_flops']:.3g} flops, {1e3 * result['butterfly_seconds']:.1f} ms; "
          f"||A X - F1...FJ X||_F / ||A X||_F = {result['product_rel_difference']:.2e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
