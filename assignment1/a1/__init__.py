"""Assignment 1: the package you fill in.

Modules
-------
knn                k-nearest-neighbour classifier
linear_svm         multiclass SVM (hinge) loss, naive and vectorized
softmax            softmax (cross-entropy) loss, naive and vectorized
linear_classifier  minibatch SGD training and prediction for linear classifiers
layers             affine and ReLU layers, SVM and softmax losses
two_layer_net      a two-layer fully-connected network built from the layers
"""

from pathlib import Path


def hello():
    """Print a line showing that the notebook imports this package, and from where."""
    print(f"Hello from a1! The notebook is using the package in {Path(__file__).resolve().parent}")
