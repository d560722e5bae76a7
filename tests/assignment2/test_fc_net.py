"""FullyConnectedNet: parameters, a hand-written forward pass, numerical gradients, modes, training."""

import math

import numpy as np
import pytest

from a2 import optim
from a2.fc_net import FullyConnectedNet, initial_weight_std
from cs_utils.gradient_check import eval_numerical_gradient, rel_error
from cs_utils.solver import Solver
from tests.margins import assert_within
from tests.published import assert_reproduces

EPS = 1e-5


def make_net(hidden_dims=(6, 5), input_dim=8, num_classes=4, **kwargs):
    kwargs.setdefault("dtype", np.float64)
    return FullyConnectedNet(list(hidden_dims), input_dim=input_dim, num_classes=num_classes, **kwargs)


def randomize(model, seed):
    """Replace the zero biases and unit gammas by random values, so that every
    parameter matters in the checks."""
    generator = np.random.default_rng(seed)
    for name, value in model.params.items():
        if name.startswith("b") or name.startswith("beta"):
            model.params[name] = 0.1 * generator.normal(size=value.shape)
        elif name.startswith("gamma"):
            model.params[name] = generator.uniform(0.5, 1.5, size=value.shape)


def hand_scores(model, X, statistics):
    """Scores computed one layer at a time from the definitions.

    statistics(layer, a) returns the (mean, var) used to normalize the pre-activations
    a of a hidden layer (ignored without normalization).
    """
    p = model.params
    a = X.reshape(len(X), -1)
    for layer in range(1, model.num_layers):
        z = np.array([[sum(a[n, i] * p[f"W{layer}"][i, j] for i in range(a.shape[1])) + p[f"b{layer}"][j]
                       for j in range(p[f"W{layer}"].shape[1])] for n in range(len(a))])
        if model.normalization is not None:
            mean, var = statistics(layer, z)
            z = p[f"gamma{layer}"] * (z - mean) / np.sqrt(var + EPS) + p[f"beta{layer}"]
        a = np.maximum(0, z)
    L = model.num_layers
    return a @ p[f"W{L}"] + p[f"b{L}"]


# Parameters ---------------------------------------------------------------------------

@pytest.mark.parametrize("normalization", [None, "batchnorm", "layernorm"])
def test_parameter_names_and_shapes(normalization):
    np.random.seed(0)
    model = FullyConnectedNet([7, 6, 5], input_dim=9, num_classes=3, normalization=normalization)
    expected = {"W1": (9, 7), "b1": (7,), "W2": (7, 6), "b2": (6,), "W3": (6, 5), "b3": (5,),
                "W4": (5, 3), "b4": (3,)}
    if normalization is not None:
        expected.update({"gamma1": (7,), "beta1": (7,), "gamma2": (6,), "beta2": (6,),
                         "gamma3": (5,), "beta3": (5,)})
    assert {name: value.shape for name, value in model.params.items()} == expected
    assert model.num_layers == 4
    assert all(value.dtype == np.float32 for value in model.params.values())
    for name, value in model.params.items():
        if name[0] == "b":
            np.testing.assert_array_equal(value, 0.0)
        elif name.startswith("gamma"):
            np.testing.assert_array_equal(value, 1.0)
    assert len(model.bn_params) == (3 if normalization else 0)


def test_default_sizes_and_weight_scale():
    np.random.seed(1)
    model = FullyConnectedNet([100, 50])
    assert model.params["W1"].shape == (3 * 32 * 32, 100)
    assert model.params["W3"].shape == (50, 10)
    assert 0.0095 < model.params["W1"].std() < 0.0105


def test_initial_weight_std():
    assert initial_weight_std(200, 0.03) == pytest.approx(0.03)
    assert initial_weight_std(200, "xavier") == pytest.approx(math.sqrt(1 / 200))
    assert initial_weight_std(200, "kaiming") == pytest.approx(math.sqrt(2 / 200))
    with pytest.raises(ValueError, match="weight_scale"):
        initial_weight_std(200, "he")


@pytest.mark.parametrize("weight_scale, factor", [("xavier", 1.0), ("kaiming", 2.0)])
def test_string_weight_scales_depend_on_each_layers_fan_in(weight_scale, factor):
    np.random.seed(2)
    model = FullyConnectedNet([400, 100], input_dim=1600, num_classes=10, weight_scale=weight_scale)
    for name, fan_in in (("W1", 1600), ("W2", 400), ("W3", 100)):
        expected = math.sqrt(factor / fan_in)
        assert abs(model.params[name].std() / expected - 1) < 0.05, name


def test_kaiming_keeps_relu_activations_from_vanishing():
    # Push data through the initial weights of a deep ReLU network: with 'kaiming'
    # the activations keep their size, with 'xavier' they halve at every layer, and
    # with a small fixed scale they vanish.
    X = np.random.default_rng(3).normal(size=(200, 300))
    second_moment = {}
    for weight_scale in ("kaiming", "xavier", 1e-2):
        np.random.seed(4)
        model = FullyConnectedNet([300] * 8, input_dim=300, weight_scale=weight_scale, dtype=np.float64)
        a, moments = X, []
        for layer in range(1, model.num_layers):
            a = np.maximum(0, a @ model.params[f"W{layer}"])
            moments.append(np.mean(a ** 2))
        second_moment[weight_scale] = moments[-1] / moments[0]
    assert 0.3 < second_moment["kaiming"] < 3
    assert 0.001 < second_moment["xavier"] < 0.05
    assert second_moment[1e-2] < 1e-10


def test_invalid_arguments_are_rejected():
    with pytest.raises(ValueError, match="normalization"):
        FullyConnectedNet([4], input_dim=3, normalization="groupnorm")
    with pytest.raises(ValueError, match="dropout_keep_ratio"):
        FullyConnectedNet([4], input_dim=3, dropout_keep_ratio=0)


# Forward pass and loss ----------------------------------------------------------------

def test_scores_match_hand_forward_without_normalization():
    np.random.seed(5)
    model = make_net((4, 3), input_dim=5, num_classes=3, weight_scale=0.5)
    randomize(model, 5)
    X = np.random.default_rng(6).normal(size=(4, 5))
    scores = model.loss(X)
    assert scores.shape == (4, 3)
    np.testing.assert_allclose(scores, hand_scores(model, X, None), rtol=1e-10, atol=1e-12)


def test_train_mode_batchnorm_and_layernorm_match_hand_forward():
    X = np.random.default_rng(7).normal(size=(5, 2, 3))
    y = np.array([0, 1, 2, 1, 0])
    for normalization, axis in (("batchnorm", 0), ("layernorm", 1)):
        np.random.seed(8)
        model = make_net((4, 3), input_dim=6, num_classes=3, normalization=normalization, weight_scale=0.5)
        randomize(model, 8)
        scores = hand_scores(model, X, lambda _, z: (z.mean(axis=axis, keepdims=True),
                                                     z.var(axis=axis, keepdims=True)))
        shifted = scores - scores.max(axis=1, keepdims=True)
        expected = np.mean(np.log(np.exp(shifted).sum(axis=1)) - shifted[np.arange(5), y])
        loss, _ = model.loss(X, y)
        assert loss == pytest.approx(expected, rel=1e-10), normalization


def test_test_mode_batchnorm_uses_running_statistics():
    np.random.seed(9)
    model = make_net((4, 3), input_dim=5, num_classes=3, normalization="batchnorm", weight_scale=0.5)
    randomize(model, 9)
    generator = np.random.default_rng(10)
    for bn_param, size in zip(model.bn_params, (4, 3)):
        bn_param["running_mean"] = generator.normal(size=size)
        bn_param["running_var"] = generator.uniform(0.5, 2.0, size=size)
    saved = [(p["running_mean"].copy(), p["running_var"].copy()) for p in model.bn_params]
    X = generator.normal(size=(6, 5))
    scores = model.loss(X)
    expected = hand_scores(model, X, lambda layer, _: saved[layer - 1])
    np.testing.assert_allclose(scores, expected, rtol=1e-10, atol=1e-12)
    # Test mode updates nothing; a training step does.
    for bn_param, (mean, var) in zip(model.bn_params, saved):
        assert bn_param["mode"] == "test"
        np.testing.assert_array_equal(bn_param["running_mean"], mean)
        np.testing.assert_array_equal(bn_param["running_var"], var)
    model.loss(X, np.zeros(6, dtype=int))
    assert model.bn_params[0]["mode"] == "train"
    assert not np.array_equal(model.bn_params[0]["running_mean"], saved[0][0])


def test_dropout_only_in_train_mode():
    np.random.seed(11)
    X = np.random.default_rng(12).normal(size=(8, 6))
    y = np.arange(8) % 4
    model = make_net((20, 20), input_dim=6, dropout_keep_ratio=0.5, weight_scale=0.5)
    reference = make_net((20, 20), input_dim=6, weight_scale=0.5)
    reference.params = {name: value.copy() for name, value in model.params.items()}
    np.testing.assert_allclose(model.loss(X), reference.loss(X), rtol=1e-12)
    assert model.dropout_param["mode"] == "test"
    loss, _ = model.loss(X, y)
    assert model.dropout_param["mode"] == "train"
    assert loss != pytest.approx(reference.loss(X, y)[0], rel=1e-6)
    assert model.dropout_param["p"] == 0.5 and not reference.dropout_param


def test_seed_is_passed_to_dropout():
    model = make_net(dropout_keep_ratio=0.7, seed=123)
    assert model.dropout_param == {"mode": "train", "p": 0.7, "seed": 123}


def test_regularization_adds_half_reg_squared_weights():
    np.random.seed(13)
    model = make_net((5, 4), normalization="batchnorm", weight_scale=0.3)
    randomize(model, 13)
    X = np.random.default_rng(14).normal(size=(6, 8))
    y = np.arange(6) % 4
    loss0, _ = model.loss(X, y)
    model.reg = 0.7
    loss1, _ = model.loss(X, y)
    penalty = 0.5 * 0.7 * sum(np.sum(model.params[f"W{l}"] ** 2) for l in (1, 2, 3))
    assert loss1 - loss0 == pytest.approx(penalty, rel=1e-10)


def test_initial_loss_is_log_num_classes():
    np.random.seed(15)
    model = FullyConnectedNet([50, 40], input_dim=100, num_classes=10, weight_scale=1e-2)
    X = np.random.randn(30, 100)
    y = np.random.randint(10, size=30)
    loss, grads = model.loss(X, y)
    assert loss == pytest.approx(math.log(10), abs=0.01)
    assert set(grads) == set(model.params)


# Gradients ----------------------------------------------------------------------------

# One evaluation of the loss carries a roundoff of about eps * |loss|, and the centred
# difference divides it by 2h: every numerical element is off by about 1e-11 * |loss|,
# however small the element. Normalization and the softmax make many elements sums that
# cancel to almost nothing, and for those that error is a large part of the value. The
# elements at least FLOOR * |loss| (in the analytic or the numerical gradient) can be
# held to a relative 1e-7 with a wide margin (about 2e-9 at worst); where the numerical
# gradient is exactly 0 (a unit the ReLU cuts for every example) it is exact.
FLOOR = 3e-3


def well_conditioned(analytic, numerical, loss):
    """The elements of a gradient that the numerical check can judge to 1e-7."""
    large = np.maximum(np.abs(analytic), np.abs(numerical)) >= FLOOR * abs(loss)
    return large | (numerical == 0)


def relu_inputs(model, X, y, monkeypatch):
    """The input of every ReLU in one training-mode forward pass of ``model``."""
    from a2 import layer_utils
    seen = []
    relu_forward = layer_utils.relu_forward

    def recording(a):
        seen.append(np.array(a, copy=True))
        return relu_forward(a)

    with monkeypatch.context() as patch:
        patch.setattr(layer_utils, "relu_forward", recording)
        model.loss(X, y)
    return seen


def assert_clear_of_relu_kinks(inputs, gap=1e-3):
    """Every ReLU input at least ``gap`` from 0: a step of h = 1e-5 in any parameter moves
    it far less (1e-4 at most here), so no difference straddles the kink. Each ReLU
    passes some of its inputs and cuts others."""
    assert inputs
    for a in inputs:
        assert np.abs(a).min() >= gap
        assert (a > 0).any() and (a < 0).any()


@pytest.mark.parametrize("normalization, keep, reg", [
    (None, 1, 0.0),
    (None, 1, 3.14),
    ("batchnorm", 1, 0.0),
    ("batchnorm", 1, 0.5),
    ("layernorm", 1, 0.0),
    ("layernorm", 1, 0.5),
    (None, 0.6, 0.0),
    ("batchnorm", 0.75, 0.2),
])
def test_gradients_match_numerical(normalization, keep, reg, monkeypatch):
    np.random.seed(16)
    model = make_net((7, 6), input_dim=5, num_classes=4, normalization=normalization, reg=reg,
                     dropout_keep_ratio=keep, seed=321, weight_scale="kaiming")
    randomize(model, 16)
    X = np.random.default_rng(17).normal(size=(6, 5))
    y = np.array([0, 1, 2, 3, 1, 2])
    loss, grads = model.loss(X, y)
    assert set(grads) == set(model.params)
    assert_clear_of_relu_kinks(relu_inputs(model, X, y, monkeypatch))
    checked = total = 0
    for name in sorted(model.params):
        numerical = eval_numerical_gradient(lambda _: model.loss(X, y)[0], model.params[name], verbose=False)
        assert grads[name].shape == model.params[name].shape, name
        if normalization == "batchnorm" and name in ("b1", "b2"):
            # The batch mean cancels a bias that is followed by batch normalization.
            assert np.abs(grads[name]).max() < 1e-12 and np.abs(numerical).max() < 1e-9, name
        else:
            well = well_conditioned(grads[name], numerical, loss)
            checked, total = checked + well.sum(), total + well.size
            assert well.any(), name
            assert_within(rel_error(grads[name][well], numerical[well]), 1e-7, name)
    assert checked >= 0.8 * total, f"only {checked} of {total} gradient elements are checked"


def test_initial_losses_reproduce_the_published_check():
    """The initial-loss check of the CS231n-family notebooks: two nets drawn one after
    the other from seed 231, each W from np.random.randn in layer order. The values are
    printed to 16 digits; 12 decimals leave room for another BLAS's order of summing."""
    np.random.seed(231)
    N, D, H1, H2, C = 2, 15, 20, 30, 10
    X = np.random.randn(N, D)
    y = np.random.randint(C, size=(N,))
    for reg, published in [(0, 2.3004790897684924), (3.14, 7.052114776533016)]:
        model = FullyConnectedNet([H1, H2], input_dim=D, num_classes=C, reg=reg,
                                  weight_scale=5e-2, dtype=np.float64)
        loss, _ = model.loss(X, y)
        assert_reproduces(loss, published, decimals=12)


# Training -----------------------------------------------------------------------------

def small_data(seed, N=50, D=40, C=10):
    generator = np.random.default_rng(seed)
    X = generator.normal(size=(N, D))
    y = generator.integers(C, size=N)
    return {"X_train": X, "y_train": y, "X_val": X[:10], "y_val": y[:10]}


@pytest.mark.parametrize("name", ["sgd", "sgd_momentum", "sgd_nesterov_momentum", "adagrad",
                                  "rmsprop", "adam"])
def test_a_rule_named_to_the_solver_is_the_students_own(name):
    model = FullyConnectedNet([5], input_dim=40, num_classes=10)
    solver = Solver(model, small_data(0), update_rule=name)
    assert solver.update_rule is getattr(optim, name)


@pytest.mark.parametrize("normalization, update_rule, learning_rate", [
    (None, "sgd", 0.1),
    ("batchnorm", optim.adam, 1e-2),
    ("layernorm", optim.sgd_momentum, 5e-2),
])
def test_solver_overfits_fifty_examples(normalization, update_rule, learning_rate):
    np.random.seed(18)
    data = small_data(19)
    model = FullyConnectedNet([100, 100], input_dim=40, num_classes=10, normalization=normalization,
                              weight_scale="kaiming")
    solver = Solver(model, data, update_rule=update_rule, optim_config={"learning_rate": learning_rate},
                    num_epochs=20, batch_size=25, num_train_samples=None, verbose=False)
    solver.train()
    assert solver.train_acc_history[-1] == 1.0
    assert solver.loss_history[-1] < 0.2 * solver.loss_history[0]
