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

    def forward(self, x, w2=None, w3=None):
        h1 = relu(x @ self.w[0].T + self.b[0])
        h2 = relu(h1 @ (self.w[1] if w2 is None else w2).T + self.b[1])
        return h1, h2, h2 @ (self.w[2] if w3 is None else w3).T + self.b[2]

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

    def evaluate(self, x, labels, w2=None, w3=None):
        logits = self.forward(x, w2, w3)[2]
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


def evaluate_file(network_file, path):
    """External evaluator: the whole network's training cross-entropy at hidden weight X = L R^T, and its
    gradient w.r.t. X, written into the file jointfact passes (protocol of `--objective external`)."""
    import h5py
    saved = np.load(network_file)
    net = Network(np.random.default_rng(0))
    net.w = [saved["w0"], saved["w1"], saved["w2"]]
    net.b = [saved["b0"], saved["b1"], saved["b2"]]
    with h5py.File(path, "r+") as f:
        x = f["L"][...] @ f["R"][...].T
        loss, gradient, _ = net.loss_and_layer_gradient(saved["x_train"], saved["y_train"], x)
        f["loss"] = float(loss)
        f["gradient"] = gradient


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--evaluate":
        evaluate_file(sys.argv[2], sys.argv[3])
        return
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jointfact", default=os.path.join(here, "..", "build", "jointfact"))
    parser.add_argument("--ranks", type=int, default=1)
    parser.add_argument("--ks", default="4,8,12,16")
    parser.add_argument("--work", default=None)
    parser.add_argument("--max-evals", type=int, default=40)
    parser.add_argument("--classifier-ks", default="2,3,4,5,6,7,8", help="output layer ranks ('' to skip)")
    parser.add_argument("--loss-tol", type=float, default=0.05, help="compact external tolerance (0 to skip)")
    parser.add_argument("--compact-rank", type=int, default=32)
    parser.add_argument("--methods", default="", help="comma-separated substrings of method names to run")
    args = parser.parse_args()
    from sklearn.datasets import load_digits  # here, not at the top: the evaluator mode does not need it
    from sklearn.model_selection import train_test_split
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
    h2_train = net.forward(x_train)[1]
    output_file = os.path.join(work, "output_layer.h5")
    export_layer(output_file, net.w[2], bias=net.b[2], samples=h2_train, labels=y_train)
    network_file = os.path.join(work, "network.npz")
    np.savez(network_file, w0=net.w[0], w1=net.w[1], w2=net.w[2], b0=net.b[0], b1=net.b[1], b2=net.b[2],
             x_train=x_train, y_train=y_train)
    evaluator = "%s %s --evaluate %s" % (shlex.quote(sys.executable), shlex.quote(os.path.abspath(__file__)),
                                         shlex.quote(network_file))
    activation_loss = lambda x_k: np.mean(  # noqa: E731
        (relu(h1_train @ x_k.T + net.b[1]) - relu(h1_train @ w2.T + net.b[1])) ** 2)

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
        "jointfact activation (relu) lossless eps 1": lambda k: run_jointfact(
            args, layer_file, os.path.join(work, "act.h5"), k,
            ["--objective", "activation", "--activation", "relu", "--samples", layer_file + ":samples", "--bias",
             layer_file + ":bias", "--mode", "lossless", "--eps-rel", "1"]),
        "jointfact external lossless eps 1": lambda k: run_jointfact(
            args, layer_file, os.path.join(work, "ext.h5"), k,
            ["--objective", "external", "--evaluator", evaluator, "--samples", layer_file + ":samples",
             "--mode", "lossless", "--eps-rel", "1", "--max-evals", str(args.max_evals)]),
        "jointfact gradient+curvature lossless eps 1": lambda k: run_jointfact(
            args, layer_file, os.path.join(work, "grad.h5"), k,
            ["--objective", "gradient", "--gradient", layer_file + ":gradient", "--curvature",
             layer_file + ":curvature", "--mode", "lossless", "--eps-rel", "1"]),
    }
    if args.methods:
        methods = {name: f for name, f in methods.items() if any(p in name for p in args.methods.split(","))}
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
            if attributes is not None and attributes.get("loss_kind") == "measured" and "evaluations" in attributes:
                mine = {"activation": lambda: activation_loss(x_k), "external": lambda: real_train_loss}
                measured_here = mine[attributes["objective"]]()
                agrees = abs(measured_here - attributes["loss_joint"]) <= 1e-6 * max(1.0, abs(measured_here))
                note = "reported %.6f (measured), numpy %.6f: %s; start %s %.6f; %d evaluations" % (
                    attributes["loss_joint"], measured_here, "agree" if agrees else "DISAGREE",
                    attributes["start"], attributes["loss_start"], attributes["evaluations"])
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
    if args.classifier_ks:
        classifier_table(args, net, output_file, h2_train, x_test, y_test, work)
    if args.loss_tol > 0:
        compact_comparison(args, net, layer_file, h1_train, x_train, y_train, evaluator, work)


def classifier_table(args, net, output_file, h2_train, x_test, y_test, work):
    """The output layer (10 x 256) under the classifier objective against that layer's whitened SVD."""
    ks = [int(v) for v in args.classifier_ks.split(",")]
    w3 = net.w[2]
    rows = {"whitened SVD (output layer)": [], "jointfact classifier lossless eps 1": []}
    for k in ks:
        rows["whitened SVD (output layer)"].append(net.evaluate(x_test, y_test, w3=whitened_svd(w3, h2_train, k)))
        t = time.perf_counter()
        x_k, attributes = run_jointfact(args, output_file, os.path.join(work, "cls.h5"), k,
                                        ["--objective", "classifier", "--samples", output_file + ":samples",
                                         "--labels", output_file + ":labels", "--bias", output_file + ":bias",
                                         "--mode", "lossless", "--eps-rel", "1"])
        logits = h2_train @ x_k.T + net.b[2]
        numpy_loss = softmax_loss(logits, np.asarray(attributes_labels(output_file)))[0]
        rows["jointfact classifier lossless eps 1"].append(net.evaluate(x_test, y_test, w3=x_k))
        print("classifier k=%d: test acc %.4f, reported training CE %.6f (measured; numpy %.6f: %s), start %s %.6f, "
              "%.2f s" % (k, rows["jointfact classifier lossless eps 1"][-1][0], attributes["loss_joint"], numpy_loss,
                          "agree" if abs(numpy_loss - attributes["loss_joint"]) <= 1e-6 else "DISAGREE",
                          attributes["start"], attributes["loss_start"], time.perf_counter() - t), flush=True)
    print("\n| output layer (test accuracy / test loss) | " + " | ".join("k=%d" % k for k in ks) + " | mean acc |")
    print("|---|" + "---|" * (len(ks) + 1))
    for name, values in rows.items():
        print("| %s | %s | %.4f |" % (name, " | ".join("%.3f / %.3f" % v for v in values),
                                     np.mean([v[0] for v in values])))


def attributes_labels(layer_file):
    import h5py
    with h5py.File(layer_file, "r") as f:
        return f["labels"][...].ravel().astype(int)


def compact_comparison(args, net, layer_file, h1_train, x_train, y_train, evaluator, work):
    """Compact mode on the whole network's measured training loss against the smallest k at which the
    whitened SVD meets the same tolerance."""
    original = net.loss_and_layer_gradient(x_train, y_train, net.w[1])[0]
    threshold = original + args.loss_tol
    whitened_k = None
    for k in range(1, args.compact_rank + 1):
        if net.loss_and_layer_gradient(x_train, y_train, whitened_svd(net.w[1], h1_train, k))[0] <= threshold:
            whitened_k = k
            break
    t = time.perf_counter()
    x_k, attributes = run_jointfact(args, layer_file, os.path.join(work, "compact.h5"), args.compact_rank,
                                    ["--objective", "external", "--evaluator", evaluator, "--samples",
                                     layer_file + ":samples", "--mode", "compact", "--eps-rel", "1", "--loss-tol",
                                     str(args.loss_tol), "--max-evals", str(args.max_evals)])
    real = net.loss_and_layer_gradient(x_train, y_train, x_k)[0]
    print("\ncompact external, loss-tol %g: training loss at W %.6f, threshold %.6f" % (args.loss_tol, original, threshold))
    print("  jointfact: k = %d (found %s), reported training loss %.6f (measured), numpy %.6f, within tol: %s, "
          "%d evaluations, %.1f s" % (attributes["rank"], bool(attributes["compact_found"]), attributes["loss_joint"],
                                      real, real <= threshold + 1e-9, attributes["evaluations"],
                                      time.perf_counter() - t))
    print("  whitened SVD: smallest k meeting the tolerance = %s" % whitened_k)


if __name__ == "__main__":
    main()
