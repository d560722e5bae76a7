"""How the gradient of a loss at the last step of a vanilla RNN flows back through time.

The RNN is the student's own, from Assignment 3 (``a3/rnn_layers.py``):
``rnn_step_forward`` runs h_t = tanh(x_t Wx + h_{t-1} Wh + b) for t = 1..T from
h_0 = 0 on random inputs, and the loss is L = h_T . g for a fixed random unit vector g,
so dL/dh_T = g. ``rnn_step_backward`` takes the gradient back one step: it multiplies
it by tanh's local derivative and by Wh transposed,

    dL/dh_{t-1} = (dL/dh_t * (1 - h_t ** 2)) Wh^T.

Wh is a Gaussian matrix scaled so that its spectral radius is close to ``weight_scale``:
below about 1 the norms shrink geometrically (vanishing), well above it they can grow
(exploding). With clipping on, the gradient handed back at each step goes through the
student's ``clip_grad_norm`` (as a one-entry dict), which rescales it to norm
``clip_threshold`` whenever it is larger: that caps an explosion, but it cannot bring
back a gradient that has vanished.
"""

import functools
from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure

from cs_utils.checks import integer_at_least
from cs_utils.explorers.controls import FlagControl, FloatControl, IntControl
from cs_utils.explorers.frontend import (StudentCode, result_array, result_dict, result_tuple,
                                         show_explorer)

HIDDEN_SIZE = 64
INPUT_SIZE = 16


@dataclass(frozen=True)
class StudentRNN:
    """The student's functions the explorer runs, with the signatures of a3/rnn_layers.py.

    - step_forward(x, prev_h, Wx, Wh, b) -> (next_h, cache), x (N, D), prev_h (N, H).
    - step_backward(dnext_h, cache) -> (dx, dprev_h, dWx, dWh, db).
    - clip_grad_norm(grads, max_norm) -> (clipped_grads, total_norm), grads a dict.
    """

    step_forward: object
    step_backward: object
    clip_grad_norm: object

    def functions(self):
        return (self.step_forward, self.step_backward, self.clip_grad_norm)


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


def hidden_states(rnn, x, weights, h0=None):
    """Run the RNN forward, one sequence (a minibatch of N = 1) step by step.

    Inputs: rnn, a StudentRNN; x of shape (T, D); weights from make_rnn; h0 of shape
    (H,) (zeros by default).
    Returns (h, caches): the hidden states, of shape (T, H), and the T step caches.
    """
    name = getattr(rnn.step_forward, "__name__", "rnn_step_forward")
    H = weights["Wh"].shape[0]
    h_prev = np.zeros((1, H)) if h0 is None else np.reshape(h0, (1, H))
    h, caches = np.empty((len(x), H)), []
    for t in range(len(x)):
        next_h, cache = result_tuple(rnn.step_forward(x[t:t + 1], h_prev, weights["Wx"],
                                                      weights["Wh"], weights["b"]), 2, name)
        h_prev = result_array(next_h, (1, H), name)
        h[t] = h_prev[0]
        caches.append(cache)
    return h, caches


def hidden_state_gradients(rnn, caches, g, clip_threshold=None):
    """dL/dh_t for every step, for L = h_T . g.

    Inputs: rnn, a StudentRNN; caches from hidden_states; g of shape (H,);
    clip_threshold: None, or the largest norm a gradient may have when it is handed
    back to the step before (see the module docstring).

    Returns an array of shape (T, H); row t - 1 holds dL/dh_t.
    """
    if clip_threshold is not None and not clip_threshold > 0:
        raise ValueError(f"clip_threshold must be positive or None, got {clip_threshold!r}")
    backward = getattr(rnn.step_backward, "__name__", "rnn_step_backward")
    clip = getattr(rnn.clip_grad_norm, "__name__", "clip_grad_norm")
    H = len(g)
    grads = np.empty((len(caches), H))
    dh = np.reshape(g, (1, H)).copy()
    for t in range(len(caches) - 1, -1, -1):
        if clip_threshold is not None:
            clipped, _ = result_tuple(rnn.clip_grad_norm({"h": dh}, clip_threshold), 2, clip)
            dh = result_array(result_dict(clipped, clip).get("h"), (1, H), clip)
        grads[t] = dh[0]
        step_grads = result_tuple(rnn.step_backward(dh, caches[t]), 5, backward)
        dh = result_array(step_grads[1], (1, H), backward)
    return grads


def gradient_norms(rnn, weight_scale, num_steps=50, clip_threshold=None, seed=0):
    """||dL/dh_t|| for t = 1..T of a fresh random RNN on random inputs.

    Inputs: rnn, a StudentRNN; the rest as in make_rnn and hidden_state_gradients.
    Returns a float array of shape (T,); entry t - 1 is the norm at step t (the last
    entry, step T, is 1 unless clipped).
    """
    T = integer_at_least(num_steps, "num_steps")
    weights = make_rnn(weight_scale, seed=seed)
    x = np.random.default_rng(seed + 1).standard_normal((T, weights["Wx"].shape[0]))
    with np.errstate(over="ignore", invalid="ignore"):
        _, caches = hidden_states(rnn, x, weights)
        grads = hidden_state_gradients(rnn, caches, weights["g"], clip_threshold)
        return np.linalg.norm(grads, axis=1)


def draw_gradient_flow(rnn, weight_scale, num_steps, clipping, clip_threshold):
    """Gradient norm against the time step, log scale; returns (figure, summary)."""
    raw = gradient_norms(rnn, weight_scale, num_steps)
    steps = np.arange(1, num_steps + 1)
    figure = Figure(figsize=(9, 4.2))
    ax = figure.add_subplot()
    tiny = np.finfo(np.float64).tiny
    shown = np.clip(np.nan_to_num(raw, nan=np.inf), tiny, np.finfo(np.float64).max)
    ax.semilogy(steps, shown, "-o", markersize=3, color="C0" if not clipping else "0.6",
                label="without clipping")
    first = raw[0]
    if clipping:
        clipped = gradient_norms(rnn, weight_scale, num_steps, clip_threshold)
        ax.semilogy(steps, np.maximum(clipped, tiny), "-o", markersize=3, color="C3",
                    label=f"clipped at norm {clip_threshold:.3g}")
        ax.axhline(clip_threshold, color="C3", linestyle=":", linewidth=1)
        first = clipped[0]
    ax.set_xlabel("time step t (the loss is at t = T; the gradient flows right to left)")
    ax.set_ylabel("||dL/dh_t|| (log scale)")
    ax.set_title(f"vanilla tanh RNN, recurrent weight scale {weight_scale:.3g}")
    ax.legend()
    figure.tight_layout()
    summary = (f"||dL/dh_1|| = {first:.3g} after {num_steps - 1} steps back "
               f"from ||dL/dh_{num_steps}|| = 1")
    return figure, summary


def _probe(rnn, backward=False, clipping=False):
    """Three steps forward in a net of three hidden units, then (if asked) back, with or
    without clipping."""
    weights = make_rnn(1.5, hidden_size=3, input_size=2, seed=4)
    x = np.random.default_rng(5).standard_normal((3, 2))
    _, caches = hidden_states(rnn, x, weights)
    if backward:
        hidden_state_gradients(rnn, caches, weights["g"], 0.5 if clipping else None)


def student_checks(rnn):
    """One StudentCode per function of rnn (a StudentRNN), each probed with the ones
    before it, so that the panel names the first that does not run."""
    where = "in a3/rnn_layers.py"
    return [StudentCode(f"rnn_step_forward {where}", functools.partial(_probe, rnn),
                        (rnn.step_forward,)),
            StudentCode(f"rnn_step_backward {where}",
                        functools.partial(_probe, rnn, backward=True), rnn.functions()[:2]),
            StudentCode(f"clip_grad_norm {where}",
                        functools.partial(_probe, rnn, backward=True, clipping=True),
                        rnn.functions())]


def rnn_gradient_flow_explorer(rnn_step_forward, rnn_step_backward, clip_grad_norm,
                               static=None, **settings):
    """Explore the norm of dL/dh_t through time in your vanilla RNN as the recurrent
    weights' scale and gradient clipping change (log-scale plot).

    Inputs:
    - rnn_step_forward, rnn_step_backward, clip_grad_norm: your functions from
      a3.rnn_layers.
    - static: see cs_utils.explorers.frontend.
    - settings: starting values (weight_scale, num_steps, clipping, clip_threshold).

    Returns the ipywidgets box or the static Figure. Until the three functions run, it
    shows a panel that says what to write or fix instead.
    """
    rnn = StudentRNN(rnn_step_forward, rnn_step_backward, clip_grad_norm)
    controls = [[FloatControl("weight_scale", 0.9, 0.1, 5.0, step=0.02, log=True,
                              label="recurrent weight scale"),
                 IntControl("num_steps", 50, 5, 100, step=5, label="time steps T")],
                [FlagControl("clipping", False, label="clip the gradient"),
                 FloatControl("clip_threshold", 5.0, 0.1, 100.0, step=0.05, log=True,
                              label="clip at norm")]]
    return show_explorer("Gradient flow through time in a vanilla RNN", controls,
                         functools.partial(draw_gradient_flow, rnn), static, settings,
                         student_code=student_checks(rnn))
