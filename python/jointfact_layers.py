"""Export a neural-network layer to jointfact's HDF5 layout and load the factors back.

numpy + h5py only; PyTorch tensors are accepted wherever an array is (converted with .detach().cpu()).

A linear layer y = x W^T + b has W (m x n: m outputs, n inputs). jointfact factors W ~ L R^T
(L: m x k, R: n x k), so the compressed layer is two linear maps: x -> x R (k), then -> (x R) L^T + b.

Layout written by export_layer (every dataset float64, 2-D):
  /W          (m, n)  the weight
  /bias       (m, 1)  optional
  /samples    (s, n)  optional calibration inputs x (one row per sample)
  /responses  (s, m)  optional, = samples W^T (for --objective regression: the activation-aware loss)
  /labels     (s, 1)  optional integer class labels (stored as float64)
  /gradient   (m, n)  optional dLoss/dW, /curvature (m, n) optional diagonal curvature (e.g. Fisher)
"""
import numpy as np
import h5py


def _array(value):
    if hasattr(value, "detach"):  # a torch.Tensor
        value = value.detach().cpu().numpy()
    return np.asarray(value, dtype=np.float64)


def export_layer(path, weight, bias=None, samples=None, labels=None, gradient=None, curvature=None,
                 responses=True):
    """Writes a layer (and what the objectives need) to `path`; returns the dataset names written."""
    w = _array(weight)
    if w.ndim != 2:
        raise ValueError("weight must be 2-D (outputs x inputs), got shape %s" % (w.shape,))
    written = {"W": w}
    if bias is not None:
        written["bias"] = _array(bias).reshape(-1, 1)
    if samples is not None:
        x = _array(samples)
        if x.ndim != 2 or x.shape[1] != w.shape[1]:
            raise ValueError("samples must be s x n with n = %d inputs, got %s" % (w.shape[1], x.shape))
        written["samples"] = x
        if responses:
            written["responses"] = x @ w.T
    if labels is not None:
        written["labels"] = _array(labels).reshape(-1, 1)
    if gradient is not None:
        written["gradient"] = _array(gradient)
    if curvature is not None:
        written["curvature"] = _array(curvature)
    with h5py.File(path, "w") as f:
        for name, value in written.items():
            f.create_dataset(name, data=value)
    return sorted(written)


def load_factors(path, group="/joint"):
    """Returns (L, R, attributes) from a jointfact output file: W ~ L @ R.T."""
    with h5py.File(path, "r") as f:
        g = f[group]
        attributes = {key: (value.decode() if isinstance(value, bytes) else value) for key, value in g.attrs.items()}
        return np.array(g["L"]), np.array(g["R"]), attributes


def compressed_weight(path, group="/joint"):
    """L R^T, the compressed weight (m x n), for evaluating the layer as one matrix."""
    l, r, _ = load_factors(path, group)
    return l @ r.T
