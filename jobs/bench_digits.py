#!/usr/bin/env python3
"""Real-task benchmark of the joint stage: a 64-256-256-10 ReLU network trained with numpy on
scikit-learn's bundled digits (deterministic), its hidden 256 x 256 layer compressed to rank k with plain
SVD, whitened SVD (numpy) and jointfact's objectives; prints test accuracy, test loss and time per method.

Usage: jobs/bench_digits.py [--jointfact build/jointfact] [--ranks 1] [--ks 4,8,12,16] [--work DIR]
Needs /usr/bin/python3 with numpy, h5py, scikit-learn (Debian python3-sklearn).
"""
import argparse
import os
import shlex
import subprocess
import sys
import tempfile
import time

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
from jointfact_layers import export_layer, load_factors  # noqa: E402

relu = lambda z: np.maximum(z, 0)  # noqa: E731


def softmax_loss(logits, labels):
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return -log_p[np.arange(len(labels)), labels].mean(), np.exp(log_p)


class Network:
    """x -> relu(x W1^T + b1) -> relu(. W2^T + b2) -> . W3^T + b3 (logits)."""

    def __init__(self, rng):
        sizes = [64, 256, 256, 10]
        self.w = [rng.standard_normal((o, i)) * np.sqrt(2.0 / i) for i, o in zip(sizes[:-1], sizes[1:])]
        self.b = [np.zeros(o) for o in sizes[1:]]

    def forward(self, x, w2=None):
        h1 = relu(x @ self.w[0].T + self.b[0])
        h2 = relu(h1 @ (self.w[1] if w2 is None else w2).T + self.b[1])
        return h1, h2, h2 @ self.w[2].T + self.b[2]

    def loss_and_layer_gradient(self, x, labels, w2):
        """Training loss at hidden weight w2, its gradient w.r.t. w2 and the empirical Fisher diagonal."""
        h1, h2, logits = self.forward(x, w2)
        loss, p = softmax_loss(logits, labels)
        d3 = p.copy()
        d3[np.arange(len(labels)), labels] -= 1  # per-sample dCE_i/dlogits
        d2 = (d3 @ self.w[2]) * (h2 > 0)          # per-sample dCE_i/dz2
        s = len(labels)
        gradient = d2.T @ h1 / s
        fisher = (d2 ** 2).T @ (h1 ** 2) / s
        return loss, gradient, fisher

    def train(self, x, labels, steps=400, lr=2e-3):
        params = self.w + self.b
        m = [np.zeros_like(p) for p in params]
        v = [np.zeros_like(p) for p in params]
        for t in range(1, steps + 1):
            h1, h2, logits = self.forward(x)
            _, p = softmax_loss(logits, labels)
            d3 = p.copy()
            d3[np.arange(len(labels)), labels] -= 1
            d3 /= len(labels)
            d2 = (d3 @ self.w[2]) * (h2 > 0)
            d1 = (d2 @ self.w[1]) * (h1 > 0)
            grads = [d1.T @ x, d2.T @ h1, d3.T @ h2, d1.sum(0), d2.sum(0), d3.sum(0)]
            for i, (param, g) in enumerate(zip(params, grads)):
                m[i] = 0.9 * m[i] + 0.1 * g
                v[i] = 0.999 * v[i] + 0.001 * g * g
                param -= lr * (m[i] / (1 - 0.9 ** t)) / (np.sqrt(v[i] / (1 - 0.999 ** t)) + 1e-8)

    def evaluate(self, x, labels, w2=None):
        logits = self.forward(x, w2)[2]
        loss, _ = softmax_loss(logits, labels)
        return (logits.argmax(axis=1) == labels).mean(), loss


def truncated(a, k):
    u, s, vt = np.linalg.svd(a, full_matrices=False)
    return (u[:, :k] * s[:k]) @ vt[:k]


def whitened_svd(w, samples, k):
    """The closed-form optimum of (1/s)||Xs X^T - Xs W^T||^2 over rank k: [W S^(1/2)]_k S^(-1/2)."""
    gram = samples.T @ samples / len(samples)
    d, q = np.linalg.eigh(gram)
    d = np.maximum(d, 1e-12 * d.max())
    return truncated(w @ (q * np.sqrt(d)) @ q.T, k) @ (q / np.sqrt(d)) @ q.T


def run_jointfact(args, layer_file, out, k, extra):
    command = [args.jointfact, "joint", "--input", layer_file + ":W", "--output", out, "--rank", str(k), "--quiet"] + extra
    if args.ranks > 1:
        command = ["mpirun", "--oversubscribe", "-np", str(args.ranks)] + command
    if os.path.exists(out):
        os.remove(out)
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError("jointfact failed (%d): %s" % (done.returncode, (done.stderr or done.stdout).strip()[-400:]))
    l, r, attributes = load_factors(out)
    return l @ r.T, attributes


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jointfact", default=os.path.join(here, "..", "build", "jointfact"))
    parser.add_argument("--ranks", type=int, default=1)
    parser.add_argument("--ks", default="4,8,12,16")
    parser.add_argument("--work", default=None)
    args = parser.parse_args()
    work = args.work or tempfile.mkdtemp(prefix="jointfact-digits-")
    os.makedirs(work, exist_ok=True)

    digits = load_digits()
    x = digits.data / 16.0
    x_train, x_test, y_train, y_test = train_test_split(x, digits.target, test_size=0.2, random_state=0,
                                                        stratify=digits.target)
    t0 = time.perf_counter()
    net = Network(np.random.default_rng(0))
    net.train(x_train, y_train)
    w2 = net.w[1]
    acc, loss = net.evaluate(x_test, y_test)
    train_loss, gradient, fisher = net.loss_and_layer_gradient(x_train, y_train, w2)
    print("trained in %.1f s: test accuracy %.4f, test loss %.4f, training loss %.4f"
          % (time.perf_counter() - t0, acc, loss, train_loss))
    h1_train = net.forward(x_train)[0]
    layer_file = os.path.join(work, "layer.h5")
    export_layer(layer_file, w2, bias=net.b[1], samples=h1_train, labels=y_train, gradient=gradient, curvature=fisher)

    methods = {
        "plain SVD": lambda k: (truncated(w2, k), None),
        "whitened SVD": lambda k: (whitened_svd(w2, h1_train, k), None),
        "jointfact regression lossless eps 1": lambda k: run_jointfact(
            args, layer_file, os.path.join(work, "reg.h5"), k,
            ["--objective", "regression", "--samples", layer_file + ":samples", "--responses",
             layer_file + ":responses", "--mode", "lossless", "--eps-rel", "1"]),
        "jointfact regression penalty lambda 1e6": lambda k: run_jointfact(
            args, layer_file, os.path.join(work, "regp.h5"), k,
            ["--objective", "regression", "--samples", layer_file + ":samples", "--responses",
             layer_file + ":responses", "--lambda", "1e6"]),
        "jointfact gradient+curvature lossless eps 1": lambda k: run_jointfact(
            args, layer_file, os.path.join(work, "grad.h5"), k,
            ["--objective", "gradient", "--gradient", layer_file + ":gradient", "--curvature",
             layer_file + ":curvature", "--mode", "lossless", "--eps-rel", "1"]),
    }
    ks = [int(v) for v in args.ks.split(",")]
    rows = []
    for name, method in methods.items():
        for k in ks:
            t = time.perf_counter()
            x_k, attributes = method(k)
            seconds = time.perf_counter() - t
            test_acc, test_loss = net.evaluate(x_test, y_test, x_k)
            real_train_loss = net.loss_and_layer_gradient(x_train, y_train, x_k)[0]
            note = ""
            if attributes is not None and attributes.get("objective") == "gradient":
                predicted = attributes["loss_joint"]  # the proxy's <G, X - W> + ...: a prediction
                note = "proxy predicted dLoss %+.4f (%s), measured %+.4f" % (
                    predicted, attributes.get("loss_kind", "predicted"), real_train_loss - train_loss)
            rows.append((name, k, test_acc, test_loss, real_train_loss, seconds, note))
            print("%-44s k=%2d  test acc %.4f  test loss %.4f  train loss %.4f  %6.2f s  %s"
                  % rows[-1], flush=True)
    print("\n| method (test accuracy / test loss) | " + " | ".join("k=%d" % k for k in ks) + " | mean acc |")
    print("|---|" + "---|" * (len(ks) + 1))
    for name in methods:
        mine = [r for r in rows if r[0] == name]
        print("| %s | %s | %.4f |" % (name, " | ".join("%.3f / %.3f" % (r[2], r[3]) for r in mine),
                                     np.mean([r[2] for r in mine])))
    print("(original network: test accuracy %.4f, test loss %.4f)" % (acc, loss))


if __name__ == "__main__":
    main()
