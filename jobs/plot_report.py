#!/usr/bin/python3
"""Draw PNG figures from jointfact results.

    /usr/bin/python3 jobs/plot_report.py OUT.json [--outdir DIR]     # summary of `jointfact run`
    /usr/bin/python3 jobs/plot_report.py BF.h5 [--outdir DIR]        # output of `jointfact butterfly`

Writes, for the stages present (each title names the run, i.e. its output file):
  spectrum.png            svd: the k singular values (log scale)
  task_loss.png           joint: task loss at W, at the SVD answer and at the joint answer (log scale),
                          and the reconstruction error ||W - X||_F of both answers
  joint.png               joint: objective F, task loss, reconstruction error per iteration
  rank_curve.png          joint, compact mode: best task loss f*(k) against the rank k, with f(W)
  butterfly.png           butterfly: how well each round of splits fits the blocks it splits, and the
                          final relative error ||A - F1 ... FJ||_F / ||A||_F
  butterfly_factors.png   butterfly (from BF.h5): where the nonzeros of F1 ... FJ are
Uses Debian's matplotlib (Agg backend: no display needed).
"""
import argparse
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

TINY = 1e-17  # floor for log axes (an exact zero would vanish)


def save(fig, outdir, name):
    path = os.path.join(outdir, name)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    print(path)


def plot_spectrum(run, svd, outdir):
    values = svd.get("singular_values") or []
    if not values:
        return
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.semilogy(range(1, len(values) + 1), values, "o-", label=f"{svd.get('method', '')} SVD, k = {len(values)}")
    ax.set_xlabel("index i")
    ax.set_ylabel("singular value $s_i$")
    ax.set_title(f"{run}: singular values of the svd stage")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    save(fig, outdir, "spectrum.png")


def plot_task_loss(run, joint, outdir):
    keys = ("loss_original", "loss_svd", "loss_joint")
    if not all(key in joint for key in keys):
        return
    k = joint.get("rank", "k")
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    names = ["W\n(uncompressed)", f"SVD answer\n$W_{{{k}}}$", "joint answer\n$L R^T$"]
    losses = [joint[key] for key in keys]
    bars = left.bar(names, [max(v, TINY) for v in losses], color=["gray", "C0", "C2"])
    left.set_yscale("log")
    left.set_ylim(top=max(max(losses), TINY) * 20)  # room for the value above the tallest bar
    left.set_ylabel(f"task loss f ({joint.get('objective', '')})")
    left.set_title("task loss (lower is better)")
    for bar, value in zip(bars, losses):
        left.annotate(f"{value:.4g}", (bar.get_x() + bar.get_width() / 2, max(value, TINY)),
                      ha="center", va="bottom", fontsize=9)
    left.grid(True, axis="y", which="both", alpha=0.3)
    if "recon_error_svd" in joint and "recon_error_joint" in joint:
        errors = [joint["recon_error_svd"], joint["recon_error_joint"]]
        bars = right.bar(names[1:], errors, color=["C0", "C2"])
        for bar, value in zip(bars, errors):
            right.annotate(f"{value:.6g}", (bar.get_x() + bar.get_width() / 2, value), ha="center", va="bottom",
                           fontsize=9)
        right.set_ylim(top=max(errors) * 1.1)
        right.set_ylabel("reconstruction error $||W - X||_F$")
        right.set_title(f"reconstruction error: joint / SVD = {errors[1] / errors[0]:.4f}")
        right.grid(True, axis="y", alpha=0.3)
    else:
        right.axis("off")
    fig.suptitle(f"{run}: joint stage ({joint.get('mode', '')} mode), rank {k}")
    save(fig, outdir, "task_loss.png")


def plot_joint(run, joint, outdir):
    history = joint.get("history") or []
    if not history:
        return
    iterations = range(len(history))
    # Dotted lines where the next penalty solve (a new lambda, or a new k in compact mode) begins.
    segment = joint.get("history_segment") or []
    boundaries = [i for i in range(1, len(segment)) if segment[i] != segment[i - 1]]
    fig, axes = plt.subplots(1, 3, figsize=(13, 4))
    labels = [("objective F", 0), ("task loss f(L R^T)", 1), ("reconstruction error ||W - L R^T||_F", 2)]
    for ax, (label, column) in zip(axes, labels):
        ax.plot(iterations, [row[column] for row in history], "-", color="C%d" % column)
        ax.set_xlabel("iteration (all penalty solves in order)" if boundaries else "iteration")
        ax.set_ylabel(label)
        for boundary in boundaries:
            ax.axvline(boundary, color="lightgray", linestyle=":", linewidth=1)
        ax.set_yscale("log" if min(row[column] for row in history) > 0 else "linear")
        ax.grid(True, alpha=0.3)
    if "loss_svd" in joint:
        axes[1].axhline(joint["loss_svd"], color="gray", linestyle="--", label="SVD answer f(W_k)")
        axes[1].legend()
    if "recon_error_svd" in joint:
        axes[2].axhline(joint["recon_error_svd"], color="gray", linestyle="--", label="SVD ||W - W_k||_F")
        axes[2].legend()
    title = f"{run}: joint stage per iteration ({joint.get('objective', '')}, {joint.get('mode', '')} mode)"
    if boundaries:
        title += f", {len(boundaries) + 1} penalty solves, dotted lines where lambda changes"
    fig.suptitle(title)
    save(fig, outdir, "joint.png")


def plot_rank_curve(run, joint, outdir):
    curve = joint.get("rank_curve") or []
    if not curve:
        return
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot([row[0] for row in curve], [row[1] for row in curve], "o-", label="best task loss $f^*(k)$")
    if "loss_original" in joint:
        ax.axhline(joint["loss_original"], color="gray", linestyle="--", label="f(W), uncompressed")
    ax.set_xlabel("rank k")
    ax.set_ylabel("task loss")
    ax.set_title(f"{run}: compact mode, task loss against rank")
    ax.grid(True, alpha=0.3)
    ax.legend()
    save(fig, outdir, "rank_curve.png")


def plot_butterfly(run, round_fits, rel_error, tree, outdir):
    """round_fits: per round of splits, sqrt(sum ||P - L R||^2 / sum ||P||^2) over the blocks P it splits."""
    if not round_fits:
        return
    fig, ax = plt.subplots(figsize=(6.5, 4))
    rounds = range(1, len(round_fits) + 1)
    ax.semilogy(rounds, [max(e, TINY) for e in round_fits], "o-",
                label="fit of this round's splits\n$\\sqrt{\\sum ||P - L R||^2 / \\sum ||P||^2}$")
    if rel_error is not None:
        ax.axhline(max(rel_error, TINY), color="C3", linestyle="--",
                   label=f"final error $||A - F_1 \\cdots F_J||_F / ||A||_F$ = {rel_error:.3g}")
    ax.set_xlabel(f"round of splits ({tree} tree)")
    ax.set_xticks(list(rounds))
    ax.set_ylabel("relative error (log)")
    low = min([max(e, TINY) for e in round_fits] + [max(rel_error or 1.0, TINY)])
    ax.set_ylim(low / 10, 10)
    ax.set_title(f"{run}: butterfly factorization")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    save(fig, outdir, "butterfly.png")


def plot_butterfly_factors(run, factors, outdir, cells=128):
    """factors: [(data, indices, indptr, shape)] of F1 ... FJ; drawn as occupancy on a cells x cells raster."""
    count = len(factors)
    columns = min(count, 6)
    rows = (count + columns - 1) // columns
    fig, axes = plt.subplots(rows, columns, figsize=(2.1 * columns, 2.3 * rows + 0.4), squeeze=False)
    for index, (data, indices, indptr, shape) in enumerate(factors):
        n_rows, n_cols = int(shape[0]), int(shape[1])
        row_of = np.repeat(np.arange(n_rows), np.diff(indptr))
        raster = np.zeros((cells, cells))
        np.add.at(raster, (row_of * cells // n_rows, np.asarray(indices) * cells // n_cols), 1)
        ax = axes[index // columns][index % columns]
        ax.imshow(raster > 0, cmap="Greys", interpolation="nearest")
        ax.set_title(f"F{index + 1}: {len(data)} nonzeros", fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
    for index in range(count, rows * columns):
        axes[index // columns][index % columns].axis("off")
    n = int(factors[0][3][0])
    fig.suptitle(f"{run}: where the nonzeros of A = F1 ... F{count} are (N = {n}, "
                 f"{n * n} entries of A vs {sum(len(f[0]) for f in factors)} in all factors; "
                 f"each pixel: a {n // cells} x {n // cells} block)", fontsize=9)
    save(fig, outdir, "butterfly_factors.png")


def from_summary(path, outdir):
    with open(path) as handle:
        summary = json.load(handle)
    run = os.path.basename(summary.get("output") or path)
    joint = summary.get("joint", {})
    plot_spectrum(run, summary.get("svd", {}), outdir)
    plot_task_loss(run, joint, outdir)
    plot_joint(run, joint, outdir)
    plot_rank_curve(run, joint, outdir)
    butterfly = summary.get("butterfly", {})
    plot_butterfly(run, butterfly.get("level_errors") or [], butterfly.get("rel_error"), butterfly.get("tree", ""),
                   outdir)


def from_butterfly_file(path, outdir):
    import h5py

    run = os.path.basename(path)
    with h5py.File(path, "r") as handle:
        group = handle["butterfly"]
        count = int(group.attrs["factors"])
        factors = []
        for i in range(1, count + 1):
            factor = group[f"F{i}"]
            factors.append((factor["data"][...], factor["indices"][...], factor["indptr"][...],
                            factor.attrs["shape"]))
        fits = list(group["round_errors"][...]) if "round_errors" in group else []
        rel_error = float(group.attrs["rel_error"])
        tree = group.attrs["tree"]
        tree = tree.decode() if isinstance(tree, bytes) else str(tree)
    plot_butterfly(run, fits, rel_error, tree, outdir)
    plot_butterfly_factors(run, factors, outdir)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("result", help="OUT.json written by jointfact run, or BF.h5 written by jointfact butterfly")
    parser.add_argument("--outdir", help="where the PNGs go (default: beside the result)")
    args = parser.parse_args()
    outdir = args.outdir or os.path.dirname(os.path.abspath(args.result))
    os.makedirs(outdir, exist_ok=True)
    if args.result.endswith((".h5", ".hdf5")):
        from_butterfly_file(args.result, outdir)
    else:
        from_summary(args.result, outdir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
