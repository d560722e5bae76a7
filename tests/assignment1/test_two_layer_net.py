"""TwoLayerNet: initialization, a hand-written forward pass, numerical gradients, training."""

import math

import numpy as np
import pytest

from a1.two_layer_net import TwoLayerNet
from cs_utils.gradient_check import eval_numerical_gradient, rel_error
from tests.margins import assert_within
from tests.published import assert_reproduces

PARAM_NAMES = {"W1", "b1", "W2", "b2"}


def hand_forward(params, X):
    """Scores one example and one unit at a time, from the definition."""
    W1, b1, W2, b2 = (params[k] for k in ("W1", "b1", "W2", "b2"))
    rows = X.reshape(len(X), -1)
    scores = np.zeros((len(X), W2.shape[1]))
    for n, x in enumerate(rows):
        hidden = [max(0.0, float(x @ W1[:, h] + b1[h])) for h in range(W1.shape[1])]
        for c in range(W2.shape[1]):
            scores[n, c] = sum(hidden[h] * W2[h, c] for h in range(len(hidden))) + b2[c]
    return scores


def hand_loss(params, X, y, reg):
    scores = hand_forward(params, X)
    data = sum(math.log(sum(math.exp(v) for v in s)) - s[label] for s, label in zip(scores, y)) / len(y)
    return data + 0.5 * reg * (np.sum(params["W1"] ** 2) + np.sum(params["W2"] ** 2))


def fixed_model(reg=0.0):
    """A small net with fixed parameters: N = 3, D = 5, H = 4, C = 3."""
    model = TwoLayerNet(input_dim=5, hidden_dim=4, num_classes=3, weight_scale=1e-2, reg=reg)
    model.params["W1"] = np.linspace(-0.7, 0.3, num=20).reshape(5, 4)
    model.params["b1"] = np.linspace(-0.1, 0.9, num=4)
    model.params["W2"] = np.linspace(-0.3, 0.4, num=12).reshape(4, 3)
    model.params["b2"] = np.linspace(-0.9, 0.1, num=3)
    X = np.linspace(-5.5, 4.5, num=15).reshape(3, 5)
    y = np.array([0, 2, 1])
    return model, X, y


def test_initialization():
    np.random.seed(0)
    model = TwoLayerNet(input_dim=60, hidden_dim=50, num_classes=7, weight_scale=0.05)
    p = model.params
    assert set(p) == PARAM_NAMES
    assert p["W1"].shape == (60, 50) and p["b1"].shape == (50,)
    assert p["W2"].shape == (50, 7) and p["b2"].shape == (7,)
    assert all(v.dtype == np.float64 for v in p.values())
    np.testing.assert_array_equal(p["b1"], 0.0)
    np.testing.assert_array_equal(p["b2"], 0.0)
    assert 0.045 < p["W1"].std() < 0.055 and abs(p["W1"].mean()) < 0.005
    assert 0.04 < p["W2"].std() < 0.06


def test_default_sizes_are_cifar10():
    np.random.seed(0)
    model = TwoLayerNet()
    assert model.params["W1"].shape == (3 * 32 * 32, 100)
    assert model.params["W2"].shape == (100, 10)


def test_scores_match_hand_forward():
    model, X, _ = fixed_model()
    scores = model.loss(X)
    assert scores.shape == (3, 3)
    np.testing.assert_allclose(scores, hand_forward(model.params, X), rtol=1e-12, atol=1e-12)
    # Some hidden units are cut off by the ReLU in this example, some are not.
    pre = X @ model.params["W1"] + model.params["b1"]
    assert (pre < 0).any() and (pre > 0).any()


@pytest.mark.parametrize("reg", [0.0, 0.7])
def test_loss_matches_hand_computation(reg):
    model, X, y = fixed_model(reg)
    loss, grads = model.loss(X, y)
    assert loss == pytest.approx(hand_loss(model.params, X, y, reg), rel=1e-12)
    assert set(grads) == PARAM_NAMES
    for name in PARAM_NAMES:
        assert grads[name].shape == model.params[name].shape


def test_the_published_two_layer_net_check_is_reproduced():
    """The TwoLayerNet check of the CS231n-family notebooks: linspace parameters and
    inputs, scores to 8 decimals, losses without and with reg = 1.0 to 10."""
    N, D, H, C = 3, 5, 50, 7
    model = TwoLayerNet(input_dim=D, hidden_dim=H, num_classes=C, weight_scale=1e-3)
    model.params["W1"] = np.linspace(-0.7, 0.3, num=D * H).reshape(D, H)
    model.params["b1"] = np.linspace(-0.1, 0.9, num=H)
    model.params["W2"] = np.linspace(-0.3, 0.4, num=H * C).reshape(H, C)
    model.params["b2"] = np.linspace(-0.9, 0.1, num=C)
    X = np.linspace(-5.5, 4.5, num=N * D).reshape(D, N).T
    assert_reproduces(model.loss(X), [
        [11.53165108, 12.2917344, 13.05181771, 13.81190102, 14.57198434, 15.33206765, 16.09215096],
        [12.05769098, 12.74614105, 13.43459113, 14.1230412, 14.81149128, 15.49994135, 16.18839143],
        [12.58373087, 13.20054771, 13.81736455, 14.43418138, 15.05099822, 15.66781506, 16.2846319],
    ], decimals=8)
    y = np.asarray([0, 5, 1])
    assert_reproduces(model.loss(X, y)[0], 3.4702243556, decimals=10)
    model.reg = 1.0
    assert_reproduces(model.loss(X, y)[0], 26.5948426952, decimals=10)


def test_regularization_adds_half_reg_squared_weights():
    model, X, y = fixed_model(0.0)
    loss0, _ = model.loss(X, y)
    model.reg = 0.3
    loss1, _ = model.loss(X, y)
    penalty = 0.5 * 0.3 * (np.sum(model.params["W1"] ** 2) + np.sum(model.params["W2"] ** 2))
    assert loss1 - loss0 == pytest.approx(penalty, rel=1e-12)


# One evaluation of the loss carries a roundoff of about eps * |loss|, and the centred
# difference divides it by 2h: every numerical element is off by about 1e-11 * |loss|,
# however small the element. The softmax makes many elements sums over examples that
# cancel to almost nothing, and for those that error is a large part of the value. The
# elements at least FLOOR * |loss| (in the analytic or the numerical gradient) can be
# held to a relative 1e-7 with a wide margin (about 2e-9 at worst); where the numerical
# gradient is exactly 0 (a hidden unit the ReLU cuts for every example) it is exact.
FLOOR = 3e-3


def well_conditioned(analytic, numerical, loss):
    """The elements of a gradient that the numerical check can judge to 1e-7."""
    large = np.maximum(np.abs(analytic), np.abs(numerical)) >= FLOOR * abs(loss)
    return large | (numerical == 0)


@pytest.mark.parametrize("reg", [0.0, 0.7])
def test_gradients_match_numerical(reg):
    np.random.seed(1)
    N, D, H, C = 4, 6, 5, 3
    model = TwoLayerNet(input_dim=D, hidden_dim=H, num_classes=C, weight_scale=0.5, reg=reg)
    model.params["b1"] = 0.1 * np.random.randn(H)
    model.params["b2"] = 0.1 * np.random.randn(C)
    X = np.random.randn(N, D)
    y = np.random.randint(C, size=N)
    # Every ReLU input at least 1e-3 from its kink at 0, far more than a step of h = 1e-5
    # in any parameter moves it; the ReLU passes some inputs and cuts others.
    hidden_in = X @ model.params["W1"] + model.params["b1"]
    assert np.abs(hidden_in).min() >= 1e-3 and (hidden_in > 0).any() and (hidden_in < 0).any()
    _, grads = model.loss(X, y)
    loss = hand_loss(model.params, X, y, reg)
    checked = total = 0
    for name in sorted(PARAM_NAMES):
        numerical = eval_numerical_gradient(lambda _: model.loss(X, y)[0], model.params[name], verbose=False)
        well = well_conditioned(grads[name], numerical, loss)
        checked, total = checked + well.sum(), total + well.size
        assert well.any(), name
        assert_within(rel_error(grads[name][well], numerical[well]), 1e-7, name)
    assert checked >= 0.8 * total, f"only {checked} of {total} gradient elements are checked"


def test_image_shaped_inputs():
    np.random.seed(2)
    model = TwoLayerNet(input_dim=3 * 4 * 4, hidden_dim=8, num_classes=5, weight_scale=0.1)
    X = np.random.randn(6, 3, 4, 4)
    scores = model.loss(X)
    assert scores.shape == (6, 5)
    np.testing.assert_allclose(scores, hand_forward(model.params, X), rtol=1e-12, atol=1e-12)
    loss, grads = model.loss(X, np.arange(6) % 5)
    assert grads["W1"].shape == (48, 8)


def test_initial_loss_is_log_num_classes():
    np.random.seed(3)
    model = TwoLayerNet(input_dim=300, hidden_dim=50, num_classes=10, weight_scale=1e-3)
    X = np.random.randn(20, 300)
    y = np.random.randint(10, size=20)
    loss, _ = model.loss(X, y)
    assert loss == pytest.approx(math.log(10), abs=0.01)


def test_plain_sgd_on_params_overfits_a_small_set():
    # What a Solver does: read model.params, call model.loss, update params in place.
    np.random.seed(4)
    model = TwoLayerNet(input_dim=10, hidden_dim=30, num_classes=4, weight_scale=0.1)
    X = np.random.randn(20, 10)
    y = np.random.randint(4, size=20)
    first, _ = model.loss(X, y)
    for _ in range(300):
        loss, grads = model.loss(X, y)
        for name, value in model.params.items():
            value -= 0.5 * grads[name]
    assert loss < 0.05 * first
    assert np.mean(np.argmax(model.loss(X), axis=1) == y) == 1.0
