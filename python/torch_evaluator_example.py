#!/usr/bin/env python3
"""Worked example of jointfact's external evaluator protocol with PyTorch (PyTorch is needed only to run
this script; jointfact itself never imports it).

    jointfact joint --input layer.h5:W --output out.h5 --rank 16 --objective external \\
        --evaluator "python3 python/torch_evaluator_example.py model.pt data.pt hidden.weight" \\
        --samples layer.h5:samples --mode lossless --eps-rel 1

jointfact appends the path of an HDF5 file holding /L (m, k) and /R (n, k). This script sets the named
parameter to X = L R^T, computes the model's mean training loss over the data, and writes /loss (scalar),
/gradient (m, n) = d loss / d X (and could write /curvature, m x n >= 0, e.g. squared gradients) into the
same file. Any failure: a message on stderr and a non-zero exit; jointfact stops with that message.

model.pt: a whole model saved with torch.save(model); data.pt: torch.save((inputs, labels)).
"""
import sys

import h5py
import numpy as np
import torch


def main():
    model_file, data_file, parameter_name, path = sys.argv[1:5]
    model = torch.load(model_file, weights_only=False)
    inputs, labels = torch.load(data_file)
    model.eval()
    parameter = dict(model.named_parameters())[parameter_name]
    with h5py.File(path, "r+") as f:
        x = torch.from_numpy(f["L"][...] @ f["R"][...].T).to(parameter.dtype)
        if tuple(x.shape) != tuple(parameter.shape):
            sys.exit("shape %s does not match %s %s" % (tuple(x.shape), parameter_name, tuple(parameter.shape)))
        with torch.no_grad():
            parameter.copy_(x)
        model.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(inputs), labels)  # mean over the training set
        loss.backward()
        f["loss"] = float(loss.item())
        f["gradient"] = parameter.grad.detach().double().cpu().numpy()


if __name__ == "__main__":
    main()
