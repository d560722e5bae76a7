"""ThreeLayerConvNet: parameter shapes, a forward pass written out here, gradients, training.

The network's conv sandwich uses cs_utils.fast_layers; the ``fast_layers`` fixture
stands in the naive layers while that module does not exist.
"""

import math

import numpy as np
import pytest

from a2 import optim
from a2.cnn import ThreeLayerConvNet
from cs_utils.gradient_check import eval_numerical_gradient, rel_error
from cs_utils.solver import Solver
from tests.margins import assert_within


def small_net(**kwargs):
    kwargs = {"input_dim": (2, 6, 4), "num_filters": 3, "filter_size": 3, "hidden_dim": 5,
              "num_classes": 4, "weight_scale": 0.3, "dtype": np.float64, **kwargs}
    return ThreeLayerConvNet(**kwargs)


def hand_scores(params, X):
    """conv (stride 1, same padding) - ReLU - 2x2 max pool - affine - ReLU - affine."""
    W1, b1 = params["W1"], params["b1"]
    N, C, H, W = X.shape
    F, _, K, _ = W1.shape
    pad = (K - 1) // 2
    padded = np.zeros((N, C, H + 2 * pad, W + 2 * pad))
    padded[:, :, pad:pad + H, pad:pad + W] = X
    conv = np.zeros((N, F, H, W))
    for i in range(H):
        for j in range(W):
            conv[:, :, i, j] = np.einsum("nckl,fckl->nf", padded[:, :, i:i + K, j:j + K], W1) + b1
    relu = np.maximum(0, conv)
    pooled = relu.reshape(N, F, H // 2, 2, W // 2, 2).max(axis=(3, 5))
    hidden = np.maximum(0, pooled.reshape(N, -1) @ params["W2"] + params["b2"])
    return hidden @ params["W3"] + params["b3"]


def randomize_biases(model, seed):
    generator = np.random.default_rng(seed)
    for name in ("b1", "b2", "b3"):
        model.params[name] = 0.1 * generator.normal(size=model.params[name].shape)


def test_parameter_shapes_and_defaults():
    np.random.seed(0)
    model = ThreeLayerConvNet()
    shapes = {name: value.shape for name, value in model.params.items()}
    assert shapes == {"W1": (32, 3, 7, 7), "b1": (32,), "W2": (32 * 16 * 16, 100), "b2": (100,),
                      "W3": (100, 10), "b3": (10,)}
    assert all(value.dtype == np.float32 for value in model.params.values())
    assert 0.0009 < model.params["W2"].std() < 0.0011
    np.testing.assert_array_equal(model.params["b1"], 0.0)


def test_non_square_input_shapes():
    model = small_net(input_dim=(3, 8, 6), num_filters=4, filter_size=5, hidden_dim=7, num_classes=3)
    assert model.params["W1"].shape == (4, 3, 5, 5)
    assert model.params["W2"].shape == (4 * 4 * 3, 7)
    assert model.params["W3"].shape == (7, 3)


def test_invalid_sizes_are_rejected():
    with pytest.raises(ValueError, match="odd"):
        small_net(filter_size=4)
    with pytest.raises(ValueError, match="even"):
        small_net(input_dim=(2, 5, 4))


def test_scores_match_hand_forward(fast_layers):
    np.random.seed(1)
    model = small_net()
    randomize_biases(model, 1)
    X = np.random.default_rng(2).normal(size=(3, 2, 6, 4))
    scores = model.loss(X)
    assert scores.shape == (3, 4)
    np.testing.assert_allclose(scores, hand_scores(model.params, X), rtol=1e-10, atol=1e-12)


def test_loss_and_regularization(fast_layers):
    np.random.seed(3)
    model = small_net()
    randomize_biases(model, 3)
    X = np.random.default_rng(4).normal(size=(3, 2, 6, 4))
    y = np.array([0, 3, 1])
    scores = hand_scores(model.params, X)
    shifted = scores - scores.max(axis=1, keepdims=True)
    data_loss = np.mean(np.log(np.exp(shifted).sum(axis=1)) - shifted[np.arange(3), y])
    loss, grads = model.loss(X, y)
    assert loss == pytest.approx(data_loss, rel=1e-10)
    assert {name: g.shape for name, g in grads.items()} == {n: v.shape for n, v in model.params.items()}
    model.reg = 0.4
    penalty = 0.2 * sum(np.sum(model.params[name] ** 2) for name in ("W1", "W2", "W3"))
    assert model.loss(X, y)[0] == pytest.approx(data_loss + penalty, rel=1e-10)


def test_initial_loss_is_log_num_classes(fast_layers):
    np.random.seed(5)
    model = ThreeLayerConvNet(input_dim=(3, 8, 8), num_filters=8, filter_size=3, hidden_dim=20)
    X = np.random.randn(10, 3, 8, 8)
    y = np.random.randint(10, size=10)
    loss, _ = model.loss(X, y)
    assert loss == pytest.approx(math.log(10), abs=0.01)


@pytest.mark.parametrize("reg", [0.0, 0.5])
def test_gradients_match_numerical(fast_layers, reg):
    np.random.seed(6)
    model = small_net(reg=reg)
    randomize_biases(model, 6)
    X = np.random.default_rng(7).normal(size=(2, 2, 6, 4))
    y = np.array([1, 2])
    _, grads = model.loss(X, y)
    for name in sorted(model.params):
        numerical = eval_numerical_gradient(lambda _: model.loss(X, y)[0], model.params[name], verbose=False)
        assert_within(rel_error(grads[name], numerical), 1e-7, name)


def test_solver_overfits_a_few_images(fast_layers):
    np.random.seed(8)
    generator = np.random.default_rng(9)
    X = generator.normal(size=(20, 3, 8, 8))
    y = generator.integers(10, size=20)
    data = {"X_train": X, "y_train": y, "X_val": X[:5], "y_val": y[:5]}
    model = ThreeLayerConvNet(input_dim=(3, 8, 8), num_filters=8, filter_size=3, hidden_dim=30,
                              weight_scale=0.1)
    solver = Solver(model, data, update_rule=optim.adam, optim_config={"learning_rate": 1e-2},
                    num_epochs=30, batch_size=10, verbose=False)
    solver.train()
    assert solver.train_acc_history[-1] == 1.0
