"""The LSTM: forward passes against loops over plain Python numbers, backward passes
against numerical gradients."""

import math

import numpy as np
import pytest

from a3.rnn_layers import lstm_backward, lstm_forward, lstm_step_backward, lstm_step_forward
from cs_utils.gradient_check import rel_error
from tests.assignment3.conftest import numerical_gradients
from tests.margins import assert_within
from tests.published import assert_reproduces


def rng(seed):
    return np.random.default_rng(seed)


def logistic(v):
    return 1 / (1 + math.exp(-v))


def lstm_step_by_hand(x, prev_h, prev_c, Wx, Wh, b):
    """One LSTM step, one number at a time; gate k of unit j is column k * H + j."""
    N, H = len(prev_h), len(prev_h[0])
    next_h, next_c = np.zeros((N, H)), np.zeros((N, H))
    for n in range(N):
        for j in range(H):
            def pre(k):
                column = k * H + j
                return (sum(x[n][d] * Wx[d][column] for d in range(len(Wx)))
                        + sum(prev_h[n][d] * Wh[d][column] for d in range(H)) + b[column])
            i, f, o, g = logistic(pre(0)), logistic(pre(1)), logistic(pre(2)), math.tanh(pre(3))
            next_c[n, j] = f * prev_c[n][j] + i * g
            next_h[n, j] = o * math.tanh(next_c[n, j])
    return next_h, next_c


def step_inputs(N=3, D=4, H=5):
    return (rng(0).normal(size=(N, D)), rng(1).normal(size=(N, H)), rng(2).normal(size=(N, H)),
            rng(3).normal(size=(D, 4 * H)) * 0.5, rng(4).normal(size=(H, 4 * H)) * 0.5,
            rng(5).normal(size=4 * H))


def test_lstm_step_forward_one_unit_by_hand():
    # One number in, one unit: the four gates are the four columns, in the order i, f, o, g.
    x, prev_h, prev_c = np.array([[0.5]]), np.array([[-0.3]]), np.array([[0.8]])
    Wx = np.array([[1.0, -2.0, 0.5, 1.5]])
    Wh = np.array([[0.3, 0.7, -1.0, 2.0]])
    b = np.array([0.1, 0.2, -0.3, 0.4])
    next_h, next_c, _ = lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b)
    i = logistic(0.5 * 1.0 - 0.3 * 0.3 + 0.1)
    f = logistic(0.5 * -2.0 - 0.3 * 0.7 + 0.2)
    o = logistic(0.5 * 0.5 - 0.3 * -1.0 - 0.3)
    g = math.tanh(0.5 * 1.5 - 0.3 * 2.0 + 0.4)
    c = f * 0.8 + i * g
    np.testing.assert_allclose(next_c, [[c]], rtol=1e-14)
    np.testing.assert_allclose(next_h, [[o * math.tanh(c)]], rtol=1e-14)


def test_lstm_step_forward_against_a_loop():
    inputs = step_inputs()
    next_h, next_c, _ = lstm_step_forward(*inputs)
    expected_h, expected_c = lstm_step_by_hand(*inputs)
    np.testing.assert_allclose(next_h, expected_h, rtol=1e-12)
    np.testing.assert_allclose(next_c, expected_c, rtol=1e-12)


def test_lstm_step_forward_reproduces_the_published_check():
    """The lstm_step_forward check of the CS231n-family notebooks, with its setup."""
    N, D, H = 3, 4, 5
    x = np.linspace(-0.4, 1.2, num=N * D).reshape(N, D)
    prev_h = np.linspace(-0.3, 0.7, num=N * H).reshape(N, H)
    prev_c = np.linspace(-0.4, 0.9, num=N * H).reshape(N, H)
    Wx = np.linspace(-2.1, 1.3, num=4 * D * H).reshape(D, 4 * H)
    Wh = np.linspace(-0.7, 2.2, num=4 * H * H).reshape(H, 4 * H)
    b = np.linspace(0.3, 0.7, num=4 * H)
    next_h, next_c, _ = lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b)
    assert_reproduces(next_h, [[0.24635157, 0.28610883, 0.32240467, 0.35525807, 0.38474904],
                               [0.49223563, 0.55611431, 0.61507696, 0.66844003, 0.7159181],
                               [0.56735664, 0.66310127, 0.74419266, 0.80889665, 0.858299]],
                      decimals=8)
    assert_reproduces(next_c, [[0.32986176, 0.39145139, 0.451556, 0.51014116, 0.56717407],
                               [0.66382255, 0.76674007, 0.87195994, 0.97902709, 1.08751345],
                               [0.74192008, 0.90592151, 1.07717006, 1.25120233, 1.42395676]],
                      decimals=8)


def test_lstm_step_backward_matches_numerical():
    inputs = step_inputs()
    dnext_h = rng(6).normal(size=(3, 5))
    dnext_c = rng(7).normal(size=(3, 5))
    _, _, cache = lstm_step_forward(*inputs)
    analytic = lstm_step_backward(dnext_h, dnext_c, cache)

    def both_states():
        next_h, next_c, _ = lstm_step_forward(*inputs)
        return np.stack([next_h, next_c])

    numerical = numerical_gradients(both_states, inputs, np.stack([dnext_h, dnext_c]))
    names = ("dx", "dprev_h", "dprev_c", "dWx", "dWh", "db")
    for name, a, n, value in zip(names, analytic, numerical, inputs):
        assert a.shape == value.shape, name
        assert_within(rel_error(a, n), 1e-7, name)


def test_lstm_step_backward_with_only_a_cell_gradient():
    # dnext_h = 0: everything flows from the cell state.
    inputs = step_inputs()
    dnext_c = rng(7).normal(size=(3, 5))
    _, _, cache = lstm_step_forward(*inputs)
    analytic = lstm_step_backward(np.zeros((3, 5)), dnext_c, cache)
    numerical = numerical_gradients(
        lambda: lstm_step_forward(*inputs)[1], inputs, dnext_c)
    for a, n in zip(analytic, numerical):
        assert_within(rel_error(a, n), 1e-7)


def test_lstm_forward_starts_from_a_zero_cell_and_chains_the_steps():
    N, T, D, H = 2, 3, 4, 5
    x = rng(0).normal(size=(N, T, D))
    h0 = rng(1).normal(size=(N, H))
    Wx = rng(2).normal(size=(D, 4 * H)) * 0.5
    Wh = rng(3).normal(size=(H, 4 * H)) * 0.5
    b = rng(4).normal(size=4 * H)
    h, cache = lstm_forward(x, h0, Wx, Wh, b)
    assert h.shape == (N, T, H) and len(cache) == T
    prev_h, prev_c = h0, np.zeros((N, H))
    for t in range(T):
        prev_h, prev_c = lstm_step_by_hand(x[:, t, :], prev_h, prev_c, Wx, Wh, b)
        np.testing.assert_allclose(h[:, t, :], prev_h, rtol=1e-12)


def test_lstm_forward_reproduces_the_published_check():
    N, D, H, T = 2, 5, 4, 3
    x = np.linspace(-0.4, 0.6, num=N * T * D).reshape(N, T, D)
    h0 = np.linspace(-0.4, 0.8, num=N * H).reshape(N, H)
    Wx = np.linspace(-0.2, 0.9, num=4 * D * H).reshape(D, 4 * H)
    Wh = np.linspace(-0.3, 0.6, num=4 * H * H).reshape(H, 4 * H)
    b = np.linspace(0.2, 0.7, num=4 * H)
    h, _ = lstm_forward(x, h0, Wx, Wh, b)
    assert_reproduces(h, [[[0.01764008, 0.01823233, 0.01882671, 0.0194232],
                           [0.11287491, 0.12146228, 0.13018446, 0.13902939],
                           [0.31358768, 0.33338627, 0.35304453, 0.37250975]],
                          [[0.45767879, 0.4761092, 0.4936887, 0.51041945],
                           [0.6704845, 0.69350089, 0.71486014, 0.7346449],
                           [0.81733511, 0.83677871, 0.85403753, 0.86935314]]], decimals=8)


@pytest.mark.parametrize("upstream", ["every step", "last step only"])
def test_lstm_backward_matches_numerical(upstream):
    # Positive inputs, weights and upstream gradient, and a candidate g > 0: every factor
    # of the backward pass (gate slopes, g, c_prev, o and tanh(c) and their slopes) is
    # then positive, so no element of a gradient is a near-cancelling sum that the finite
    # differences' rounding swamps (with random signs dWh measured 6.6e-9 against the
    # bound 1e-7 here, and 1.3e-8 with numpy's AVX2 loops off).
    N, T, D, H = 3, 3, 4, 3
    x = rng(0).uniform(0.5, 1.5, size=(N, T, D))
    h0 = rng(1).uniform(0.5, 1.5, size=(N, H))
    Wx = rng(2).uniform(0.1, 0.5, size=(D, 4 * H))
    Wh = rng(3).uniform(0.1, 0.5, size=(H, 4 * H))
    b = np.repeat([-1.0, -1.0, -1.0, 0.0], H)   # gates i, f, o unsaturated; g's input > 0
    dh = rng(5).uniform(0.5, 1.5, size=(N, T, H))
    if upstream == "last step only":
        dh[:, :-1, :] = 0
    inputs = (x, h0, Wx, Wh, b)
    _, cache = lstm_forward(*inputs)
    analytic = lstm_backward(dh, cache)
    numerical = numerical_gradients(lambda: lstm_forward(*inputs)[0], inputs, dh)
    for name, a, n, value in zip(("dx", "dh0", "dWx", "dWh", "db"), analytic, numerical, inputs):
        assert a.shape == value.shape, name
        assert_within(rel_error(a, n), 1e-7, name)
    assert np.abs(analytic[0][:, 0, :]).max() > 1e-3
