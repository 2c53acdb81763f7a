#!/usr/bin/python3
"""Prints the demo's "what you just saw" from its output files (bash jobs/demo.sh calls it).

    /usr/bin/python3 examples/demo/summary.py DEMO_DIR

Every number printed here is read from DEMO_DIR/lowrank.json (stages 1 and 2), DEMO_DIR/butterfly.h5
(stage 3) and DEMO_DIR/product.json (the fast product); tests/e2e/test_demo_summary.sh checks them.
"""
import json
import os
import sys
import tomllib

import h5py


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    folder = sys.argv[1]
    with open(os.path.join(folder, "lowrank.json")) as handle:
        run = json.load(handle)
    with open(os.path.join(folder, "product.json")) as handle:
        product = json.load(handle)
    with h5py.File(os.path.join(folder, "butterfly.h5"), "r") as handle:
        butterfly_error = float(handle["butterfly"].attrs["rel_error"])
        factors = int(handle["butterfly"].attrs["factors"])
    svd, joint = run["svd"], run["joint"]
    rows, cols = run["input"]["rows"], run["input"]["cols"]
    config = tomllib.loads(run["config"])
    generated = config["input"]
    eps_rel = config["joint"]["eps_rel"]
    growth = joint["recon_error_joint"] / joint["recon_error_svd"] - 1
    lines = [
        "",
        "What you just saw",
        f"1. svd:    rank-{svd['k']} {svd['method']} SVD of W ({rows} x {cols}, "
        f"rank {generated['rank']} + noise {generated['noise']:g})",
        f"           residual ||W V - U S||_F / ||W||_F = {svd['residual']:.3e}, "
        f"largest singular value {svd['singular_values'][0]:.6g}",
        "2. joint:  the task: X 1 should match t, the row sums of W's noise-free part; f(X) = (1/m) ||X 1 - t||^2",
        f"           rank {joint['rank']}, {joint['mode']} mode: ||W - X||_F at most "
        f"{100 * eps_rel:g}% above the SVD's",
        f"           task loss at W:                 {joint['loss_original']:.6g}",
        f"           task loss at the SVD answer:    {joint['loss_svd']:.6g}",
        f"           task loss at the joint answer:  {joint['loss_joint']:.6g}",
        f"           reconstruction ||W - X||_F:     SVD {joint['recon_error_svd']:.6g}, "
        f"joint {joint['recon_error_joint']:.6g} ({100 * growth:+.3f}%)",
        f"3. sparse: Hadamard {product['n']} x {product['n']} = F1 ... F{factors} (butterfly): "
        f"||A - F1 ... F{factors}||_F / ||A||_F = {butterfly_error:.3e}",
        f"           A X with X {product['n']} x {product['columns']}: dense {product['dense_flops']:.4g} flops "
        f"in {1e3 * product['dense_seconds']:.4g} ms, butterfly {product['butterfly_flops']:.4g} flops "
        f"in {1e3 * product['butterfly_seconds']:.4g} ms",
        f"           (numpy, one thread); the two results differ by {product['product_rel_difference']:.3e} relative",
        "Files to open:",
        f"  {folder}/task_loss.png           the three task losses and the two reconstruction errors (stage 2)",
        f"  {folder}/joint.png               the joint iterations: objective, task loss, reconstruction error",
        f"  {folder}/spectrum.png            the singular values of stage 1",
        f"  {folder}/butterfly_factors.png   the supports of F1 ... F{factors} (stage 3)",
        f"  {folder}/butterfly.png           fit of each round of splits and the final error (stage 3)",
        f"  {folder}/lowrank.h5, {folder}/lowrank.json   stages 1-2 (/svd, /joint); {folder}/butterfly.h5 stage 3",
    ]
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
