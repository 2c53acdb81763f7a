#!/usr/bin/python3
"""Draw PNG figures from a jointfact run summary (the OUT.json written beside OUT.h5).

    /usr/bin/python3 jobs/plot_report.py demo/out.json [--outdir DIR]

Writes, for the stages present in the summary:
  spectrum.png        singular values of the svd stage (log scale)
  joint.png           joint convergence: objective F, task loss, reconstruction error per iteration
  rank_curve.png      compact mode: best task loss f*(k) against the rank k, with f(W) for reference
  butterfly.png       butterfly: relative error after each level of the hierarchical factorization
Uses Debian's matplotlib (Agg backend: no display needed).
"""
import argparse
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def save(fig, outdir, name):
    path = os.path.join(outdir, name)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    print(path)


def plot_spectrum(svd, outdir):
    values = svd.get("singular_values") or []
    if not values:
        return
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.semilogy(range(1, len(values) + 1), values, "o-", label=f"{svd.get('method', '')} SVD, k = {len(values)}")
    ax.set_xlabel("index i")
    ax.set_ylabel("singular value $s_i$")
    ax.set_title("Singular value spectrum")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    save(fig, outdir, "spectrum.png")


def plot_joint(joint, outdir):
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
    title = f"Joint stage ({joint.get('objective', '')}, {joint.get('mode', '')} mode)"
    if boundaries:
        title += f": {len(boundaries) + 1} penalty solves, dotted lines where lambda changes"
    fig.suptitle(title)
    save(fig, outdir, "joint.png")


def plot_rank_curve(joint, outdir):
    curve = joint.get("rank_curve") or []
    if not curve:
        return
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot([row[0] for row in curve], [row[1] for row in curve], "o-", label="best task loss $f^*(k)$")
    if "loss_original" in joint:
        ax.axhline(joint["loss_original"], color="gray", linestyle="--", label="f(W), uncompressed")
    ax.set_xlabel("rank k")
    ax.set_ylabel("task loss")
    ax.set_title("Compact mode: task loss against rank")
    ax.grid(True, alpha=0.3)
    ax.legend()
    save(fig, outdir, "rank_curve.png")


def plot_butterfly(butterfly, outdir):
    errors = butterfly.get("level_errors") or []
    if not errors:
        return
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.semilogy(range(1, len(errors) + 1), [max(e, 1e-17) for e in errors], "o-",
                label=f"{butterfly.get('tree', '')} tree")
    ax.set_xlabel("level of the hierarchical factorization")
    ax.set_ylabel("relative error ||A - product||_F / ||A||_F")
    ax.set_title("Butterfly factorization error per level")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    save(fig, outdir, "butterfly.png")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("summary", help="OUT.json written by jointfact run")
    parser.add_argument("--outdir", help="where the PNGs go (default: beside the summary)")
    args = parser.parse_args()
    with open(args.summary) as handle:
        summary = json.load(handle)
    outdir = args.outdir or os.path.dirname(os.path.abspath(args.summary))
    os.makedirs(outdir, exist_ok=True)
    plot_spectrum(summary.get("svd", {}), outdir)
    plot_joint(summary.get("joint", {}), outdir)
    plot_rank_curve(summary.get("joint", {}), outdir)
    plot_butterfly(summary.get("butterfly", {}), outdir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
