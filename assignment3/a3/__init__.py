"""Assignment 3: the package you fill in.

Modules
-------
rnn_layers      the recurrent layers: vanilla RNN, LSTM and GRU (step by step and over a
                whole sequence), word embeddings, the temporal affine layer, the masked
                temporal softmax loss and gradient clipping
captioning_rnn  an image-captioning model built from those layers, with sampling
"""

from pathlib import Path


def hello():
    """Print a line showing that the notebook imports this package, and from where."""
    print(f"Hello from a3! The notebook is using the package in {Path(__file__).resolve().parent}")
