#!/usr/bin/python3
"""Summarise jobs/bench.sh results (JSON lines) against issue #8's targets, as a Markdown table.

    /usr/bin/python3 jobs/bench_summary.py build/bench-results/results.jsonl
Each figure is a ratio of two timings taken back to back in one run; the latest record of a case wins.
"""
import json
import statistics
import sys


def load(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.startswith("{")]


def last(records, **match):
    hits = [r for r in records if all(r.get(k) == v for k, v in match.items())]
    return hits[-1] if hits else None


def row(name, target, value, ok, detail):
    verdict = "-" if ok is None else ("met" if ok else "MISSED")
    shown = "-" if value is None else f"{value:.3g}"
    print(f"| {name} | {target} | {shown} | {verdict} | {detail} |")


def numpy_pairs(records, svd, products):
    """(numpy record, the jointfact randomized record right after it, the thin_products record after that or
    None) for each pair of the latest numpy step."""
    starts = [i for i, r in enumerate(records) if r["bench"] == "numpy_pairs_start"]
    first = starts[-1] if starts else max((i for i, r in enumerate(records) if r["bench"] == "numpy_rsvd"), default=0)
    pairs = []
    for i in range(first, len(records)):
        if records[i]["bench"] != "numpy_rsvd":
            continue
        after = [r for r in records[i + 1:] if r in svd]
        if after:
            product = next((r for r in records[i + 1:] if r in products), None)
            pairs.append((records[i], after[0], product))
    return pairs


def main():
    records = load(sys.argv[1] if len(sys.argv) > 1 else "build/bench-results/results.jsonl")
    print("| figure | target | measured | verdict | detail |")
    print("|---|---|---|---|---|")
    svd = [r for r in records if r["bench"] == "svd" and r["case"] == "randomized" and r["ranks"] == 2
           and (r["m"], r["n"]) == (4000, 3000)]
    with_ref = [r for r in svd if "speedup_vs_pdgesvd" in r]
    if with_ref:
        r = with_ref[-1]
        row("randomized SVD vs pdgesvd (4000x3000, k=50, 2 ranks)", ">= 100x", r["speedup_vs_pdgesvd"],
            r["speedup_vs_pdgesvd"] >= 100, f"{r['seconds']:.3f} s vs {r['pdgesvd_seconds']:.1f} s")
        if "speedup_vs_exact" in r:
            row("randomized SVD vs exact fast path", "(info)", r["speedup_vs_exact"], None,
                f"exact {r['exact_seconds']:.2f} s")
        exact = last(records, bench="svd", case="exact", m=4000, n=3000, ranks=2)
        if exact and "speedup_vs_pdgesvd" in exact:
            row("exact fast path vs pdgesvd", "(info)", exact["speedup_vs_pdgesvd"], None,
                f"{exact['seconds']:.2f} s vs {exact['pdgesvd_seconds']:.1f} s")
    products = [r for r in records if r["bench"] == "svd" and r["case"] == "thin_products" and r["ranks"] == 2
                and (r["m"], r["n"]) == (4000, 3000)]
    pairs = numpy_pairs(records, svd, products)
    if pairs:
        ratios = sorted(n["seconds"] / j["seconds"] for n, j, _ in pairs)
        median = statistics.median(ratios)
        row("randomized SVD vs numpy (2 OpenBLAS threads)", ">= 1.5x", median, median >= 1.5,
            f"median of {len(pairs)} alternating pairs (best of each side): " + ", ".join(f"{x:.2f}" for x in ratios)
            + f"; jointfact {min(j['seconds'] for _, j, _ in pairs):.3f}-{max(j['seconds'] for _, j, _ in pairs):.3f} s, "
            f"numpy {min(n['seconds'] for n, _, _ in pairs):.3f}-{max(n['seconds'] for n, _, _ in pairs):.3f} s")
    product_pairs = [(n, p) for n, _, p in pairs if p and "products_seconds" in n]
    if product_pairs:
        ratios = sorted(n["products_seconds"] / p["seconds"] for n, p in product_pairs)
        row("... the 2q + 2 products alone, numpy / jointfact (what bounds the ratio above)", "(info)",
            statistics.median(ratios), None,
            f"median of {len(ratios)} pairs: " + ", ".join(f"{x:.2f}" for x in ratios)
            + f"; jointfact {min(p['seconds'] for _, p in product_pairs):.3f}-"
            f"{max(p['seconds'] for _, p in product_pairs):.3f} s "
            f"({statistics.median(p['share_of_randomized'] for _, p in product_pairs):.0%} of its SVD), numpy "
            f"{min(n['products_seconds'] for n, _ in product_pairs):.3f}-"
            f"{max(n['products_seconds'] for n, _ in product_pairs):.3f} s")
    timed = [r for r in svd if r["reps"] > 1]  # not the traffic runs (one rep, small DGEMM)
    if timed:
        ratios = sorted(r["floor_ratio"] for r in timed)
        median = ratios[len(ratios) // 2]
        row("randomized SVD time / DGEMM floor", "<= 1.5", median, median <= 1.5,
            f"median of {len(ratios)} runs: " + ", ".join(f"{x:.2f}" for x in ratios))
    joint = last(records, bench="joint", case="rowsum", m=4000, n=3000, ranks=2)
    if joint:
        row("joint iterations (rowsum, k=50) / GEMM floor", "<= 1.5", joint["floor_ratio"],
            joint["floor_ratio"] <= 1.5,
            f"{joint['seconds_per_iteration'] * 1e3:.1f} ms/iteration, {joint['gflops']:.1f} vs "
            f"{joint['dgemm_gflops']:.1f} GFLOP/s")
    for n, limit in [(1024, 0.5), (4096, 5.0)]:
        r = last(records, bench="butterfly_cli", m=n)
        if r:
            row(f"butterfly command N={n}, 2 ranks (s)", f"< {limit} s", r["seconds"], r["seconds"] < limit,
                "whole `mpirun ... jointfact butterfly`, best of 3")
        r = last(records, bench="butterfly", case="balanced", m=n, ranks=2)
        if r:
            row(f"butterfly N={n} in memory / (J passes)", "(info)", r["floor_ratio"], None,
                f"{r['seconds']:.3f} s, rel_error {r['rel_error']:.1e}")
    mem = last(records, bench="svd_memory")
    if mem:
        row("peak RSS per rank P=4 / P=1 (8000x4000 svd)", "<= 0.40", mem["ratio"], mem["ratio"] <= 0.40,
            "jobs/measure-svd-memory.sh")
    for m, n in [(4000, 3000), (8000, 4000)]:
        r = last(records, bench="io", case="read_matrix", m=m, n=n)
        if r:
            e = r["speedup_vs_h5read_1rank"]
            row(f"read_matrix {m}x{n} speed / sequential H5Dread", ">= 0.5", e, e >= 0.5,
                f"{r['gbytes_per_second']:.2f} GB/s; vs read(2): {r['speedup_vs_posix_read_1rank']:.2f}")
    traffic = [r for r in records if r["bench"] == "svd" and r["case"] == "randomized" and r["reps"] == 1]
    if traffic:
        print()
        print("| P | grid | MiB sent per rank (max) | (mean) | peak RSS MiB (max) | share MiB |")
        print("|---|---|---|---|---|---|")
        seen = {}
        for r in traffic:
            seen[r["ranks"]] = r
        for p in sorted(seen):
            r = seen[p]
            print(f"| {p} | {r['grid']} | {r['bytes_sent_max'] / 2**20:.2f} | {r['bytes_sent_mean'] / 2**20:.2f} | "
                  f"{r['peak_rss_max_bytes'] / 2**20:.1f} | {r['share_max_bytes'] / 2**20:.1f} |")


if __name__ == "__main__":
    main()
