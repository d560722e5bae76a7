"""Six update rules race down 2-D loss surfaces from the same start.

The rules here are small reference versions for the explorer only, written for a
point w of shape (2,) and a function that returns the exact gradient anywhere (so
Nesterov's method can look ahead). The course's real rules, with the
``update(w, dw, config)`` signature, are the students' own, in Assignment 2.
"""

from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure

from cs_utils.checks import integer_at_least
from cs_utils.optim import adam
from cs_utils.explorers.controls import ChoiceControl, FloatControl, IntControl
from cs_utils.explorers.frontend import show_explorer

MOMENTUM = 0.9           # momentum and Nesterov
DECAY_RATE = 0.99        # RMSProp's moving average of squared gradients
EPSILON = 1e-8
# A path that gets this far from the start has diverged; it stops there.
DIVERGED = 1e3


# --------------------------------------------------------------------------- surfaces


@dataclass(frozen=True)
class Surface:
    """A loss surface: value and gradient, a start and the box that is drawn.

    value(x, y) takes arrays of any (matching) shape; gradient(w) takes w of shape (2,)
    and returns the gradient, of shape (2,). extent is (x_min, x_max, y_min, y_max).
    """

    name: str
    value: object
    gradient: object
    start: tuple
    extent: tuple


def _bowl_value(x, y):
    return 0.5 * (x ** 2 + 10.0 * y ** 2)


def _bowl_gradient(w):
    return np.array([w[0], 10.0 * w[1]])


def _saddle_value(x, y):
    # A saddle at the origin between two minima at (0, +-sqrt(2)).
    return x ** 2 - y ** 2 + 0.25 * y ** 4


def _saddle_gradient(w):
    return np.array([2.0 * w[0], -2.0 * w[1] + w[1] ** 3])


def _two_valleys_value(x, y):
    # A shallow valley near x = 0.96 and a deeper one near x = -1.04.
    return (x ** 2 - 1.0) ** 2 + 0.3 * x + 0.5 * y ** 2


def _two_valleys_gradient(w):
    return np.array([4.0 * w[0] * (w[0] ** 2 - 1.0) + 0.3, w[1]])


SURFACES = {
    surface.name: surface for surface in (
        Surface("ill-conditioned bowl", _bowl_value, _bowl_gradient,
                (-4.0, 1.5), (-4.5, 4.5, -2.0, 2.0)),
        Surface("saddle", _saddle_value, _saddle_gradient,
                (-2.0, 0.01), (-2.5, 2.5, -2.5, 2.5)),
        Surface("local minimum", _two_valleys_value, _two_valleys_gradient,
                (2.0, 1.5), (-2.0, 2.5, -2.0, 2.0)),
    )
}


# --------------------------------------------------------------------------- update rules
# Each rule: (w, gradient, learning_rate, state) -> next w. w has shape (2,), gradient is
# a function of a point, and state is a dict the rule keeps between its own steps.


def sgd_step(w, gradient, learning_rate, state):
    return w - learning_rate * gradient(w)


def momentum_step(w, gradient, learning_rate, state):
    velocity = MOMENTUM * state.get("velocity", 0.0) - learning_rate * gradient(w)
    state["velocity"] = velocity
    return w + velocity


def nesterov_step(w, gradient, learning_rate, state):
    # The gradient is taken where the velocity is about to carry w.
    velocity = state.get("velocity", np.zeros_like(w))
    velocity = MOMENTUM * velocity - learning_rate * gradient(w + MOMENTUM * velocity)
    state["velocity"] = velocity
    return w + velocity


def adagrad_step(w, gradient, learning_rate, state):
    g = gradient(w)
    state["squares"] = state.get("squares", 0.0) + g * g
    return w - learning_rate * g / (np.sqrt(state["squares"]) + EPSILON)


def rmsprop_step(w, gradient, learning_rate, state):
    g = gradient(w)
    state["squares"] = DECAY_RATE * state.get("squares", 0.0) + (1 - DECAY_RATE) * g * g
    return w - learning_rate * g / (np.sqrt(state["squares"]) + EPSILON)


def adam_step(w, gradient, learning_rate, state):
    # The course's own Adam (cs_utils.optim), which keeps its moments and step count in
    # the state dict it is given.
    state["learning_rate"] = learning_rate
    next_w, _ = adam(w, gradient(w), state)
    return next_w


UPDATE_RULES = {"SGD": sgd_step, "momentum": momentum_step, "Nesterov": nesterov_step,
                "AdaGrad": adagrad_step, "RMSProp": rmsprop_step, "Adam": adam_step}
RULE_COLOURS = {"SGD": "#000000", "momentum": "#1f77b4", "Nesterov": "#17becf",
                "AdaGrad": "#2ca02c", "RMSProp": "#ff7f0e", "Adam": "#d62728"}


def run_rule(rule, surface, learning_rate, num_steps):
    """The path of one update rule on one surface.

    Inputs:
    - rule: a name in UPDATE_RULES; surface: a name in SURFACES.
    - learning_rate: a positive float; num_steps: steps to take (>= 1).

    Returns a float array of shape (S + 1, 2): the start and the point after each step.
    S = num_steps unless the path diverged (left a box of DIVERGED around the start, or
    stopped being finite), in which case it ends at the last point inside.
    """
    if rule not in UPDATE_RULES:
        raise ValueError(f"rule must be one of {list(UPDATE_RULES)}, got {rule!r}")
    if surface not in SURFACES:
        raise ValueError(f"surface must be one of {list(SURFACES)}, got {surface!r}")
    if not learning_rate > 0:
        raise ValueError(f"learning_rate must be positive, got {learning_rate!r}")
    num_steps = integer_at_least(num_steps, "num_steps")
    chosen = SURFACES[surface]
    w = np.array(chosen.start, dtype=np.float64)
    path, state = [w], {}
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(num_steps):
            w = UPDATE_RULES[rule](w, chosen.gradient, learning_rate, state)
            if not np.all(np.isfinite(w)) or np.max(np.abs(w - path[0])) > DIVERGED:
                break
            path.append(w)
    return np.array(path)


def race(surface, learning_rate, num_steps):
    """run_rule for every rule; returns a dict rule name -> path of shape (S + 1, 2)."""
    return {rule: run_rule(rule, surface, learning_rate, num_steps) for rule in UPDATE_RULES}


def draw_race(surface, learning_rate, num_steps):
    """Contours with the six paths, and the loss along each path; returns (figure, summary)."""
    paths = race(surface, learning_rate, num_steps)
    chosen = SURFACES[surface]
    x0, x1, y0, y1 = chosen.extent
    xx, yy = np.meshgrid(np.linspace(x0, x1, 200), np.linspace(y0, y1, 200))
    values = chosen.value(xx, yy)

    figure = Figure(figsize=(11, 4.6))
    ax_paths, ax_loss = figure.subplots(1, 2, gridspec_kw={"width_ratios": [1.35, 1]})
    ax_paths.contourf(xx, yy, values, levels=30, cmap="Greys", alpha=0.55)
    ax_paths.contour(xx, yy, values, levels=30, colors="grey", linewidths=0.4)
    finals = []
    for rule, path in paths.items():
        colour = RULE_COLOURS[rule]
        ax_paths.plot(path[:, 0], path[:, 1], "-", color=colour, linewidth=1.5, label=rule)
        ax_paths.plot(path[-1, 0], path[-1, 1], "o", color=colour, markersize=5)
        losses = chosen.value(path[:, 0], path[:, 1])
        ax_loss.plot(np.arange(len(path)), losses, color=colour, label=rule)
        diverged = len(path) <= num_steps
        finals.append(f"{rule} {'diverged' if diverged else f'{losses[-1]:.3g}'}")
    ax_paths.plot(*chosen.start, "k*", markersize=12)
    ax_paths.set_xlim(x0, x1)
    ax_paths.set_ylim(y0, y1)
    ax_paths.set_title(f"{surface}: {num_steps} steps, learning rate {learning_rate:.3g}")
    ax_paths.legend(loc="lower right", fontsize=8)
    ax_loss.set_xlabel("step")
    ax_loss.set_ylabel("loss")
    ax_loss.set_title("loss along each path")
    lowest = min(values.min(), min(chosen.value(p[:, 0], p[:, 1]).min() for p in paths.values()))
    start_value = chosen.value(*chosen.start)
    ax_loss.set_ylim(lowest - 0.05 * (start_value - lowest), start_value + 0.3 * (start_value - lowest))
    figure.tight_layout()
    return figure, "final loss: " + ", ".join(finals)


def optimizer_race_explorer(static=None, **settings):
    """Race SGD, momentum, Nesterov, AdaGrad, RMSProp and Adam on a 2-D loss surface
    (ill-conditioned bowl, saddle, or a surface with a local minimum).

    settings: starting values (surface, learning_rate, num_steps); static: see
    cs_utils.explorers.frontend. Returns the ipywidgets box or the static Figure.
    """
    controls = [[ChoiceControl("surface", "ill-conditioned bowl", tuple(SURFACES),
                               label="surface")],
                [FloatControl("learning_rate", 0.05, 1e-3, 1.0, step=0.05, log=True,
                              label="learning rate"),
                 IntControl("num_steps", 100, 10, 300, step=10, label="steps")]]
    return show_explorer("Update rules on a loss surface", controls, draw_race, static,
                         settings)
