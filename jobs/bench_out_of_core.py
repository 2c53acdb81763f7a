#!/usr/bin/python3
"""Helpers of the out-of-core SVD benchmark (jobs/bench_out_of_core.sh).

generate: writes an m x n matrix with a decaying spectrum (s_i = decay^i on `rank` directions plus a small
          noise floor) row block by row block, so the file may be far larger than memory. --chunk R C
          --gzip and --float32 make chunked / compressed / single-precision files.
seqread:  one process reads the whole dataset sequentially (H5Dread of row blocks through h5py into one
          reused buffer) and prints the seconds and GB/s: the reference a pass is compared with.
compare:  the largest relative difference of /svd/S (and of U, V) between two jointfact outputs.
onepass-bound: a one-pass result against the a-priori bound (see onepass_bound) for its sketch sizes.
bound-montecarlo: the same bound against the mean error of many independent sketches (numpy, in memory):
          the bound is on an expectation, so this checks the formula itself, not one draw.
"""
import argparse
import sys
import time

import h5py
import numpy as np


def generate(args):
    m, n, r = args.shape[0], args.shape[1], args.rank
    rng = np.random.default_rng(args.seed)
    v, _ = np.linalg.qr(rng.standard_normal((n, r)))
    right = (args.decay ** np.arange(r))[:, None] * v.T * np.sqrt(m)  # diag(s) V^T, rows of U ~ N(0, 1/m)
    block = max(1, (64 << 20) // (8 * n))
    noise = args.noise * rng.standard_normal((block, n))
    dtype = np.float32 if args.float32 else np.float64
    options = {}
    if args.chunk:
        options["chunks"] = tuple(args.chunk)
        block = max(block // args.chunk[0], 1) * args.chunk[0]
        noise = args.noise * rng.standard_normal((block, n))
    if args.gzip:
        options["compression"] = "gzip"
        options["compression_opts"] = 1
    with h5py.File(args.output, "w") as f:
        dset = f.create_dataset("/A", shape=(m, n), dtype=dtype, **options)
        for start in range(0, m, block):
            stop = min(m, start + block)
            left = rng.standard_normal((stop - start, r)) / np.sqrt(m)
            shift = (start // block) % n
            dset[start:stop, :] = (left @ right + np.roll(noise[: stop - start], shift, axis=1)).astype(dtype)
    print(f"wrote {args.output}:/A {m} x {n} {np.dtype(dtype).name}")


def seqread(args):
    with h5py.File(args.file, "r") as f:
        dset = f[args.dataset]
        m, n = dset.shape
        rows = max(1, (args.block_mb << 20) // (8 * n))
        if dset.chunks:
            rows = max(rows // dset.chunks[0], 1) * dset.chunks[0]
        buffer = np.empty((rows, n), dtype=np.float64)
        start_time = time.perf_counter()
        checksum = 0.0
        for start in range(0, m, rows):
            stop = min(m, start + rows)
            view = buffer[: stop - start]
            dset.read_direct(view, np.s_[start:stop, :])
            checksum += float(view[0, 0])
        seconds = time.perf_counter() - start_time
        gb = m * n * dset.dtype.itemsize / 1e9
    print(f"sequential read: {gb:.3f} GB in {seconds:.2f} s = {gb / seconds:.3f} GB/s (checksum {checksum:.3e})")


def compare(args):
    with h5py.File(args.first, "r") as a, h5py.File(args.second, "r") as b:
        s_a, s_b = a["/svd/S"][:], b["/svd/S"][:]
        s_diff = float(np.max(np.abs(s_a - s_b) / s_a))
        u_diff = float(np.max(np.abs(a["/svd/U"][:] - b["/svd/U"][:])))
        v_diff = float(np.max(np.abs(a["/svd/V"][:] - b["/svd/V"][:])))
    print(f"max relative difference of S: {s_diff:.3e}; max |dU| {u_diff:.3e}; max |dV| {v_diff:.3e}")
    return 0 if s_diff <= args.tol else 1


def expected_error_bound_sq(sigma, l, s):
    """(1 + l/(s-l-1)) min_{r < l-1} (1 + r/(l-r-1)) tau_{r+1}^2: the bound on E||A - Q X||_F^2."""
    tail_sq = np.concatenate([np.cumsum((sigma ** 2)[::-1])[::-1], [0.0]])  # tail_sq[r] = tau_{r+1}^2
    inner = min((1 + r / (l - r - 1)) * tail_sq[r] for r in range(0, l - 1))
    return (1 + l / (s - l - 1)) * inner, tail_sq


def bound_montecarlo(args):
    rng = np.random.default_rng(args.seed)
    m, n, k = args.shape[0], args.shape[1], args.rank
    l = k + args.oversample
    s = 2 * l + 1
    u, _ = np.linalg.qr(rng.standard_normal((m, n)))
    v, _ = np.linalg.qr(rng.standard_normal((n, n)))
    sigma = args.decay ** np.arange(n) + args.noise
    a = (u * sigma) @ v.T
    bound_sq, tail_sq = expected_error_bound_sq(sigma, l, s)
    full, truncated = [], []
    for _ in range(args.trials):
        q, _ = np.linalg.qr(a @ rng.standard_normal((n, l)))
        psi = rng.standard_normal((s, m))
        x = np.linalg.lstsq(psi @ q, psi @ a, rcond=None)[0]
        full.append(np.linalg.norm(a - q @ x) ** 2)
        ux, sx, vx = np.linalg.svd(x, full_matrices=False)
        truncated.append(np.linalg.norm(a - (q @ ux[:, :k] * sx[:k]) @ vx[:k]))
    norm_a = np.linalg.norm(a)
    print(f"{m} x {n}, s_i = {args.decay}^i + {args.noise}, k={k}, l={l}, s={s}, {args.trials} draws:")
    print(f"  mean ||A - Q X||_F^2 / ||A||_F^2 = {np.mean(full) / norm_a**2:.4e} <= bound {bound_sq / norm_a**2:.4e}")
    print(f"  mean ||A - [[Q X]]_k||_F / ||A||_F = {np.mean(truncated) / norm_a:.4e} <= bound "
          f"{(np.sqrt(tail_sq[k]) + 2 * np.sqrt(bound_sq)) / norm_a:.4e} (optimal {np.sqrt(tail_sq[k]) / norm_a:.4e})")
    return 0 if np.mean(full) <= bound_sq else 1


def onepass_bound(args):
    """Checks a one-pass result against the bound of Tropp, Yurtsever, Udell, Cevher (SIMAX 2017, Thm 4.3
    and Prop 6.1, Gaussian maps; the sketch the streaming 2019 paper builds on): for range sketch size l and
    co-range sketch size s,  E||A - Q X||_F^2 <= (1 + l/(s-l-1)) min_{r < l-1} (1 + r/(l-r-1)) tau_{r+1}^2(A),
    and the rank-k truncation obeys ||A - [[Q X]]_k||_F <= tau_{k+1}(A) + 2 ||A - Q X||_F."""
    with h5py.File(args.matrix, "r") as f:
        a = f[args.dataset][...].astype(np.float64)
    with h5py.File(args.result, "r") as f:
        u, s_k, v = f["/svd/U"][...], f["/svd/S"][...], f["/svd/V"][...]
        attrs = dict(f["/svd"].attrs)
    l, s = int(attrs["sketch_range"]), int(attrs["sketch_co_range"])
    k = len(s_k)
    sigma = np.linalg.svd(a, compute_uv=False)
    expected_sq, tail_sq = expected_error_bound_sq(sigma, l, s)
    bound = np.sqrt(tail_sq[k]) + 2 * np.sqrt(expected_sq)
    norm_a = np.linalg.norm(a)
    measured = np.linalg.norm(a - (u * s_k) @ v.T)
    print(f"one pass: k={k}, range sketch l={l}, co-range sketch s={s}")
    print("bound (relative): tau_(k+1) + 2 sqrt((1 + l/(s-l-1)) min_r (1 + r/(l-r-1)) tau_(r+1)^2) = "
          f"{bound / norm_a:.4e}")
    print(f"measured ||A - U S V^T||_F / ||A||_F = {measured / norm_a:.4e}; "
          f"optimal rank-k {np.sqrt(tail_sq[k]) / norm_a:.4e}; "
          f"a-posteriori estimate {attrs['one_pass_error_estimate']:.4e}")
    return 0 if measured <= bound else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    g = sub.add_parser("generate")
    g.add_argument("--output", required=True)
    g.add_argument("--shape", type=int, nargs=2, required=True)
    g.add_argument("--rank", type=int, default=40)
    g.add_argument("--decay", type=float, default=0.8)
    g.add_argument("--noise", type=float, default=1e-4)
    g.add_argument("--seed", type=int, default=1)
    g.add_argument("--chunk", type=int, nargs=2)
    g.add_argument("--gzip", action="store_true")
    g.add_argument("--float32", action="store_true")
    r = sub.add_parser("seqread")
    r.add_argument("file")
    r.add_argument("--dataset", default="/A")
    r.add_argument("--block-mb", type=int, default=64)
    c = sub.add_parser("compare")
    c.add_argument("first")
    c.add_argument("second")
    c.add_argument("--tol", type=float, default=1e-10)
    b = sub.add_parser("onepass-bound")
    b.add_argument("matrix")
    b.add_argument("result")
    b.add_argument("--dataset", default="/A")
    mc = sub.add_parser("bound-montecarlo")
    mc.add_argument("--shape", type=int, nargs=2, default=[1500, 300])
    mc.add_argument("--rank", type=int, default=10)
    mc.add_argument("--oversample", type=int, default=5)
    mc.add_argument("--decay", type=float, default=0.8)
    mc.add_argument("--noise", type=float, default=1e-4)
    mc.add_argument("--trials", type=int, default=200)
    mc.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    commands = {"generate": generate, "seqread": seqread, "compare": compare, "onepass-bound": onepass_bound,
                "bound-montecarlo": bound_montecarlo}
    return commands[args.command.replace("_", "-")](args) or 0


if __name__ == "__main__":
    sys.exit(main())
