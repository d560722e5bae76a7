"""The update rules of Assignment 2 race down 2-D loss surfaces from the same start.

The racers are the student's own rules from ``a2/optim.py``, each
``update(w, dw, config) -> (next_w, config)``, applied to a point w of shape (2,) with
the exact gradient of the surface at w. Nesterov's rule is the course's form, which
stores the look-ahead point as the parameter: its path is that point's. A rule that is
not written yet (or fails) stays out of the race, and a line above the figure says so.
"""

import functools
from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure

from cs_utils.checks import integer_at_least
from cs_utils.explorers.controls import ChoiceControl, FloatControl, IntControl
from cs_utils.explorers.frontend import (StudentCode, WrongResult, result_array, result_dict,
                                         result_tuple, show_explorer)

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

# The racers in the order they are drawn: the name shown -> the function in a2/optim.py.
RULES = {"SGD": "sgd", "momentum": "sgd_momentum", "Nesterov": "sgd_nesterov_momentum",
         "AdaGrad": "adagrad", "RMSProp": "rmsprop", "Adam": "adam"}
# Every setting besides the learning rate, given explicitly so that every racer runs
# with the textbook values.
HYPERPARAMETERS = {"SGD": {}, "momentum": {"momentum": 0.9}, "Nesterov": {"momentum": 0.9},
                   "AdaGrad": {"epsilon": 1e-8},
                   "RMSProp": {"decay_rate": 0.99, "epsilon": 1e-8},
                   "Adam": {"beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8}}
RULE_COLOURS = {"SGD": "#000000", "momentum": "#1f77b4", "Nesterov": "#17becf",
                "AdaGrad": "#2ca02c", "RMSProp": "#ff7f0e", "Adam": "#d62728"}


def run_rule(update, surface, learning_rate, num_steps, hyperparameters=None):
    """The path of one update rule on one surface.

    Inputs:
    - update: an update rule (w, dw, config) -> (next_w, config), as in a2/optim.py.
    - surface: a name in SURFACES.
    - learning_rate: a positive float; num_steps: steps to take (>= 1).
    - hyperparameters: dict of the rule's other config entries (momentum, ...).

    Returns a float array of shape (S + 1, 2): the start and the point after each step.
    S = num_steps unless the path diverged (left a box of DIVERGED around the start, or
    stopped being finite), in which case it ends at the last point inside.
    """
    if surface not in SURFACES:
        raise ValueError(f"surface must be one of {list(SURFACES)}, got {surface!r}")
    if not learning_rate > 0:
        raise ValueError(f"learning_rate must be positive, got {learning_rate!r}")
    num_steps = integer_at_least(num_steps, "num_steps")
    name = getattr(update, "__name__", "the update rule")
    chosen = SURFACES[surface]
    w = np.array(chosen.start, dtype=np.float64)
    path = [w]
    config = {"learning_rate": float(learning_rate), **(hyperparameters or {})}
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(num_steps):
            # A copy: a rule that changes w in place must not move the drawn path.
            next_w, config = result_tuple(update(w.copy(), chosen.gradient(w), config), 2,
                                          name)
            w = result_array(next_w, (2,), name).astype(np.float64)
            config = result_dict(config, name)
            if not np.all(np.isfinite(w)) or np.max(np.abs(w - path[0])) > DIVERGED:
                break
            path.append(w)
    return np.array(path)


def race(rules, surface, learning_rate, num_steps):
    """run_rule for every rule.

    Inputs: rules, a dict of name (a key of RULES) -> update rule; the rest as in
    run_rule. Returns a dict of name -> path of shape (S + 1, 2), in the order of rules.
    """
    return {name: run_rule(update, surface, learning_rate, num_steps, HYPERPARAMETERS[name])
            for name, update in rules.items()}


def draw_race(rules, surface, learning_rate, num_steps):
    """Contours with the path of every rule in ``rules`` (as in race), and the loss along
    each path; returns (figure, summary)."""
    paths = race(rules, surface, learning_rate, num_steps)
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


def _probe(update, name):
    """Three small steps on the bowl."""
    run_rule(update, "ill-conditioned bowl", 0.01, 3, HYPERPARAMETERS[name])


def _missing(function_name):
    """The probe of a rule that the module does not define at all."""
    raise WrongResult(f"a2/optim.py has no function {function_name}")


def student_rules(optim):
    """Which of the student's update rules can race.

    Input: optim, the student's module a2.optim (or any object with the functions of
    RULES as attributes).

    Returns (rules, codes, failures): rules, a dict of name -> update rule for every
    rule that runs, in the order of RULES; codes, a dict of name -> StudentCode for
    every rule; failures, a dict of name -> the exception of every rule that does not
    run (NotImplementedError while it is not written).
    """
    codes, failures, rules = {}, {}, {}
    for name, function_name in RULES.items():
        update = getattr(optim, function_name, None)
        if callable(update):
            probe, functions = functools.partial(_probe, update, name), (update,)
        else:
            probe, functions = functools.partial(_missing, function_name), ()
        codes[name] = StudentCode(f"{function_name} in a2/optim.py", probe, functions)
        failure = codes[name].failure()
        if failure is None:
            rules[name] = update
        else:
            failures[name] = failure
    return rules, codes, failures


def race_note(codes, failures):
    """The line naming the rules left out of the race, or None when all of them race."""
    unwritten = [RULES[name] for name, error in failures.items()
                 if isinstance(error, NotImplementedError)]
    parts = []
    if unwritten:
        parts.append(f"Not in the race until written in a2/optim.py: {', '.join(unwritten)}.")
    parts += [f"Left out of the race: {codes[name].explain(error)}"
              for name, error in failures.items() if not isinstance(error, NotImplementedError)]
    return " ".join(parts) or None


def optimizer_race_explorer(optim, static=None, **settings):
    """Race your update rules (SGD, momentum, Nesterov, AdaGrad, RMSProp, Adam) on a 2-D
    loss surface (ill-conditioned bowl, saddle, or a surface with a local minimum).

    Inputs:
    - optim: your module of update rules (from a2 import optim). The rules you have not
      written yet stay out of the race; a line says which.
    - static: see cs_utils.explorers.frontend.
    - settings: starting values (surface, learning_rate, num_steps).

    Returns the ipywidgets box or the static Figure.
    """
    rules, codes, failures = student_rules(optim)
    if rules:
        student_code = StudentCode("the update rules in a2/optim.py",
                                   functools.partial(race, rules, "ill-conditioned bowl",
                                                     0.01, 3),
                                   tuple(rules.values()))
    else:   # no racer at all: the panel of the first one says what to do
        student_code = next(iter(codes.values()))
    controls = [[ChoiceControl("surface", "ill-conditioned bowl", tuple(SURFACES),
                               label="surface")],
                [FloatControl("learning_rate", 0.05, 1e-3, 1.0, step=0.05, log=True,
                              label="learning rate"),
                 IntControl("num_steps", 100, 10, 300, step=10, label="steps")]]
    return show_explorer("Update rules on a loss surface", controls,
                         functools.partial(draw_race, rules), static, settings,
                         student_code=student_code, note=race_note(codes, failures))
