#!/usr/bin/python3
"""Scale-out model of jointfact's randomized SVD (README "Performance"), checked against the bytes per rank
measured on this machine, then used to predict a 200000 x 100000, rank-500 SVD on 16 and 64 nodes.

    /usr/bin/python3 jobs/scale_model.py [build/bench-results/results.jsonl] [--rate TFLOPS] [--bandwidth GBS]
                                         [--latency US] [--floor-ratio F]

Communication (2-D block-cyclic, Pr x Pc grid). The randomized SVD makes 2q + 2 passes over A, each a
product of A (m x n) with a thin l-column matrix (l = k + p; src/distributed/thin_product.cpp). A stays in
place: for Y = A X each rank needs the n/Pc x l rows of X matching its columns of A (one all-to-all from
the ranks that hold X's rows, src/distributed/thin_exchange.cpp; only moves when Pr > 1), does one local dgemm,
and its m/Pr x l partial product is summed across its process row (one reduce; only when Pc > 1); A^T Q
is the same with the roles swapped (Q broadcast along process rows, the n-side partials summed by one
all-to-all). Words sent per rank per pass:
    V = l * (m / Pr * [Pc > 1] + n / Pc * [Pr > 1])
The thin QRs (CholeskyQR2, src/distributed/cholesky_qr.cpp) reduce one l x l Gram matrix per pass over the
Pr ranks of one process column: O(l^2) words, negligible at this scale; they cost latency and local
level-3 work instead (below).

Time on N nodes (node-level grid, one MPI rank per node with threaded BLAS; intra-node traffic free):
    T = f * flops_gemm / (N R)                               products with A, at the measured floor ratio f
      + (2q + 2) * c * 8 V / B                               bandwidth (c: measured / modelled bytes here)
      + (2q + 2) * alpha * (log2 Pc + Pr Pc - 1)            per pass a broadcast or reduce along process rows
                                                             and an all-to-all (at most P - 1 messages)
      + (2q + 2) * 2 * [6 x l^2 / (Pr R) + 8 l^2 / B + 2 alpha log2 Pr]   CholeskyQR2 of an x x l block
      + 22 l^3 / R1                                          the l x l SVD on one rank (Eigen, one core)
with x = m or n for the QR of an m x l or n x l block: per pass a Gram product (2 x l^2 flops) and a
triangular solve (x l^2) on the Pr ranks of one process column, and one l x l reduce + broadcast. The
thin matrices keep all l columns in one block column (src/svd/randomized_svd.cpp), so every QR, the
projection's of B^T included, is CholeskyQR2 (Householder only where it declines: cond > ~1e7).
Parallel efficiency = T(1 node) / (N T(N nodes)).
"""
import argparse
import json
import math


def words_per_pass(m, n, l, pr, pc):
    return l * (m / pr * (pc > 1) + n / pc * (pr > 1))


def best_grid(nodes, m, n, l):
    """The Pr x Pc = nodes with the least traffic per rank (ties: the squarer one)."""
    shapes = [(pr, nodes // pr) for pr in range(1, nodes + 1) if nodes % pr == 0]
    return min(shapes, key=lambda s: (words_per_pass(m, n, l, *s), abs(s[0] - s[1])))


def predict(m, n, k, p, q, nb, nodes, a):
    l = k + p
    pr, pc = best_grid(nodes, m, n, l)
    passes = 2 * q + 2
    gemm_flops = passes * 2.0 * m * n * l
    t_gemm = a.floor_ratio * gemm_flops / (nodes * a.rate * 1e12)
    t_bw = passes * a.traffic_factor * 8 * words_per_pass(m, n, l, pr, pc) / (a.bandwidth * 1e9)
    t_lat = passes * a.latency * 1e-6 * (math.log2(pc) + pr * pc - 1)
    t_qr = 0.0
    for x in [m] * (q + 1) + [n] * (q + 1):  # the last n x l one is the projection's QR of B^T
        local = 6.0 * x * l * l / (pr * a.rate * 1e12)
        reduce = 8.0 * l * l / (a.bandwidth * 1e9) + 2 * a.latency * 1e-6 * math.log2(pr)
        t_qr += 2 * (local + reduce)
    t_small = 22.0 * l ** 3 / (a.serial_rate * 1e9)
    parts = {"gemm": t_gemm, "bandwidth": t_bw, "latency": t_lat, "qr": t_qr, "small_svd": t_small}
    return (pr, pc), sum(parts.values()), parts, gemm_flops


def measured_traffic(path):
    """bytes_sent_max of the randomized svd at reps = 1 per rank count (jobs/bench.sh's traffic step)."""
    found = {}
    try:
        with open(path) as f:
            for line in f:
                if not line.startswith("{"):
                    continue
                r = json.loads(line)
                if r.get("bench") == "svd" and r.get("case") == "randomized" and r.get("reps") == 1:
                    found[r["ranks"]] = r
    except FileNotFoundError:
        pass
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", nargs="?", default="build/bench-results/results.jsonl")
    parser.add_argument("--rate", type=float, default=3.0, help="DGEMM TFLOP/s per node (2 x 64-core EPYC ~ 3)")
    parser.add_argument("--bandwidth", type=float, default=20.0, help="GB/s per node (HDR InfiniBand 200 Gb/s)")
    parser.add_argument("--latency", type=float, default=2.0, help="microseconds per message hop")
    parser.add_argument("--serial-rate", type=float, default=10.0, help="GFLOP/s of the l x l SVD on one core")
    parser.add_argument("--floor-ratio", type=float, default=1.5,
                        help="time / DGEMM floor of the products (measured here; README)")
    parser.add_argument("--block", type=int, default=64)
    args = parser.parse_args()

    # 1. The traffic model against this machine's measurements (4000 x 3000, k = 50, p = 10, q = 2).
    measured = measured_traffic(args.results)
    ratios = []
    print("Traffic per rank, randomized SVD 4000 x 3000, k = 50, p = 10, q = 2 (6 passes):")
    print("| P | grid | model MiB | measured MiB (max) | measured (mean) | max / model |")
    print("|---|---|---|---|---|---|")
    for p in sorted(measured) or [1, 2, 4, 8]:
        r = measured.get(p)
        pr, pc = (int(x) for x in r["grid"].split("x")) if r else best_grid(p, 4000, 3000, 60)
        model = 6 * 8 * words_per_pass(4000, 3000, 60, pr, pc) / 2**20
        if r:
            got, mean = r["bytes_sent_max"] / 2**20, r["bytes_sent_mean"] / 2**20
            ratio = got / model if model > 0 else float("nan")
            if model > 0:
                ratios.append(ratio)
            print(f"| {p} | {pr}x{pc} | {model:.2f} | {got:.2f} | {mean:.2f} | {ratio:.2f} |")
        else:
            print(f"| {p} | {pr}x{pc} | {model:.2f} | - | - | - |")
    args.traffic_factor = max(ratios) if ratios else 1.25
    print(f"\ntraffic factor c = {args.traffic_factor:.2f} (largest measured / model; applied below)\n")

    # 2. The prediction.
    m, n, k, p, q = 200000, 100000, 500, 10, 2
    print(f"Prediction: {m} x {n}, k = {k}, p = {p}, q = {q}, block {args.block}; per node {args.rate} TFLOP/s "
          f"DGEMM, {args.bandwidth} GB/s, {args.latency} us latency, "
          f"floor ratio {args.floor_ratio}")
    print(f"A = {8 * m * n / 1e9:.0f} GB")
    t1 = predict(m, n, k, p, q, args.block, 1, args)[1]
    print("| nodes | grid | GB of A per node | predicted s | gemm | comm (bw + lat) | qr | small svd | "
          "parallel efficiency |")
    print("|---|---|---|---|---|---|---|---|---|")
    for nodes in [1, 16, 64]:
        (pr, pc), total, parts, _ = predict(m, n, k, p, q, args.block, nodes, args)
        eff = t1 / (nodes * total)
        print(f"| {nodes} | {pr}x{pc} | {8 * m * n / 1e9 / nodes:.1f} | {total:.2f} | {parts['gemm']:.2f} | "
              f"{parts['bandwidth'] + parts['latency']:.3f} | {parts['qr']:.2f} | {parts['small_svd']:.2f} | "
              f"{eff:.2f} |")


if __name__ == "__main__":
    main()
