"""Numerical gradients by centred finite differences, and the relative error.

Every backward pass in the course is checked against these. With float64 inputs and
``h = 1e-5`` a correct analytic gradient agrees to a relative error of about 1e-7 or
better; an error of 1e-2 or more means a bug.
"""

import numpy as np


def rel_error(x, y):
    """Largest elementwise relative error between two arrays (or numbers)."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))))


def _evaluate_around(f, x, ix, h):
    """f at ``x`` with ``x[ix]`` moved by +h and by -h; ``x`` is restored afterwards.

    The results are copied: ``f`` may return a buffer that its next call overwrites.
    """
    old_value = x[ix]
    x[ix] = old_value + h
    f_plus = np.array(f(x), dtype=np.float64, copy=True)
    x[ix] = old_value - h
    f_minus = np.array(f(x), dtype=np.float64, copy=True)
    x[ix] = old_value
    return f_plus, f_minus


def eval_numerical_gradient(f, x, verbose=True, h=1e-5):
    """Numerical gradient of a scalar function ``f`` at ``x``.

    Inputs:
    - f: function taking the array ``x`` and returning a float.
    - x: array of any shape; it is perturbed in place and restored.
    - verbose: print every coordinate and its gradient.
    - h: finite-difference step.

    Returns an array of the shape of ``x``.
    """
    grad = np.zeros_like(x, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        ix = it.multi_index
        f_plus, f_minus = _evaluate_around(f, x, ix, h)
        grad[ix] = (f_plus - f_minus) / (2 * h)
        if verbose:
            print(ix, grad[ix])
        it.iternext()
    return grad


def eval_numerical_gradient_array(f, x, df, h=1e-5):
    """Numerical gradient of an array-valued ``f`` at ``x``, contracted with ``df``.

    This is what a backward pass computes: the gradient of ``sum(f(x) * df)`` with
    respect to ``x``, where ``df`` is the upstream gradient of the output.

    Inputs:
    - f: function taking ``x`` and returning an array of the shape of ``df``.
    - x: array of any shape; perturbed in place and restored.
    - df: upstream gradient, of the shape of ``f(x)``.
    - h: finite-difference step.

    Returns an array of the shape of ``x``.
    """
    grad = np.zeros_like(x, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        ix = it.multi_index
        f_plus, f_minus = _evaluate_around(f, x, ix, h)
        grad[ix] = np.sum((f_plus - f_minus) * df) / (2 * h)
        it.iternext()
    return grad


def grad_check_sparse(f, x, analytic_grad, num_checks=10, h=1e-5, seed=None):
    """Compare ``analytic_grad`` with the numerical gradient at a few random coordinates.

    Use this when ``x`` is too large to perturb every entry (a weight matrix of
    a classifier on images, say). Prints one line per coordinate and returns the
    list of relative errors.

    Inputs:
    - f: function taking ``x`` and returning a float.
    - x: array; perturbed in place and restored.
    - analytic_grad: array of the shape of ``x``.
    - num_checks: how many coordinates to check.
    - h: finite-difference step.
    - seed: seed for choosing the coordinates (None: different ones each call).
    """
    rng = np.random.default_rng(seed)
    errors = []
    for _ in range(num_checks):
        ix = tuple(int(rng.integers(m)) for m in x.shape)
        f_plus, f_minus = _evaluate_around(f, x, ix, h)
        numerical = float((f_plus - f_minus) / (2 * h))
        analytic = analytic_grad[ix]
        error = abs(numerical - analytic) / max(1e-12, abs(numerical) + abs(analytic))
        errors.append(error)
        print(f"numerical: {numerical:f} analytic: {analytic:f}, relative error: {error:e}")
    return errors
