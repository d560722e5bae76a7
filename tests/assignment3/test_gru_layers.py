"""The GRU (the extra): forward passes against loops over plain Python numbers, backward
passes against numerical gradients."""

import math

import numpy as np
import pytest

from a3.rnn_layers import gru_backward, gru_forward, gru_step_backward, gru_step_forward
from cs_utils.gradient_check import rel_error
from tests.assignment3.conftest import numerical_gradients
from tests.margins import assert_within


def rng(seed):
    return np.random.default_rng(seed)


def logistic(v):
    return 1 / (1 + math.exp(-v))


def gru_step_by_hand(x, prev_h, Wx, Wh, b):
    """One GRU step as documented (reset gate after the product with Wh), one number at a time."""
    N, H = len(prev_h), len(prev_h[0])
    next_h = np.zeros((N, H))
    for n in range(N):
        for j in range(H):
            def input_part(k):
                return sum(x[n][d] * Wx[d][k * H + j] for d in range(len(Wx))) + b[k * H + j]

            def hidden_part(k):
                return sum(prev_h[n][d] * Wh[d][k * H + j] for d in range(H))

            z = logistic(input_part(0) + hidden_part(0))
            r = logistic(input_part(1) + hidden_part(1))
            candidate = math.tanh(input_part(2) + r * hidden_part(2))
            next_h[n, j] = (1 - z) * candidate + z * prev_h[n][j]
    return next_h


def step_inputs(N=3, D=4, H=5):
    return (rng(0).normal(size=(N, D)), rng(1).normal(size=(N, H)),
            rng(2).normal(size=(D, 3 * H)) * 0.5, rng(3).normal(size=(H, 3 * H)) * 0.5,
            rng(4).normal(size=3 * H))


def test_gru_step_forward_one_unit_by_hand():
    x, prev_h = np.array([[0.5]]), np.array([[-0.3]])
    Wx = np.array([[1.0, -2.0, 0.5]])
    Wh = np.array([[0.3, 0.7, -1.0]])
    b = np.array([0.1, 0.2, -0.3])
    next_h, _ = gru_step_forward(x, prev_h, Wx, Wh, b)
    z = logistic(0.5 * 1.0 + 0.1 - 0.3 * 0.3)
    r = logistic(0.5 * -2.0 + 0.2 - 0.3 * 0.7)
    n = math.tanh(0.5 * 0.5 - 0.3 + r * (-0.3 * -1.0))
    np.testing.assert_allclose(next_h, [[(1 - z) * n + z * -0.3]], rtol=1e-14)


def test_gru_step_forward_against_a_loop():
    inputs = step_inputs()
    next_h, _ = gru_step_forward(*inputs)
    np.testing.assert_allclose(next_h, gru_step_by_hand(*inputs), rtol=1e-12)


def test_a_closed_update_gate_keeps_the_state():
    x, prev_h, Wx, Wh, b = step_inputs()
    b = b.copy()
    b[:5] = 50.0                       # z = sigmoid(about 50) = 1 for every unit
    next_h, _ = gru_step_forward(x, prev_h, Wx, Wh, b)
    np.testing.assert_allclose(next_h, prev_h, atol=1e-12)


def positive_inputs(seed, N, D, H, T=None):
    """x, h0, Wx, Wh, b for which every term of the backward pass is positive.

    With random signs an element of dWx, say, is a sum over examples that can cancel to
    almost nothing, and then roundoff and truncation (about 1e-11 in every element)
    are a large part of it. Here x, h0, Wx and Wh are positive, the biases keep every
    gate away from saturation, and the candidate stays below the state it updates (see
    ``assert_every_term_positive``): with a positive upstream gradient every element
    of every gradient is then a sum of positive terms.
    """
    generator = rng(seed)
    x = generator.uniform(0.5, 1.5, size=(N, D) if T is None else (N, T, D))
    h0 = generator.uniform(0.6, 1.0, size=(N, H))
    Wx = generator.uniform(0.1, 0.5, size=(D, 3 * H))
    Wh = generator.uniform(0.1, 0.5, size=(H, 3 * H)) * 3 / H  # prev_h @ Wh about the same for any H
    b = np.repeat([-0.5, -2.0, -1.8], H) + generator.uniform(-0.2, 0.2, size=3 * H)
    return x, h0, Wx, Wh, b


def assert_every_term_positive(x, h0, Wx, Wh, b, upstream, gap=0.05):
    """At every step the previous state is positive and above the candidate by ``gap``.

    With positive inputs, weights and upstream gradient that makes every factor of the
    backward pass positive: dnext_h * (1 - z) for the candidate, dnext_h * (prev_h - n)
    for the update gate, and prev_h @ Wh for the reset gate.
    """
    assert all((v > 0).all() for v in (x, h0, Wx, Wh)) and (upstream >= 0).all()
    H = h0.shape[1]
    prev_h = h0
    for x_t in (x[:, None, :] if x.ndim == 2 else x).transpose(1, 0, 2):
        a, ah = x_t @ Wx + b, prev_h @ Wh
        z = 1 / (1 + np.exp(-(a[:, :H] + ah[:, :H])))
        r = 1 / (1 + np.exp(-(a[:, H:2 * H] + ah[:, H:2 * H])))
        n = np.tanh(a[:, 2 * H:] + r * ah[:, 2 * H:])
        assert prev_h.min() >= gap and (prev_h - n).min() >= gap
        prev_h = (1 - z) * n + z * prev_h


def test_gru_step_backward_matches_numerical():
    inputs = positive_inputs(0, N=3, D=4, H=5)
    dnext_h = rng(5).uniform(0.5, 1.5, size=(3, 5))
    assert_every_term_positive(*inputs, dnext_h)
    _, cache = gru_step_forward(*inputs)
    analytic = gru_step_backward(dnext_h, cache)
    numerical = numerical_gradients(
        lambda: gru_step_forward(*inputs)[0], inputs, dnext_h)
    for name, a, n, value in zip(("dx", "dprev_h", "dWx", "dWh", "db"), analytic, numerical, inputs):
        assert a.shape == value.shape, name
        assert_within(rel_error(a, n), 1e-7, name)


def test_gru_forward_chains_the_steps():
    N, T, D, H = 2, 3, 4, 5
    x = rng(0).normal(size=(N, T, D))
    h0 = rng(1).normal(size=(N, H))
    Wx = rng(2).normal(size=(D, 3 * H)) * 0.5
    Wh = rng(3).normal(size=(H, 3 * H)) * 0.5
    b = rng(4).normal(size=3 * H)
    h, cache = gru_forward(x, h0, Wx, Wh, b)
    assert h.shape == (N, T, H) and len(cache) == T
    prev_h = h0
    for t in range(T):
        prev_h = gru_step_by_hand(x[:, t, :], prev_h, Wx, Wh, b)
        np.testing.assert_allclose(h[:, t, :], prev_h, rtol=1e-12)


@pytest.mark.parametrize("upstream", ["every step", "last step only"])
def test_gru_backward_matches_numerical(upstream):
    N, T, D, H = 3, 3, 4, 3
    inputs = positive_inputs(0, N=N, D=D, H=H, T=T)
    dh = rng(5).uniform(0.5, 1.5, size=(N, T, H))
    if upstream == "last step only":
        dh[:, :-1, :] = 0
    assert_every_term_positive(*inputs, dh)
    _, cache = gru_forward(*inputs)
    analytic = gru_backward(dh, cache)
    numerical = numerical_gradients(lambda: gru_forward(*inputs)[0], inputs, dh)
    for name, a, n, value in zip(("dx", "dh0", "dWx", "dWh", "db"), analytic, numerical, inputs):
        assert a.shape == value.shape, name
        assert_within(rel_error(a, n), 1e-7, name)
    assert np.abs(analytic[0][:, 0, :]).max() > 1e-3
