"""The provided Adam matches a direct, step-by-step computation of the published rule."""

import numpy as np
import pytest

from cs_utils.optim import adam


def adam_by_hand(w, gradients, learning_rate, beta1, beta2, epsilon):
    """Adam over a list of gradients, one coordinate at a time with plain floats."""
    w = [float(v) for v in w.ravel()]
    m = [0.0] * len(w)
    v = [0.0] * len(w)
    for t, dw in enumerate(gradients, start=1):
        for k, g in enumerate(dw.ravel()):
            m[k] = beta1 * m[k] + (1 - beta1) * g
            v[k] = beta2 * v[k] + (1 - beta2) * g * g
            m_hat = m[k] / (1 - beta1 ** t)
            v_hat = v[k] / (1 - beta2 ** t)
            w[k] -= learning_rate * m_hat / (v_hat ** 0.5 + epsilon)
    return np.array(w)


def test_adam_follows_the_rule_over_several_steps():
    rng = np.random.default_rng(0)
    w = rng.standard_normal((3, 4))
    gradients = [rng.standard_normal((3, 4)) for _ in range(5)]
    config = {"learning_rate": 0.1, "beta1": 0.8, "beta2": 0.95, "epsilon": 1e-6}
    current = w.copy()
    for dw in gradients:
        current, config = adam(current, dw, config)
    assert config["t"] == 5
    np.testing.assert_allclose(current, adam_by_hand(w, gradients, 0.1, 0.8, 0.95, 1e-6).reshape(3, 4),
                               rtol=1e-12)


def test_adam_first_step_moves_each_coordinate_by_the_learning_rate():
    w = np.array([1.0, -2.0, 0.5])
    next_w, config = adam(w, np.array([3.0, -0.01, 200.0]))   # defaults: learning rate 1e-3
    np.testing.assert_allclose(next_w, w - 1e-3 * np.array([1.0, -1.0, 1.0]), rtol=1e-6)
    assert config["t"] == 1 and config["m"].shape == w.shape and config["v"].shape == w.shape


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_adam_keeps_the_shape_and_dtype(dtype):
    w = np.ones((2, 3), dtype=dtype)
    next_w, _ = adam(w, np.full((2, 3), 0.5, dtype=dtype), {"learning_rate": np.float32(1e-2)})
    assert next_w.shape == (2, 3) and next_w.dtype == dtype
