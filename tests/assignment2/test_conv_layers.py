"""Convolution and max pooling (naive), and the convolutional sandwich layers.

Forward passes are held against loops over every index written here from the
definitions; backward passes against numerical gradients.
"""

import numpy as np
import pytest

from a2.layer_utils import (conv_relu_backward, conv_relu_forward, conv_relu_pool_backward,
                            conv_relu_pool_forward)
from a2.layers import conv_backward_naive, conv_forward_naive, max_pool_backward_naive, max_pool_forward_naive
from cs_utils.gradient_check import eval_numerical_gradient_array, rel_error
from tests.margins import assert_within
from tests.published import assert_reproduces


def rng(seed):
    return np.random.default_rng(seed)


def direct_conv(x, w, b, stride, pad):
    """The convolution from its definition: one output number at a time, zero outside x."""
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    H_out = 1 + (H + 2 * pad - HH) // stride
    W_out = 1 + (W + 2 * pad - WW) // stride
    out = np.zeros((N, F, H_out, W_out))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    total = b[f]
                    for c in range(C):
                        for k in range(HH):
                            for m in range(WW):
                                row, col = i * stride + k - pad, j * stride + m - pad
                                if 0 <= row < H and 0 <= col < W:
                                    total += w[f, c, k, m] * x[n, c, row, col]
                    out[n, f, i, j] = total
    return out


def direct_max_pool(x, ph, pw, stride):
    N, C, H, W = x.shape
    H_out, W_out = 1 + (H - ph) // stride, 1 + (W - pw) // stride
    out = np.zeros((N, C, H_out, W_out))
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    out[n, c, i, j] = max(x[n, c, i * stride + k, j * stride + m]
                                          for k in range(ph) for m in range(pw))
    return out


# (x shape, w shape, stride, pad): square and non-square inputs and kernels.
CONV_CASES = [
    ((2, 3, 4, 4), (3, 3, 3, 3), 1, 1),
    ((2, 3, 5, 5), (2, 3, 3, 3), 2, 0),
    ((1, 2, 5, 7), (3, 2, 3, 1), 1, 0),
    ((2, 1, 6, 5), (2, 1, 2, 3), 2, 1),
    ((1, 2, 9, 4), (2, 2, 4, 2), 3, 2),
    ((2, 2, 3, 3), (1, 2, 1, 1), 1, 0),
]


@pytest.mark.parametrize("x_shape, w_shape, stride, pad", CONV_CASES)
def test_conv_forward_matches_direct_loop(x_shape, w_shape, stride, pad):
    x = rng(0).normal(size=x_shape)
    w = rng(1).normal(size=w_shape)
    b = rng(2).normal(size=w_shape[0])
    out, _ = conv_forward_naive(x, w, b, {"stride": stride, "pad": pad})
    expected = direct_conv(x, w, b, stride, pad)
    assert out.shape == expected.shape
    np.testing.assert_allclose(out, expected, rtol=1e-10, atol=1e-12)


def test_conv_forward_known_values():
    # One 2x2 image, one 2x2 filter, padding 1: every output sees part of the image.
    x = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    w = np.array([[[[1.0, 10.0], [100.0, 1000.0]]]])
    out, _ = conv_forward_naive(x, w, np.array([0.5]), {"stride": 1, "pad": 1})
    expected = np.array([[1000.0, 2100.0, 200.0],
                         [3010.0, 4321.0, 402.0],
                         [30.0, 43.0, 4.0]]) + 0.5
    np.testing.assert_allclose(out[0, 0], expected, rtol=1e-12)


def test_conv_forward_reproduces_the_published_check():
    """The conv_forward_naive check of the CS231n-family notebooks, with its setup."""
    x = np.linspace(-0.1, 0.5, num=2 * 3 * 4 * 4).reshape(2, 3, 4, 4)
    w = np.linspace(-0.2, 0.3, num=3 * 3 * 4 * 4).reshape(3, 3, 4, 4)
    b = np.linspace(-0.1, 0.2, num=3)
    out, _ = conv_forward_naive(x, w, b, {"stride": 2, "pad": 1})
    assert_reproduces(out, [[[[-0.08759809, -0.10987781], [-0.18387192, -0.2109216]],
                             [[0.21027089, 0.21661097], [0.22847626, 0.23004637]],
                             [[0.50813986, 0.54309974], [0.64082444, 0.67101435]]],
                            [[[-0.98053589, -1.03143541], [-1.19128892, -1.24695841]],
                             [[0.69108355, 0.66880383], [0.59480972, 0.56776003]],
                             [[2.36270298, 2.36904306], [2.38090835, 2.38247847]]]],
                      decimals=8)


def test_conv_forward_leaves_the_input_unpadded_and_unchanged():
    x = rng(3).normal(size=(2, 3, 4, 5))
    w = rng(4).normal(size=(2, 3, 3, 3))
    x_before, w_before = x.copy(), w.copy()
    out, (cached_x, _, _, _) = conv_forward_naive(x, w, np.zeros(2), {"stride": 1, "pad": 1})
    assert x.shape == (2, 3, 4, 5)
    np.testing.assert_array_equal(x, x_before)
    np.testing.assert_array_equal(w, w_before)
    assert cached_x.shape == x.shape


@pytest.mark.parametrize("x_shape, w_shape, stride, pad", [
    ((1, 1, 5, 5), (1, 1, 2, 2), 2, 0),
    ((1, 1, 4, 6), (1, 1, 3, 3), 2, 1),
    ((1, 1, 6, 5), (1, 1, 3, 2), 2, 0),
])
def test_conv_forward_rejects_sizes_that_do_not_tile(x_shape, w_shape, stride, pad):
    with pytest.raises(ValueError):
        conv_forward_naive(np.ones(x_shape), np.ones(w_shape), np.zeros(1), {"stride": stride, "pad": pad})


@pytest.mark.parametrize("x_shape, w_shape, stride, pad", [CONV_CASES[0], CONV_CASES[3], CONV_CASES[4]])
def test_conv_backward_matches_numerical(x_shape, w_shape, stride, pad):
    # Positive inputs and upstream gradient: every gradient element is a sum of positive
    # terms, so none is a near-cancellation that finite differences cannot resolve.
    x = rng(5).uniform(0.5, 1.5, size=x_shape)
    w = rng(6).uniform(0.5, 1.5, size=w_shape)
    b = rng(7).normal(size=w_shape[0])
    conv_param = {"stride": stride, "pad": pad}
    out, cache = conv_forward_naive(x, w, b, conv_param)
    dout = rng(8).uniform(0.5, 1.5, size=out.shape)
    dx, dw, db = conv_backward_naive(dout, cache)
    f = lambda _: conv_forward_naive(x, w, b, conv_param)[0]
    assert dx.shape == x.shape and dw.shape == w.shape and db.shape == b.shape
    assert_within(rel_error(dx, eval_numerical_gradient_array(f, x, dout)), 1e-7)
    assert_within(rel_error(dw, eval_numerical_gradient_array(f, w, dout)), 1e-7)
    assert_within(rel_error(db, eval_numerical_gradient_array(f, b, dout)), 1e-7)


# Max pooling ---------------------------------------------------------------------------

POOL_CASES = [
    ((2, 3, 4, 4), 2, 2, 2),
    ((1, 2, 6, 4), 3, 2, 1),  # overlapping, non-square windows
    ((2, 1, 5, 7), 3, 3, 2),
    ((1, 2, 4, 6), 2, 3, 1),
]


@pytest.mark.parametrize("x_shape, ph, pw, stride", POOL_CASES)
def test_max_pool_forward_matches_direct_loop(x_shape, ph, pw, stride):
    x = rng(10).normal(size=x_shape)
    pool_param = {"pool_height": ph, "pool_width": pw, "stride": stride}
    out, _ = max_pool_forward_naive(x, pool_param)
    np.testing.assert_array_equal(out, direct_max_pool(x, ph, pw, stride))


def test_max_pool_forward_reproduces_the_published_check():
    x = np.linspace(-0.3, 0.4, num=2 * 3 * 4 * 4).reshape(2, 3, 4, 4)
    out, _ = max_pool_forward_naive(x, {"pool_width": 2, "pool_height": 2, "stride": 2})
    assert_reproduces(out, [[[[-0.26315789, -0.24842105], [-0.20421053, -0.18947368]],
                             [[-0.14526316, -0.13052632], [-0.08631579, -0.07157895]],
                             [[-0.02736842, -0.01263158], [0.03157895, 0.04631579]]],
                            [[[0.09052632, 0.10526316], [0.14947368, 0.16421053]],
                             [[0.20842105, 0.22315789], [0.26736842, 0.28210526]],
                             [[0.32631579, 0.34105263], [0.38526316, 0.4]]]], decimals=8)


def test_max_pool_rejects_windows_that_do_not_tile():
    with pytest.raises(ValueError):
        max_pool_forward_naive(np.ones((1, 1, 5, 4)), {"pool_height": 2, "pool_width": 2, "stride": 2})


@pytest.mark.parametrize("x_shape, ph, pw, stride", POOL_CASES)
def test_max_pool_backward_matches_numerical(x_shape, ph, pw, stride):
    # Distinct values spaced well apart: no ties, and h = 1e-5 never changes the winner.
    size = int(np.prod(x_shape))
    x = rng(11).permutation(size).reshape(x_shape) * 0.1
    pool_param = {"pool_height": ph, "pool_width": pw, "stride": stride}
    out, cache = max_pool_forward_naive(x, pool_param)
    dout = rng(12).normal(size=out.shape)
    dx = max_pool_backward_naive(dout, cache)
    numerical = eval_numerical_gradient_array(lambda v: max_pool_forward_naive(v, pool_param)[0], x, dout)
    assert dx.shape == x.shape
    assert_within(rel_error(dx, numerical), 1e-7)


def test_max_pool_backward_sends_a_tied_window_gradient_to_one_element():
    x = np.zeros((1, 1, 4, 4))
    x[0, 0, 0, 1] = x[0, 0, 1, 0] = 5.0  # two maxima in the top-left window
    x[0, 0, 2:, 2:] = 3.0                 # four in the bottom-right one
    pool_param = {"pool_height": 2, "pool_width": 2, "stride": 2}
    out, cache = max_pool_forward_naive(x, pool_param)
    dx = max_pool_backward_naive(np.array([[[[1.0, 2.0], [3.0, 4.0]]]]), cache)
    expected = np.zeros((4, 4))
    expected[0, 1] = 1.0   # first maximum in row-major order
    expected[2, 0] = 3.0   # all-zero window: its first entry
    expected[0, 2] = 2.0
    expected[2, 2] = 4.0
    np.testing.assert_array_equal(dx[0, 0], expected)


def test_max_pool_backward_accumulates_over_overlapping_windows():
    x = np.array([[[[0.0, 1.0, 0.0], [0.0, 9.0, 0.0], [2.0, 0.0, 3.0]]]])
    pool_param = {"pool_height": 2, "pool_width": 2, "stride": 1}
    out, cache = max_pool_forward_naive(x, pool_param)
    np.testing.assert_array_equal(out[0, 0], [[9.0, 9.0], [9.0, 9.0]])
    dx = max_pool_backward_naive(np.array([[[[1.0, 2.0], [3.0, 4.0]]]]), cache)
    expected = np.zeros((3, 3))
    expected[1, 1] = 10.0
    np.testing.assert_array_equal(dx[0, 0], expected)


# Sandwich layers (fast conv and pool, or the naive ones standing in) -------------------

def test_conv_relu_sandwich(fast_layers):
    x = rng(20).normal(size=(2, 3, 5, 5))
    w = rng(21).normal(size=(4, 3, 3, 3))
    b = rng(22).normal(size=4)
    conv_param = {"stride": 1, "pad": 1}
    out, cache = conv_relu_forward(x, w, b, conv_param)
    np.testing.assert_allclose(out, np.maximum(0, direct_conv(x, w, b, 1, 1)), rtol=1e-10, atol=1e-12)
    dout = rng(23).normal(size=out.shape)
    dx, dw, db = conv_relu_backward(dout, cache)
    f = lambda _: conv_relu_forward(x, w, b, conv_param)[0]
    assert_within(rel_error(dx, eval_numerical_gradient_array(f, x, dout)), 1e-7)
    assert_within(rel_error(dw, eval_numerical_gradient_array(f, w, dout)), 1e-7)
    assert_within(rel_error(db, eval_numerical_gradient_array(f, b, dout)), 1e-7)


def assert_away_from_kinks(a, pool, gap=1e-3):
    """The inputs ``a`` of a ReLU followed by non-overlapping ``pool`` x ``pool`` max
    pooling keep clear of every kink: each is at least ``gap`` from 0, and in each window
    whose maximum is positive that maximum beats the runner-up by at least ``gap``. A
    step of h = 1e-5 in any input moves ``a`` by far less than ``gap``, so it crosses no
    ReLU kink and changes no pool's winner."""
    assert np.abs(a).min() >= gap
    assert (a > 0).any() and (a < 0).any(), "the ReLU must pass some inputs and cut others"
    N, F, H, W = a.shape
    windows = np.maximum(0, a).reshape(N, F, H // pool, pool, W // pool, pool)
    windows = np.sort(windows.transpose(0, 1, 2, 4, 3, 5).reshape(N, F, H // pool, W // pool, -1))
    alive = windows[..., -1] > 0
    assert (windows[..., -1] - windows[..., -2])[alive].min() >= gap


def test_conv_relu_pool_sandwich(fast_layers):
    # With x, w and dout positive every element of dx, dw and db is a sum of positive
    # terms (or exactly 0, where the ReLU or the pool passes nothing back): none is small
    # by cancellation. The negative bias cuts part of the convolution at the ReLU.
    x = rng(24).uniform(0, 1, size=(2, 3, 4, 6))
    w = rng(25).uniform(0, 1, size=(3, 3, 3, 3))
    b = rng(26).uniform(-5, -4, size=3)
    conv_param = {"stride": 1, "pad": 1}
    pool_param = {"pool_height": 2, "pool_width": 2, "stride": 2}
    out, cache = conv_relu_pool_forward(x, w, b, conv_param, pool_param)
    a = direct_conv(x, w, b, 1, 1)
    assert_away_from_kinks(a, pool=2)
    expected = direct_max_pool(np.maximum(0, a), 2, 2, 2)
    np.testing.assert_allclose(out, expected, rtol=1e-10, atol=1e-12)
    dout = rng(27).uniform(0.5, 1.5, size=out.shape)
    dx, dw, db = conv_relu_pool_backward(dout, cache)
    f = lambda _: conv_relu_pool_forward(x, w, b, conv_param, pool_param)[0]
    assert_within(rel_error(dx, eval_numerical_gradient_array(f, x, dout)), 1e-7)
    assert_within(rel_error(dw, eval_numerical_gradient_array(f, w, dout)), 1e-7)
    assert_within(rel_error(db, eval_numerical_gradient_array(f, b, dout)), 1e-7)
