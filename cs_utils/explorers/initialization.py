"""Activation statistics, layer by layer, of a deep net at initialization.

A batch of unit-Gaussian inputs goes through ``num_layers`` fully-connected layers of
``width`` units (no biases), each followed by tanh or ReLU. Every weight is drawn from
a Gaussian of standard deviation

- ``scale`` for the scheme "constant" (the same small number for every layer),
- ``scale * sqrt(1 / fan_in)`` for "xavier",
- ``scale * sqrt(2 / fan_in)`` for "he",

so ``scale`` is the standard deviation itself for "constant" and a gain (1 is the
textbook choice) for the other two.
"""

import numpy as np
from matplotlib.figure import Figure

from cs_utils.checks import integer_at_least
from cs_utils.explorers.controls import ChoiceControl, FloatControl, IntControl
from cs_utils.explorers.frontend import show_explorer

SCHEMES = ("constant", "xavier", "he")
NONLINEARITIES = ("tanh", "relu")
WIDTH = 256
NUM_SAMPLES = 300
HISTOGRAM_LAYERS = 5      # histograms for this many layers, spread over the depth


def weight_std(scheme, scale, fan_in):
    """The standard deviation of the weights of a layer with ``fan_in`` inputs."""
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {SCHEMES}, got {scheme!r}")
    if not scale > 0:
        raise ValueError(f"scale must be positive, got {scale!r}")
    fan_in = integer_at_least(fan_in, "fan_in")
    gain = {"constant": 1.0, "xavier": 1.0 / fan_in, "he": 2.0 / fan_in}[scheme]
    return float(scale * np.sqrt(gain)) if scheme != "constant" else float(scale)


def layer_activations(nonlinearity, scheme, scale, num_layers=10, width=WIDTH,
                      num_samples=NUM_SAMPLES, seed=0):
    """The activations of every layer of a fresh deep net on unit-Gaussian inputs.

    Inputs:
    - nonlinearity: "tanh" or "relu"; scheme: "constant", "xavier" or "he".
    - scale: see the module docstring; num_layers, width: depth and units per layer.
    - num_samples: batch size N; seed: seed of the inputs and weights.

    Returns a float array of shape (num_layers, N, width): layer l's outputs at [l].
    """
    if nonlinearity not in NONLINEARITIES:
        raise ValueError(f"nonlinearity must be one of {NONLINEARITIES}, got {nonlinearity!r}")
    num_layers = integer_at_least(num_layers, "num_layers")
    width = integer_at_least(width, "width")
    std = weight_std(scheme, scale, width)
    rng = np.random.default_rng(seed)
    h = rng.standard_normal((integer_at_least(num_samples, "num_samples"), width))
    outputs = np.empty((num_layers, len(h), width))
    for layer in range(num_layers):
        h = h @ (std * rng.standard_normal((width, width)))
        h = np.tanh(h) if nonlinearity == "tanh" else np.maximum(h, 0.0)
        outputs[layer] = h
    return outputs


def activation_statistics(activations):
    """Mean and standard deviation of each layer's activations.

    Input: activations of shape (L, N, H). Returns (means, stds), each of shape (L,).
    """
    return activations.mean(axis=(1, 2)), activations.std(axis=(1, 2))


def draw_initialization(nonlinearity, scheme, scale, num_layers):
    """Per-layer mean and std, and histograms of some layers; returns (figure, summary)."""
    activations = layer_activations(nonlinearity, scheme, scale, num_layers)
    means, stds = activation_statistics(activations)
    layers = np.arange(1, num_layers + 1)
    shown = np.unique(np.linspace(0, num_layers - 1, HISTOGRAM_LAYERS).round().astype(int))

    figure = Figure(figsize=(11, 5.2))
    grid = figure.add_gridspec(2, 2 * HISTOGRAM_LAYERS)
    ax_mean = figure.add_subplot(grid[0, :HISTOGRAM_LAYERS])
    ax_std = figure.add_subplot(grid[0, HISTOGRAM_LAYERS:])
    ax_mean.plot(layers, means, "-o", markersize=3)
    ax_mean.set_title("mean of each layer's activations")
    ax_std.semilogy(layers, np.maximum(stds, 1e-300), "-o", markersize=3, color="C3")
    ax_std.set_title("std of each layer's activations (log scale)")
    for ax in (ax_mean, ax_std):
        ax.set_xlabel("layer")
    low, high = (-1.0, 1.0) if nonlinearity == "tanh" else (0.0, max(float(activations.max()), 1e-12))
    for column, layer in enumerate(shown):
        ax = figure.add_subplot(grid[1, 2 * column:2 * column + 2])
        ax.hist(activations[layer].ravel(), bins=40, range=(low, high), color="C0")
        ax.set_title(f"layer {layer + 1}", fontsize=9)
        ax.set_yticks([])
        ax.tick_params(labelsize=7)
    figure.suptitle(f"{num_layers} layers of {WIDTH} {nonlinearity} units, "
                    f"scheme {scheme!r}, scale {scale:.3g}", fontsize=11)
    figure.tight_layout()
    summary = (f"std of the activations: layer 1 {stds[0]:.3g}, layer {num_layers} "
               f"{stds[-1]:.3g}")
    return figure, summary


def initialization_explorer(static=None, **settings):
    """Explore how the initialization scheme and scale shape the activations of a deep
    tanh or ReLU net, layer by layer.

    settings: starting values (nonlinearity, scheme, scale, num_layers); static: see
    cs_utils.explorers.frontend. Returns the ipywidgets box or the static Figure.
    """
    controls = [[ChoiceControl("nonlinearity", "tanh", NONLINEARITIES, label="activation"),
                 ChoiceControl("scheme", "constant", SCHEMES, label="scheme")],
                [FloatControl("scale", 0.01, 1e-3, 10.0, step=0.05, log=True,
                              label="scale (std or gain)"),
                 IntControl("num_layers", 10, 2, 20, label="layers")]]
    return show_explorer("Weight initialization and activation statistics", controls,
                         draw_initialization, static, settings)
