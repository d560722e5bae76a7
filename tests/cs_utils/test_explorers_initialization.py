"""Initialization explorer: the standard deviations and the per-layer factors theory predicts."""

import numpy as np
import pytest

from cs_utils.explorers.initialization import (activation_statistics, draw_initialization,
                                               layer_activations, weight_std)


def test_weight_std_of_each_scheme():
    assert weight_std("constant", 0.01, 256) == pytest.approx(0.01)
    assert weight_std("xavier", 1.0, 256) == pytest.approx(1 / 16)
    assert weight_std("he", 2.0, 200) == pytest.approx(2 * np.sqrt(2 / 200))
    for bad in (("lecun", 1.0, 10), ("he", 0.0, 10), ("he", 1.0, 0)):
        with pytest.raises(ValueError):
            weight_std(*bad)


def test_activations_follow_the_recurrence():
    acts = layer_activations("tanh", "xavier", 1.0, num_layers=3, width=8, num_samples=5, seed=4)
    rng = np.random.default_rng(4)
    h = rng.standard_normal((5, 8))
    for layer in range(3):
        h = np.tanh(h @ (np.sqrt(1 / 8) * rng.standard_normal((8, 8))))
        np.testing.assert_allclose(acts[layer], h)
    means, stds = activation_statistics(acts)
    np.testing.assert_allclose(means, [a.mean() for a in acts])
    np.testing.assert_allclose(stds, [a.std() for a in acts])


def test_small_constant_scale_shrinks_tanh_activations_geometrically():
    # tanh is nearly linear for small inputs: each layer multiplies the std by
    # about scale * sqrt(width) = 0.01 * 16 = 0.16.
    _, stds = activation_statistics(layer_activations("tanh", "constant", 0.01, num_layers=8))
    ratios = stds[1:] / stds[:-1]
    np.testing.assert_allclose(ratios[2:], 0.16, rtol=0.05)
    assert stds[-1] < 1e-5


def test_relu_keeps_its_scale_with_he_and_halves_its_variance_with_xavier():
    _, he = activation_statistics(layer_activations("relu", "he", 1.0, num_layers=10))
    _, xavier = activation_statistics(layer_activations("relu", "xavier", 1.0, num_layers=10))
    assert he[-1] / he[1] == pytest.approx(1.0, abs=0.25)
    per_layer = (xavier[-1] / xavier[1]) ** (1 / 8)     # geometric mean of 8 layer ratios
    assert per_layer == pytest.approx(np.sqrt(0.5), rel=0.03)


def test_tanh_with_a_large_scale_saturates():
    acts = layer_activations("tanh", "constant", 1.0, num_layers=4)
    assert np.mean(np.abs(acts[-1]) > 0.99) > 0.8


def test_summary_and_bad_nonlinearity():
    _, summary = draw_initialization("relu", "he", 1.0, 6)
    assert summary.startswith("std of the activations: layer 1 ")
    with pytest.raises(ValueError, match="nonlinearity"):
        layer_activations("sigmoid", "he", 1.0)
