"""Update rules: how a parameter moves, given its gradient.

Every rule has the signature ``update(w, dw, config=None) -> (next_w, config)``:

- w: the current parameter, an array of any shape;
- dw: the gradient of the loss with respect to w, of the shape of w;
- config: a dict of hyperparameters (learning_rate, ...) that also carries the rule's
  state from one step to the next (a velocity, moving averages, a step count). Each
  rule fills in the defaults of missing hyperparameters with ``setdefault``, so that
  ``config=None`` works and the Solver can decay ``config["learning_rate"]``.

The Solver keeps one config per parameter and passes the returned config back in
at the next step. The simplest rule, plain SGD, is provided (it lives in
``cs_utils.solver``, where the Solver uses it as its built-in rule)::

    def sgd(w, dw, config=None):
        if config is None:
            config = {}
        config.setdefault("learning_rate", 1e-2)
        next_w = w - config["learning_rate"] * dw
        return next_w, config

Return a new array for next_w rather than changing w in place.
"""

import numpy as np

from cs_utils.solver import sgd  # noqa: F401  (provided: plain SGD, as above)


def sgd_momentum(w, dw, config=None):
    """Stochastic gradient descent with momentum.

    A velocity accumulates a decaying sum of past steps:

        v = momentum * v - learning_rate * dw
        next_w = w + v

    config:
    - learning_rate: step size (default 1e-2).
    - momentum: fraction of the velocity kept from one step to the next, in [0, 1);
      0 gives plain SGD (default 0.9).
    - velocity: v, of the shape of w (zeros at the first step).

    Returns (next_w, config) with next_w of the shape of w and config["velocity"]
    updated.
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config.get("velocity", np.zeros_like(w))

    next_w = None
    # Update v, then w, with the formulas of the docstring. Store the new velocity in
    # config["velocity"]: it is all the rule remembers until the next step.
    ### BEGIN SOLUTION
    v = config["momentum"] * v - config["learning_rate"] * dw
    next_w = w + v
    config["velocity"] = v
    ### END SOLUTION
    return next_w, config


def sgd_nesterov_momentum(w, dw, config=None):
    """Stochastic gradient descent with Nesterov momentum.

    Nesterov's method takes the gradient at the look-ahead point w + momentum * v,
    where the velocity is about to carry the parameters:

        v_next = momentum * v - learning_rate * grad(w + momentum * v)
        w_next = w + v_next

    A training loop only computes gradients at the parameters it stores, so this rule
    stores the look-ahead point itself, u = w + momentum * v, as the parameter. With
    dw the gradient at u, the same method reads

        v_next = momentum * v - learning_rate * dw
        u_next = u - momentum * v + (1 + momentum) * v_next

    which is what this function computes (w and next_w play the part of u and u_next).

    config:
    - learning_rate: step size (default 1e-2).
    - momentum: as in sgd_momentum (default 0.9).
    - velocity: v, of the shape of w (zeros at the first step).

    Returns (next_w, config) with next_w of the shape of w and config["velocity"]
    updated.
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config.get("velocity", np.zeros_like(w))

    next_w = None
    # The last two formulas of the docstring. Pitfall: the update of w needs the
    # OLD velocity as well as the new one; keep it before you overwrite v.
    ### BEGIN SOLUTION
    v_prev = v
    v = config["momentum"] * v - config["learning_rate"] * dw
    next_w = w - config["momentum"] * v_prev + (1 + config["momentum"]) * v
    config["velocity"] = v
    ### END SOLUTION
    return next_w, config


def adagrad(w, dw, config=None):
    """AdaGrad: per-coordinate step sizes that shrink with the gradients seen so far.

        cache = cache + dw**2
        next_w = w - learning_rate * dw / (sqrt(cache) + epsilon)

    config:
    - learning_rate: step size (default 1e-2).
    - epsilon: small number that avoids dividing by zero (default 1e-8).
    - cache: sum of the squared gradients so far, of the shape of w (zeros at first).

    Returns (next_w, config) with next_w of the shape of w and config["cache"] updated.
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("epsilon", 1e-8)
    cache = config.get("cache", np.zeros_like(w))

    next_w = None
    # The formulas of the docstring, elementwise; store the new cache in config.
    ### BEGIN SOLUTION
    cache = cache + dw * dw
    next_w = w - config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"])
    config["cache"] = cache
    ### END SOLUTION
    return next_w, config


def rmsprop(w, dw, config=None):
    """RMSProp: AdaGrad with a moving average of the squared gradients instead of a sum.

        cache = decay_rate * cache + (1 - decay_rate) * dw**2
        next_w = w - learning_rate * dw / (sqrt(cache) + epsilon)

    config:
    - learning_rate: step size (default 1e-2).
    - decay_rate: weight of the old average, in [0, 1) (default 0.99).
    - epsilon: small number that avoids dividing by zero (default 1e-8).
    - cache: moving average of the squared gradients, of the shape of w (zeros at
      first).

    Returns (next_w, config) with next_w of the shape of w and config["cache"] updated.
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("decay_rate", 0.99)
    config.setdefault("epsilon", 1e-8)
    cache = config.get("cache", np.zeros_like(w))

    next_w = None
    # The formulas of the docstring, elementwise; store the new cache in config.
    ### BEGIN SOLUTION
    cache = config["decay_rate"] * cache + (1 - config["decay_rate"]) * dw * dw
    next_w = w - config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"])
    config["cache"] = cache
    ### END SOLUTION
    return next_w, config


def adam(w, dw, config=None):
    """Adam: momentum (a moving average m of the gradients) and RMSProp (a moving
    average v of their squares), both corrected for starting at zero.

        t = t + 1
        m = beta1 * m + (1 - beta1) * dw
        v = beta2 * v + (1 - beta2) * dw**2
        m_hat = m / (1 - beta1**t)
        v_hat = v / (1 - beta2**t)
        next_w = w - learning_rate * m_hat / (sqrt(v_hat) + epsilon)

    At the first step m_hat = dw and v_hat = dw**2, so every coordinate moves by about
    learning_rate, against the sign of its gradient.

    config:
    - learning_rate: step size (default 1e-3).
    - beta1: weight of the old first moment (default 0.9).
    - beta2: weight of the old second moment (default 0.999).
    - epsilon: small number that avoids dividing by zero (default 1e-8).
    - m: moving average of the gradients, of the shape of w (zeros at first).
    - v: moving average of the squared gradients, of the shape of w (zeros at first).
    - t: number of steps taken so far (0 at first).

    Returns (next_w, config) with next_w of the shape of w and m, v and t updated.
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-3)
    config.setdefault("beta1", 0.9)
    config.setdefault("beta2", 0.999)
    config.setdefault("epsilon", 1e-8)
    config.setdefault("m", np.zeros_like(w))
    config.setdefault("v", np.zeros_like(w))
    config.setdefault("t", 0)

    next_w = None
    # The formulas of the docstring, and store m, v and t in config. Pitfall:
    # increment t BEFORE the bias correction, or the first step divides by zero.
    ### BEGIN SOLUTION
    t = config["t"] + 1
    beta1, beta2 = config["beta1"], config["beta2"]
    m = beta1 * config["m"] + (1 - beta1) * dw
    v = beta2 * config["v"] + (1 - beta2) * dw * dw
    m_hat = m / (1 - beta1 ** t)
    v_hat = v / (1 - beta2 ** t)
    next_w = w - config["learning_rate"] * m_hat / (np.sqrt(v_hat) + config["epsilon"])
    config["m"], config["v"], config["t"] = m, v, t
    ### END SOLUTION
    return next_w, config
