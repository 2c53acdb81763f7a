#!/usr/bin/python3
"""Independent check of a `jointfact svd` output with numpy: per-triplet ||A v_i - s_i u_i|| / s_1,
orthogonality, and (optionally) the singular values against a reference JSON ({"s": [...]}, e.g. from
jobs/bench_slepc_svd.py). Prints one JSON line.

    /usr/bin/python3 jobs/check_svd_residuals.py --matrix A.h5:/W --svd out.h5 [--reference slepc.json]
"""
import argparse
import json

import h5py
import numpy as np


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--matrix", required=True)
    parser.add_argument("--svd", required=True)
    parser.add_argument("--reference")
    args = parser.parse_args()
    path, _, dataset = args.matrix.partition(":")
    with h5py.File(path, "r") as f:
        a = f[dataset or "/W"][...]
    with h5py.File(args.svd, "r") as f:
        u, s, v = f["/svd/U"][...], f["/svd/S"][...], f["/svd/V"][...]
        written = f["/svd/residuals"][...] if "/svd/residuals" in f else None
    residuals = np.linalg.norm(a @ v - u * s, axis=0) / s[0]
    report = {
        "k": int(s.size),
        "max_residual_over_s1": float(residuals.max()),
        "max_transposed_residual_over_s1": float((np.linalg.norm(a.T @ u - v * s, axis=0) / s[0]).max()),
        "orthogonality": float(max(np.abs(u.T @ u - np.eye(s.size)).max(), np.abs(v.T @ v - np.eye(s.size)).max())),
    }
    if written is not None:
        report["max_written_residual"] = float(written.max())
        report["max_written_vs_numpy"] = float(np.abs(written - residuals).max())
    if args.reference:
        with open(args.reference) as f:
            reference = np.array(json.load(f)["s"][: s.size])
        report["max_abs_sv_diff_vs_reference"] = float(np.abs(s[: reference.size] - reference).max())
    print(json.dumps(report))


if __name__ == "__main__":
    main()
