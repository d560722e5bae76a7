"""Inverted dropout: statistics of the mask, test mode, seeds, and the backward pass."""

import numpy as np
import pytest

from a2.layers import dropout_backward, dropout_forward
from cs_utils.gradient_check import eval_numerical_gradient_array, rel_error
from tests.margins import assert_within


def big_input(seed=0):
    return 10.0 + np.random.default_rng(seed).normal(size=(400, 500))


@pytest.mark.parametrize("p", [0.25, 0.4, 0.7, 0.9])
def test_train_mode_keeps_a_fraction_p_and_preserves_the_mean(p):
    x = big_input()
    out, (_, mask) = dropout_forward(x, {"p": p, "mode": "train", "seed": 123})
    kept = out != 0
    assert abs(kept.mean() - p) < 0.01, "the fraction of kept units should be about p"
    assert abs((out == 0).mean() - (1 - p)) < 0.01
    # Kept units are scaled by 1 / p, so the mean of the output matches the input's.
    np.testing.assert_allclose(out[kept], x[kept] / p, rtol=1e-12)
    assert abs(out.mean() / x.mean() - 1) < 0.02
    np.testing.assert_allclose(mask[kept], 1 / p, rtol=1e-12)
    np.testing.assert_array_equal(mask[~kept], 0.0)


def test_keep_probability_one_changes_nothing():
    x = big_input(1)[:20, :30]
    out, _ = dropout_forward(x, {"p": 1.0, "mode": "train"})
    np.testing.assert_array_equal(out, x)


@pytest.mark.parametrize("p", [0.3, 0.8])
def test_test_mode_is_the_identity(p):
    x = big_input(2)[:50, :60]
    x_before = x.copy()
    out, _ = dropout_forward(x, {"p": p, "mode": "test"})
    np.testing.assert_array_equal(out, x_before)
    dx = dropout_backward(np.full_like(x, 2.5), dropout_forward(x, {"p": p, "mode": "test"})[1])
    np.testing.assert_array_equal(dx, 2.5)


def test_a_seed_fixes_the_mask_and_leaves_the_global_generator_alone():
    x = big_input(3)[:30, :40]
    np.random.seed(5)
    state = np.random.get_state()[1].copy()
    out1, _ = dropout_forward(x, {"p": 0.5, "mode": "train", "seed": 42})
    out2, _ = dropout_forward(x, {"p": 0.5, "mode": "train", "seed": 42})
    out3, _ = dropout_forward(x, {"p": 0.5, "mode": "train", "seed": 43})
    np.testing.assert_array_equal(out1, out2)
    assert not np.array_equal(out1, out3)
    np.testing.assert_array_equal(np.random.get_state()[1], state)


def test_without_a_seed_the_mask_comes_from_numpys_global_generator():
    x = big_input(4)[:30, :40]
    np.random.seed(0)
    out1, _ = dropout_forward(x, {"p": 0.5, "mode": "train"})
    out2, _ = dropout_forward(x, {"p": 0.5, "mode": "train"})
    np.random.seed(0)
    out3, _ = dropout_forward(x, {"p": 0.5, "mode": "train"})
    assert not np.array_equal(out1, out2), "each call should draw a new mask"
    np.testing.assert_array_equal(out1, out3)


def test_backward_reuses_the_forward_mask():
    x = big_input(5)[:20, :25]
    out, cache = dropout_forward(x, {"p": 0.6, "mode": "train"})
    dout = np.random.default_rng(6).normal(size=x.shape)
    # Any later draw from the global generator must not change the gradient.
    np.random.rand(100)
    dx = dropout_backward(dout, cache)
    kept = out != 0
    np.testing.assert_allclose(dx[kept], dout[kept] / 0.6, rtol=1e-12)
    np.testing.assert_array_equal(dx[~kept], 0.0)


def test_backward_matches_numerical_with_a_fixed_seed():
    x = np.random.default_rng(7).normal(size=(6, 7))
    dout = np.random.default_rng(8).normal(size=(6, 7))
    param = {"p": 0.4, "mode": "train", "seed": 11}
    _, cache = dropout_forward(x, param)
    dx = dropout_backward(dout, cache)
    numerical = eval_numerical_gradient_array(lambda v: dropout_forward(v, param)[0], x, dout)
    assert_within(rel_error(dx, numerical), 1e-7)
    assert (dx == 0).any() and (dx != 0).any()


def test_dtype_is_kept():
    x = big_input(9)[:10, :10].astype(np.float32)
    out, _ = dropout_forward(x, {"p": 0.5, "mode": "train", "seed": 1})
    assert out.dtype == np.float32


@pytest.mark.parametrize("p", [0.0, -0.2, 1.5])
def test_keep_probability_outside_the_unit_interval_is_rejected(p):
    with pytest.raises(ValueError, match="keep"):
        dropout_forward(np.ones((2, 2)), {"p": p, "mode": "train"})
