"""Batch, layer, spatial batch and group normalization.

Forward passes are held against statistics computed one column, row, channel or group
at a time; backward passes against numerical gradients.
"""

import numpy as np
import pytest

from a2.layers import (batchnorm_backward, batchnorm_backward_alt, batchnorm_forward, layernorm_backward,
                       layernorm_forward, spatial_batchnorm_backward, spatial_batchnorm_forward,
                       spatial_groupnorm_backward, spatial_groupnorm_forward)
from cs_utils.gradient_check import eval_numerical_gradient_array, rel_error
from tests.margins import assert_within

EPS = 1e-5


def rng(seed):
    return np.random.default_rng(seed)


def normalized(values, eps=EPS):
    """(values - mean) / sqrt(var + eps) of a flat list of numbers, from the definitions."""
    values = np.asarray(values, dtype=np.float64).ravel()
    mean = sum(values) / len(values)
    var = sum((v - mean) ** 2 for v in values) / len(values)
    return (values - mean) / np.sqrt(var + eps)


def problem(seed=0, N=6, D=4):
    x = 3.0 + 2.0 * rng(seed).normal(size=(N, D))
    gamma = rng(seed + 1).uniform(0.5, 2.0, size=D)
    beta = rng(seed + 2).normal(size=D)
    return x, gamma, beta


# Batch normalization: forward ----------------------------------------------------------

def test_batchnorm_train_forward_normalizes_each_feature():
    x, gamma, beta = problem()
    out, _ = batchnorm_forward(x, gamma, beta, {"mode": "train"})
    assert out.shape == x.shape
    for d in range(x.shape[1]):
        np.testing.assert_allclose(out[:, d], gamma[d] * normalized(x[:, d]) + beta[d], rtol=1e-10)


def test_batchnorm_uses_eps_from_bn_param():
    x = np.array([[0.0], [2.0]])  # mean 1, variance 1
    out, _ = batchnorm_forward(x, np.ones(1), np.zeros(1), {"mode": "train", "eps": 3.0})
    np.testing.assert_allclose(out[:, 0], [-0.5, 0.5], rtol=1e-12)


def test_batchnorm_train_updates_running_statistics_with_momentum():
    x1, gamma, beta = problem(0)
    x2, _, _ = problem(10)
    bn_param = {"mode": "train", "momentum": 0.8}
    batchnorm_forward(x1, gamma, beta, bn_param)
    # The defaults: running mean 0 and running variance 1 before the first batch.
    mean1, var1 = x1.mean(axis=0), x1.var(axis=0)
    np.testing.assert_allclose(bn_param["running_mean"], 0.2 * mean1, rtol=1e-12)
    np.testing.assert_allclose(bn_param["running_var"], 0.8 * 1.0 + 0.2 * var1, rtol=1e-12)

    batchnorm_forward(x2, gamma, beta, bn_param)
    np.testing.assert_allclose(bn_param["running_mean"], 0.8 * 0.2 * mean1 + 0.2 * x2.mean(axis=0),
                               rtol=1e-12)
    np.testing.assert_allclose(bn_param["running_var"], 0.8 * (0.8 + 0.2 * var1) + 0.2 * x2.var(axis=0),
                               rtol=1e-12)


def test_batchnorm_default_momentum_is_0_9():
    x, gamma, beta = problem()
    running_mean, running_var = np.full(4, 2.0), np.full(4, 5.0)
    bn_param = {"mode": "train", "running_mean": running_mean.copy(), "running_var": running_var.copy()}
    batchnorm_forward(x, gamma, beta, bn_param)
    np.testing.assert_allclose(bn_param["running_mean"], 0.9 * running_mean + 0.1 * x.mean(axis=0),
                               rtol=1e-12)
    np.testing.assert_allclose(bn_param["running_var"], 0.9 * running_var + 0.1 * x.var(axis=0), rtol=1e-12)


def test_batchnorm_test_mode_uses_running_statistics_and_updates_nothing():
    x, gamma, beta = problem()
    running_mean = np.array([1.0, -2.0, 0.5, 3.0])
    running_var = np.array([4.0, 0.25, 1.0, 9.0])
    bn_param = {"mode": "test", "running_mean": running_mean.copy(), "running_var": running_var.copy()}
    out, _ = batchnorm_forward(x, gamma, beta, bn_param)
    expected = np.array([[gamma[d] * (x[n, d] - running_mean[d]) / np.sqrt(running_var[d] + EPS) + beta[d]
                          for d in range(4)] for n in range(6)])
    np.testing.assert_allclose(out, expected, rtol=1e-12)
    np.testing.assert_array_equal(bn_param["running_mean"], running_mean)
    np.testing.assert_array_equal(bn_param["running_var"], running_var)
    # Each example's output no longer depends on the rest of the batch.
    single, _ = batchnorm_forward(x[2:3], gamma, beta, bn_param)
    np.testing.assert_allclose(single, out[2:3], rtol=1e-12)


def test_batchnorm_running_statistics_converge_to_the_data_statistics():
    gamma, beta = np.ones(3), np.zeros(3)
    bn_param = {"mode": "train"}
    generator = rng(7)
    for _ in range(200):
        batch = np.array([5.0, -1.0, 0.0]) + np.array([2.0, 0.5, 3.0]) * generator.normal(size=(100, 3))
        batchnorm_forward(batch, gamma, beta, bn_param)
    np.testing.assert_allclose(bn_param["running_mean"], [5.0, -1.0, 0.0], atol=0.3)
    np.testing.assert_allclose(bn_param["running_var"], [4.0, 0.25, 9.0], rtol=0.15)
    bn_param["mode"] = "test"
    test_batch = np.array([5.0, -1.0, 0.0]) + np.array([2.0, 0.5, 3.0]) * generator.normal(size=(2000, 3))
    out, _ = batchnorm_forward(test_batch, gamma, beta, bn_param)
    np.testing.assert_allclose(out.mean(axis=0), 0.0, atol=0.15)
    np.testing.assert_allclose(out.std(axis=0), 1.0, atol=0.15)


def test_batchnorm_rejects_unknown_mode():
    x, gamma, beta = problem()
    with pytest.raises(ValueError, match="mode"):
        batchnorm_forward(x, gamma, beta, {"mode": "eval"})


# Batch normalization: backward -------------------------------------------------------

@pytest.mark.parametrize("backward", [batchnorm_backward, batchnorm_backward_alt])
def test_batchnorm_backward_matches_numerical(backward):
    x, gamma, beta = problem(3, N=5, D=4)
    dout = rng(4).normal(size=(5, 4))
    _, cache = batchnorm_forward(x, gamma, beta, {"mode": "train"})
    dx, dgamma, dbeta = backward(dout, cache)
    f = lambda _: batchnorm_forward(x, gamma, beta, {"mode": "train"})[0]
    assert dx.shape == x.shape and dgamma.shape == gamma.shape and dbeta.shape == beta.shape
    assert_within(rel_error(dx, eval_numerical_gradient_array(f, x, dout)), 1e-7)
    assert_within(rel_error(dgamma, eval_numerical_gradient_array(f, gamma, dout)), 1e-7)
    assert_within(rel_error(dbeta, eval_numerical_gradient_array(f, beta, dout)), 1e-7)


def test_batchnorm_backward_versions_agree():
    x, gamma, beta = problem(5, N=50, D=20)
    dout = rng(6).normal(size=(50, 20))
    _, cache = batchnorm_forward(x, gamma, beta, {"mode": "train"})
    for a, b in zip(batchnorm_backward(dout, cache), batchnorm_backward_alt(dout, cache)):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


def test_batchnorm_dx_sums_to_zero_over_the_batch():
    # Shifting every example by the same amount does not change the output.
    x, gamma, beta = problem(8)
    dout = rng(9).normal(size=x.shape)
    _, cache = batchnorm_forward(x, gamma, beta, {"mode": "train"})
    dx, _, _ = batchnorm_backward(dout, cache)
    np.testing.assert_allclose(dx.sum(axis=0), 0.0, atol=1e-12)


# Layer normalization -------------------------------------------------------------------

def test_layernorm_normalizes_each_example():
    x, gamma, beta = problem(11, N=5, D=6)
    x[2] *= 10.0  # a different scale per example must not matter
    out, _ = layernorm_forward(x, gamma, beta, {})
    for n in range(5):
        np.testing.assert_allclose(out[n], gamma * normalized(x[n]) + beta, rtol=1e-10)


def test_layernorm_is_batchnorm_of_the_transposed_input():
    x, _, _ = problem(12, N=4, D=7)
    ones, zeros = np.ones(7), np.zeros(7)
    out, _ = layernorm_forward(x, ones, zeros, {})
    by_column, _ = batchnorm_forward(x.T, np.ones(4), np.zeros(4), {"mode": "train"})
    np.testing.assert_allclose(out, by_column.T, rtol=1e-12, atol=1e-12)
    # Normalizing over the batch instead gives something else.
    assert not np.allclose(out, batchnorm_forward(x, ones, zeros, {"mode": "train"})[0])


def test_layernorm_is_the_same_for_one_example_and_a_batch():
    x, gamma, beta = problem(13, N=5, D=6)
    out, _ = layernorm_forward(x, gamma, beta, {"mode": "test"})
    single, _ = layernorm_forward(x[3:4], gamma, beta, {"mode": "train"})
    np.testing.assert_allclose(single, out[3:4], rtol=1e-12)


def test_layernorm_uses_eps_from_ln_param():
    x = np.array([[0.0, 2.0]])
    out, _ = layernorm_forward(x, np.ones(2), np.zeros(2), {"eps": 3.0})
    np.testing.assert_allclose(out, [[-0.5, 0.5]], rtol=1e-12)


def test_layernorm_backward_matches_numerical():
    x, gamma, beta = problem(14, N=4, D=5)
    dout = rng(15).normal(size=(4, 5))
    _, cache = layernorm_forward(x, gamma, beta, {})
    dx, dgamma, dbeta = layernorm_backward(dout, cache)
    f = lambda _: layernorm_forward(x, gamma, beta, {})[0]
    assert dx.shape == x.shape and dgamma.shape == gamma.shape and dbeta.shape == beta.shape
    assert_within(rel_error(dx, eval_numerical_gradient_array(f, x, dout)), 1e-7)
    assert_within(rel_error(dgamma, eval_numerical_gradient_array(f, gamma, dout)), 1e-7)
    assert_within(rel_error(dbeta, eval_numerical_gradient_array(f, beta, dout)), 1e-7)


# Spatial batch normalization -----------------------------------------------------------

def image_problem(seed=0, N=3, C=4, H=3, W=5):
    x = 2.0 + 3.0 * rng(seed).normal(size=(N, C, H, W))
    gamma = rng(seed + 1).uniform(0.5, 2.0, size=C)
    beta = rng(seed + 2).normal(size=C)
    return x, gamma, beta


def test_spatial_batchnorm_normalizes_each_channel_over_batch_and_pixels():
    x, gamma, beta = image_problem(20)
    bn_param = {"mode": "train"}
    out, _ = spatial_batchnorm_forward(x, gamma, beta, bn_param)
    assert out.shape == x.shape
    for c in range(4):
        expected = gamma[c] * normalized(x[:, c]) + beta[c]
        np.testing.assert_allclose(out[:, c].ravel(), expected, rtol=1e-10)
    assert bn_param["running_mean"].shape == (4,)
    np.testing.assert_allclose(bn_param["running_mean"], 0.1 * x.mean(axis=(0, 2, 3)), rtol=1e-12)
    np.testing.assert_allclose(bn_param["running_var"], 0.9 + 0.1 * x.var(axis=(0, 2, 3)), rtol=1e-12)


def test_spatial_batchnorm_test_mode():
    x, gamma, beta = image_problem(21)
    running_mean, running_var = np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.0, 4.0, 9.0, 16.0])
    bn_param = {"mode": "test", "running_mean": running_mean.copy(), "running_var": running_var.copy()}
    out, _ = spatial_batchnorm_forward(x, gamma, beta, bn_param)
    shape = (1, 4, 1, 1)
    expected = (gamma.reshape(shape) * (x - running_mean.reshape(shape))
                / np.sqrt(running_var.reshape(shape) + EPS) + beta.reshape(shape))
    np.testing.assert_allclose(out, expected, rtol=1e-12)
    np.testing.assert_array_equal(bn_param["running_mean"], running_mean)
    np.testing.assert_array_equal(bn_param["running_var"], running_var)


def test_spatial_batchnorm_backward_matches_numerical():
    x, gamma, beta = image_problem(22, N=2, C=3, H=3, W=2)
    dout = rng(23).normal(size=x.shape)
    _, cache = spatial_batchnorm_forward(x, gamma, beta, {"mode": "train"})
    dx, dgamma, dbeta = spatial_batchnorm_backward(dout, cache)
    f = lambda _: spatial_batchnorm_forward(x, gamma, beta, {"mode": "train"})[0]
    assert dx.shape == x.shape and dgamma.shape == (3,) and dbeta.shape == (3,)
    assert_within(rel_error(dx, eval_numerical_gradient_array(f, x, dout)), 1e-7)
    assert_within(rel_error(dgamma, eval_numerical_gradient_array(f, gamma, dout)), 1e-7)
    assert_within(rel_error(dbeta, eval_numerical_gradient_array(f, beta, dout)), 1e-7)


# Group normalization -------------------------------------------------------------------

def group_problem(seed=0, N=2, C=6, H=3, W=2):
    x = 1.0 + 2.0 * rng(seed).normal(size=(N, C, H, W))
    gamma = rng(seed + 1).uniform(0.5, 2.0, size=(1, C, 1, 1))
    beta = rng(seed + 2).normal(size=(1, C, 1, 1))
    return x, gamma, beta


@pytest.mark.parametrize("G", [1, 2, 3, 6])
def test_groupnorm_normalizes_each_group_of_each_example(G):
    x, gamma, beta = group_problem(30)
    out, _ = spatial_groupnorm_forward(x, gamma, beta, G, {})
    size = 6 // G
    expected = np.empty_like(x)
    for n in range(2):
        for g in range(G):
            channels = slice(g * size, (g + 1) * size)
            expected[n, channels] = normalized(x[n, channels]).reshape(size, 3, 2)
    np.testing.assert_allclose(out, gamma * expected + beta, rtol=1e-10, atol=1e-12)


def test_groupnorm_with_one_channel_per_group_is_instance_norm():
    x, gamma, beta = group_problem(31)
    out, _ = spatial_groupnorm_forward(x, np.ones_like(gamma), np.zeros_like(beta), 6, {})
    for n in range(2):
        for c in range(6):
            np.testing.assert_allclose(out[n, c].ravel(), normalized(x[n, c]), rtol=1e-10)


def test_groupnorm_uses_eps_and_rejects_bad_groups():
    x = np.array([0.0, 2.0, 0.0, 2.0]).reshape(1, 2, 2, 1)
    out, _ = spatial_groupnorm_forward(x, np.ones((1, 2, 1, 1)), np.zeros((1, 2, 1, 1)), 1, {"eps": 3.0})
    np.testing.assert_allclose(out.ravel(), [-0.5, 0.5, -0.5, 0.5], rtol=1e-12)
    with pytest.raises(ValueError, match="groups"):
        spatial_groupnorm_forward(np.ones((1, 6, 2, 2)), np.ones((1, 6, 1, 1)), np.zeros((1, 6, 1, 1)), 4, {})


@pytest.mark.parametrize("G", [2, 3])
def test_groupnorm_backward_matches_numerical(G):
    x, gamma, beta = group_problem(32 + G)
    dout = rng(40 + G).normal(size=x.shape)
    _, cache = spatial_groupnorm_forward(x, gamma, beta, G, {})
    dx, dgamma, dbeta = spatial_groupnorm_backward(dout, cache)
    f = lambda _: spatial_groupnorm_forward(x, gamma, beta, G, {})[0]
    assert dx.shape == x.shape and dgamma.shape == (1, 6, 1, 1) and dbeta.shape == (1, 6, 1, 1)
    assert_within(rel_error(dx, eval_numerical_gradient_array(f, x, dout)), 1e-7)
    assert_within(rel_error(dgamma, eval_numerical_gradient_array(f, gamma, dout)), 1e-7)
    assert_within(rel_error(dbeta, eval_numerical_gradient_array(f, beta, dout)), 1e-7)
