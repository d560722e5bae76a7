"""Assignment 2: the package you fill in.

Modules
-------
layers        affine, ReLU, batch and layer normalization, dropout, convolution,
              max pooling, spatial batch normalization and group normalization
layer_utils   "sandwich" layers combining the ones above (provided, nothing to write)
optim         update rules: SGD with momentum, Nesterov momentum, AdaGrad, RMSProp, Adam
fc_net        a fully-connected network of any depth, with dropout and normalization
cnn           a three-layer convolutional network
"""

from pathlib import Path


def hello():
    """Print a line showing that the notebook imports this package, and from where."""
    print(f"Hello from a2! The notebook is using the package in {Path(__file__).resolve().parent}")
