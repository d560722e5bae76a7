"""How the gradient of a loss at the last step of a vanilla RNN flows back through time.

The RNN runs h_t = act(x_t Wx + h_{t-1} Wh + b) for t = 1..T from h_0 = 0 on random
inputs, and the loss is L = h_T . g for a fixed random unit vector g, so dL/dh_T = g.
Going back one step multiplies the gradient by the local derivative of the activation
and by Wh transposed:

    dL/dh_{t-1} = (dL/dh_t * act'(a_t)) Wh^T,   a_t the pre-activation of step t.

Wh is a Gaussian matrix scaled so that its spectral radius is close to ``weight_scale``:
below about 1 the norms shrink geometrically (vanishing), above it they can grow
(exploding). With clipping on, the gradient handed back at each step is rescaled to
norm at most ``clip_threshold`` whenever it is larger: that caps an explosion, but it
cannot bring back a gradient that has vanished.
"""

import numpy as np
from matplotlib.figure import Figure

from cs_utils.checks import integer_at_least
from cs_utils.explorers.controls import ChoiceControl, FlagControl, FloatControl, IntControl
from cs_utils.explorers.frontend import show_explorer

ACTIVATIONS = ("tanh", "relu")
HIDDEN_SIZE = 64
INPUT_SIZE = 16


def make_rnn(weight_scale, hidden_size=HIDDEN_SIZE, input_size=INPUT_SIZE, seed=0):
    """Random RNN weights: Wx (D, H), Wh (H, H) with spectral radius about weight_scale,
    b (H,) and the loss direction g (H,), a unit vector. Returns a dict of them."""
    if not weight_scale > 0:
        raise ValueError(f"weight_scale must be positive, got {weight_scale!r}")
    H = integer_at_least(hidden_size, "hidden_size")
    D = integer_at_least(input_size, "input_size")
    rng = np.random.default_rng(seed)
    g = rng.standard_normal(H)
    return {"Wx": rng.standard_normal((D, H)) / np.sqrt(D),
            "Wh": weight_scale * rng.standard_normal((H, H)) / np.sqrt(H),
            "b": np.zeros(H), "g": g / np.linalg.norm(g)}


def rnn_pre_activations(x, weights, activation, h0=None):
    """Run the RNN forward.

    Inputs: x of shape (T, D); weights from make_rnn; activation "tanh" or "relu";
    h0 of shape (H,) (zeros by default).
    Returns (a, h): pre-activations of shape (T, H) and hidden states of shape (T, H).
    """
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {ACTIVATIONS}, got {activation!r}")
    h_prev = np.zeros(weights["Wh"].shape[0]) if h0 is None else h0
    a, h = np.empty((len(x), len(h_prev))), np.empty((len(x), len(h_prev)))
    for t in range(len(x)):
        a[t] = x[t] @ weights["Wx"] + h_prev @ weights["Wh"] + weights["b"]
        h[t] = np.tanh(a[t]) if activation == "tanh" else np.maximum(a[t], 0.0)
        h_prev = h[t]
    return a, h


def hidden_state_gradients(a, h, weights, activation, clip_threshold=None):
    """dL/dh_t for every step, for L = h_T . g.

    Inputs: a, h of shape (T, H) from rnn_pre_activations; weights from make_rnn;
    activation as used forward; clip_threshold: None, or the largest norm a gradient
    may have when it is handed back to the step before (see the module docstring).

    Returns an array of shape (T, H); row t - 1 holds dL/dh_t.
    """
    if clip_threshold is not None and not clip_threshold > 0:
        raise ValueError(f"clip_threshold must be positive or None, got {clip_threshold!r}")
    T = len(a)
    grads = np.empty_like(a)
    dh = weights["g"].copy()
    for t in range(T - 1, -1, -1):
        if clip_threshold is not None:
            norm = np.linalg.norm(dh)
            if norm > clip_threshold:
                dh = dh * (clip_threshold / norm)
        grads[t] = dh
        local = 1.0 - h[t] ** 2 if activation == "tanh" else (a[t] > 0).astype(np.float64)
        dh = (dh * local) @ weights["Wh"].T
    return grads


def gradient_norms(weight_scale, activation, num_steps=50, clip_threshold=None, seed=0):
    """||dL/dh_t|| for t = 1..T of a fresh random RNN on random inputs.

    Returns a float array of shape (T,); entry t - 1 is the norm at step t (the last
    entry, step T, is 1).
    """
    T = integer_at_least(num_steps, "num_steps")
    weights = make_rnn(weight_scale, seed=seed)
    x = np.random.default_rng(seed + 1).standard_normal((T, weights["Wx"].shape[0]))
    a, h = rnn_pre_activations(x, weights, activation)
    with np.errstate(over="ignore", invalid="ignore"):
        grads = hidden_state_gradients(a, h, weights, activation, clip_threshold)
        return np.linalg.norm(grads, axis=1)


def draw_gradient_flow(weight_scale, activation, num_steps, clipping, clip_threshold):
    """Gradient norm against the time step, log scale; returns (figure, summary)."""
    raw = gradient_norms(weight_scale, activation, num_steps)
    steps = np.arange(1, num_steps + 1)
    figure = Figure(figsize=(9, 4.2))
    ax = figure.add_subplot()
    tiny = np.finfo(np.float64).tiny
    shown = np.clip(np.nan_to_num(raw, nan=np.inf), tiny, np.finfo(np.float64).max)
    ax.semilogy(steps, shown, "-o", markersize=3, color="C0" if not clipping else "0.6",
                label="without clipping")
    first = raw[0]
    if clipping:
        clipped = gradient_norms(weight_scale, activation, num_steps, clip_threshold)
        ax.semilogy(steps, np.maximum(clipped, tiny), "-o", markersize=3, color="C3",
                    label=f"clipped at norm {clip_threshold:.3g}")
        ax.axhline(clip_threshold, color="C3", linestyle=":", linewidth=1)
        first = clipped[0]
    ax.set_xlabel("time step t (the loss is at t = T; the gradient flows right to left)")
    ax.set_ylabel("||dL/dh_t|| (log scale)")
    ax.set_title(f"vanilla RNN, {activation}, recurrent weight scale {weight_scale:.3g}")
    ax.legend()
    figure.tight_layout()
    summary = (f"||dL/dh_1|| = {first:.3g} after {num_steps - 1} steps back "
               f"from ||dL/dh_{num_steps}|| = 1")
    return figure, summary


def rnn_gradient_flow_explorer(static=None, **settings):
    """Explore the norm of dL/dh_t through time in a vanilla RNN as the recurrent weights'
    scale, the activation (tanh/relu) and gradient clipping change (log-scale plot).

    settings: starting values (weight_scale, activation, num_steps, clipping,
    clip_threshold); static: see cs_utils.explorers.frontend. Returns the ipywidgets
    box or the static Figure.
    """
    controls = [[FloatControl("weight_scale", 0.9, 0.1, 5.0, step=0.02, log=True,
                              label="recurrent weight scale"),
                 ChoiceControl("activation", "tanh", ACTIVATIONS, label="activation")],
                [IntControl("num_steps", 50, 5, 100, step=5, label="time steps T"),
                 FlagControl("clipping", False, label="clip the gradient"),
                 FloatControl("clip_threshold", 5.0, 0.1, 100.0, step=0.05, log=True,
                              label="clip at norm")]]
    return show_explorer("Gradient flow through time in a vanilla RNN", controls,
                         draw_gradient_flow, static, settings)
