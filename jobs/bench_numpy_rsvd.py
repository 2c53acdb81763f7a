#!/usr/bin/python3
"""numpy randomized SVD, the reference for `jointfact bench svd` (README "Performance").

The same algorithm and parameters as jointfact's randomized path (Halko-Martinsson-Tropp with a QR
after every product): l = k + p Gaussian columns, q power iterations, B^T = A^T Q, QR of B^T, SVD of its
l x l R factor, rotation. Only the computation is timed (best of --reps), not making the matrix.
OpenBLAS threads: --threads (default 2, the cores a 2-rank jointfact run uses; it overrides an
OPENBLAS_NUM_THREADS=1 from jobs/env.sh).

    /usr/bin/python3 jobs/bench_numpy_rsvd.py [--shape 4000,3000] [--rank 50] [--oversample 10]
                                              [--power-iters 2] [--reps 3] [--threads 2]
Prints a readable line and one JSON line {"bench": "numpy_rsvd", ...}; `products_seconds` times the 2q + 2
products with A alone (best of --reps), the counterpart of `jointfact bench svd`'s `thin_products` case.
"""
import argparse
import json
import os
import time


np = None  # imported in main(), once the thread count is set


def randomized_svd(a, k, p, q, rng):
    m, n = a.shape
    l = min(k + p, m, n)
    q_m, _ = np.linalg.qr(a @ rng.standard_normal((n, l)))
    for _ in range(q):
        q_n, _ = np.linalg.qr(a.T @ q_m)
        q_m, _ = np.linalg.qr(a @ q_n)
    q_b, r = np.linalg.qr(a.T @ q_m)  # B^T = A^T Q = Q_B R, so B = R^T Q_B^T
    u_r, s, v_rt = np.linalg.svd(r.T)  # B = (R^T) Q_B^T = U_r S (Q_B V_r)^T
    return q_m @ u_r[:, :k], s[:k], q_b @ v_rt.T[:, :k]


def products_only(a, l, q, rng):
    """The 2q + 2 products with A alone (no QR): what jointfact's `thin_products` case times."""
    x = rng.standard_normal((a.shape[1], l))
    for _ in range(q + 1):
        y = a @ x
        x = a.T @ y
    return x


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", default="4000,3000")
    parser.add_argument("--rank", type=int, default=50)
    parser.add_argument("--oversample", type=int, default=10)
    parser.add_argument("--power-iters", type=int, default=2)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    os.environ["OPENBLAS_NUM_THREADS"] = str(args.threads)  # before numpy loads OpenBLAS
    global np
    import numpy as np
    m, n = (int(x) for x in args.shape.split(","))
    rng = np.random.default_rng(1)
    # A low-rank + noise matrix like `jointfact generate --kind lowrank --rank 100 --noise 0.1`.
    r = min(100, m, n)
    a = rng.standard_normal((m, r)) @ rng.standard_normal((r, n)) + 0.1 * rng.standard_normal((m, n))
    times = []
    for _ in range(max(1, args.reps)):
        start = time.perf_counter()
        u, s, v = randomized_svd(a, args.rank, args.oversample, args.power_iters, rng)
        times.append(time.perf_counter() - start)
    residual = np.linalg.norm(a @ v - u * s) / np.linalg.norm(a)
    l = min(args.rank + args.oversample, m, n)
    product_times = []
    for _ in range(max(1, args.reps)):
        start = time.perf_counter()
        products_only(a, l, args.power_iters, rng)
        product_times.append(time.perf_counter() - start)
    best, median = min(times), float(np.median(times))
    threads = os.environ.get("OPENBLAS_NUM_THREADS")
    print(f"numpy randomized SVD {m}x{n} k={args.rank} p={args.oversample} q={args.power_iters}: "
          f"best {best:.4f} s, median {median:.4f} s over {len(times)} reps "
          f"(OPENBLAS_NUM_THREADS={threads}, residual {residual:.3e}); the {2 * args.power_iters + 2} products "
          f"alone: best {min(product_times):.4f} s")
    print(json.dumps({"bench": "numpy_rsvd", "case": "randomized", "m": m, "n": n, "k": args.rank,
                      "p": args.oversample, "q": args.power_iters, "threads": int(threads),
                      "reps": len(times), "seconds": best, "seconds_median": median,
                      "residual": float(residual), "products_seconds": min(product_times)}))


if __name__ == "__main__":
    main()
