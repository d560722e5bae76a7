"""Update rules provided by the course, for the assignments that train with them.

Assignment 2 has students write SGD, momentum, RMSProp and Adam themselves
(``a2/optim.py``). From Assignment 3 on, training recurrent networks needs Adam but
writing it is no longer the exercise, so it is provided here. Pass the function to
the Solver or the CaptioningSolver; the CaptioningSolver also knows every rule of this
module by name (``update_rule="adam"``)::

    from cs_utils.optim import adam
    solver = CaptioningSolver(model, data, update_rule=adam, optim_config={"learning_rate": 5e-3})

Only Assignment 3's release carries this module: Assignment 2 grades its own ``adam``.
"""

import numpy as np


def adam(w, dw, config=None):
    """One Adam step (Kingma and Ba, 2015) for one parameter array.

    Keeps running averages of the gradient (first moment) and of its square (second
    moment), corrects both for their start at zero, and moves every coordinate by
    about ``learning_rate`` times the ratio of the two.

    Inputs:
    - w: parameter array of any shape.
    - dw: gradient of the loss with respect to ``w``, same shape as ``w``.
    - config: dict (or None) with ``learning_rate`` (1e-3), ``beta1`` (0.9),
      ``beta2`` (0.999), ``epsilon`` (1e-8) and the state ``m``, ``v`` (arrays of
      the shape of ``w``, zeros at first) and ``t`` (steps taken, 0 at first).

    Returns ``(next_w, config)``: ``next_w`` of the shape of ``w``, and ``config``
    with the state updated.
    """
    config = {} if config is None else config
    for key, default in (("learning_rate", 1e-3), ("beta1", 0.9), ("beta2", 0.999),
                         ("epsilon", 1e-8), ("t", 0)):
        config.setdefault(key, default)
    config.setdefault("m", np.zeros_like(w))
    config.setdefault("v", np.zeros_like(w))

    config["t"] += 1
    config["m"] = config["beta1"] * config["m"] + (1 - config["beta1"]) * dw
    config["v"] = config["beta2"] * config["v"] + (1 - config["beta2"]) * np.square(dw)
    first = config["m"] / (1 - config["beta1"] ** config["t"])
    second = config["v"] / (1 - config["beta2"] ** config["t"])
    next_w = w - config["learning_rate"] * first / (np.sqrt(second) + config["epsilon"])
    return next_w, config
