#!/usr/bin/python3
"""Compare two `jointfact run` outputs: every dataset of the result groups (svd, joint, fsmf,
butterfly; not /run, which holds timings) and their numeric attributes.

    compare-outputs.py REF.h5 OUT.h5 TOL

Floating-point data: max |a - b| / max |a| per dataset must be <= TOL; integer data (CSR indices,
indptr) and strings must be equal; both files must hold the same datasets with the same shapes.
Prints the worst relative difference and where, then every problem; exit 0 if within TOL, 1 otherwise.
"""
import sys

import h5py
import numpy as np

GROUPS = ("svd", "joint", "fsmf", "butterfly")


def collect(path):
    datasets, attrs = {}, {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            for key, value in obj.attrs.items():
                attrs[f"{name}@{key}"] = value
            if isinstance(obj, h5py.Dataset):
                datasets[name] = obj[...]
        for group in GROUPS:
            if group in f:
                visit(group, f[group])
                f[group].visititems(visit)
    return datasets, attrs


def relative_difference(a, b):
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        return np.inf
    if a.size == 0:
        return 0.0
    if not (np.issubdtype(a.dtype, np.floating) or np.issubdtype(b.dtype, np.floating)):
        return 0.0 if np.array_equal(a, b) else np.inf
    scale = max(float(np.abs(a).max()), 1e-300)
    return float(np.abs(a.astype(float) - b.astype(float)).max()) / scale


def main():
    ref_path, out_path, tol = sys.argv[1], sys.argv[2], float(sys.argv[3])
    ref_sets, ref_attrs = collect(ref_path)
    out_sets, out_attrs = collect(out_path)
    problems = []
    if not ref_sets:
        problems.append(f"{ref_path} holds no result datasets")
    if set(ref_sets) != set(out_sets):
        problems.append(f"dataset sets differ: only in reference {sorted(set(ref_sets) - set(out_sets))}, "
                        f"only in output {sorted(set(out_sets) - set(ref_sets))}")
    worst, where = 0.0, "-"
    for name in sorted(set(ref_sets) & set(out_sets)):
        d = relative_difference(ref_sets[name], out_sets[name])
        if d > worst:
            worst, where = d, name
    attr_worst, attr_where = 0.0, "-"
    if set(ref_attrs) != set(out_attrs):
        problems.append(f"attribute sets differ: {sorted(set(ref_attrs) ^ set(out_attrs))}")
    for name in sorted(set(ref_attrs) & set(out_attrs)):
        a, b = ref_attrs[name], out_attrs[name]
        if isinstance(a, (bytes, str)) or isinstance(b, (bytes, str)):
            d = 0.0 if a == b else np.inf
        else:
            d = relative_difference(a, b)
        if d > tol:
            problems.append(f"attribute {name}: reference {a!r}, output {b!r}")
        if d > attr_worst:
            attr_worst, attr_where = d, name
    print(f"max relative difference {worst:.2e} ({where}) over {len(ref_sets)} datasets; "
          f"attributes {attr_worst:.2e} ({attr_where})")
    if worst > tol:
        problems.append(f"dataset {where} differs by {worst:.2e} > {tol:g}")
    for p in problems:
        print("  " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
