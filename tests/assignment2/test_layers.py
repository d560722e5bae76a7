"""Affine, ReLU and softmax layers, the fully-connected sandwich layers, and the package as a whole.

The last section checks every module of a2: ``hello()``, and that the release's
stripping of the solution regions leaves valid Python that raises NotImplementedError.
"""

import math
import textwrap

import numpy as np
import pytest

import a2
from a2.layer_utils import (affine_norm_relu_backward, affine_norm_relu_forward, affine_relu_backward,
                            affine_relu_forward)
from a2.layers import (affine_backward, affine_forward, relu_backward, relu_forward, softmax_loss)
from cs_utils.gradient_check import eval_numerical_gradient, eval_numerical_gradient_array, rel_error
from tests.conftest import REPO_ROOT
from tests.package_checks import check_module_strips_cleanly, run_stripped_package, stubbed_functions
from tests.margins import assert_within
from tests.published import assert_reproduces


def rng(seed):
    return np.random.default_rng(seed)


# Affine, ReLU, softmax ----------------------------------------------------------------

def test_affine_forward_flattens_each_example():
    x = rng(0).normal(size=(3, 2, 4, 5))
    w = rng(1).normal(size=(40, 6))
    b = rng(2).normal(size=6)
    x_before = x.copy()
    out, _ = affine_forward(x, w, b)
    expected = np.einsum("nijk,ijkm->nm", x, w.reshape(2, 4, 5, 6)) + b
    assert out.shape == (3, 6)
    np.testing.assert_allclose(out, expected, rtol=1e-12)
    np.testing.assert_array_equal(x, x_before)


def test_affine_forward_reproduces_the_published_check():
    """The affine_forward check of the CS231n-family notebooks, with its setup."""
    input_shape, num_inputs, output_dim = (4, 5, 6), 2, 3
    size = int(np.prod(input_shape))
    x = np.linspace(-0.1, 0.5, num=num_inputs * size).reshape(num_inputs, *input_shape)
    w = np.linspace(-0.2, 0.3, num=output_dim * size).reshape(size, output_dim)
    b = np.linspace(-0.3, 0.1, num=output_dim)
    out, _ = affine_forward(x, w, b)
    assert_reproduces(out, [[1.49834967, 1.70660132, 1.91485297],
                            [3.25553199, 3.5141327, 3.77273342]], decimals=8)


def test_relu_forward_reproduces_the_published_check():
    out, _ = relu_forward(np.linspace(-0.5, 0.5, num=12).reshape(3, 4))
    assert_reproduces(out, [[0.0, 0.0, 0.0, 0.0],
                            [0.0, 0.0, 0.04545455, 0.13636364],
                            [0.22727273, 0.31818182, 0.40909091, 0.5]], decimals=8)


def test_affine_backward_matches_numerical():
    x = rng(0).normal(size=(4, 2, 3))
    w = rng(1).normal(size=(6, 5))
    b = rng(2).normal(size=5)
    dout = rng(3).normal(size=(4, 5))
    _, cache = affine_forward(x, w, b)
    dx, dw, db = affine_backward(dout, cache)
    assert dx.shape == x.shape and dw.shape == w.shape and db.shape == b.shape
    assert_within(rel_error(dx, eval_numerical_gradient_array(lambda v: affine_forward(v, w, b)[0], x, dout)), 1e-7)
    assert_within(rel_error(dw, eval_numerical_gradient_array(lambda v: affine_forward(x, v, b)[0], w, dout)), 1e-7)
    assert_within(rel_error(db, eval_numerical_gradient_array(lambda v: affine_forward(x, w, v)[0], b, dout)), 1e-7)


def test_relu_forward_and_backward():
    x = np.array([[-1.0, 0.0, 2.0], [0.5, -0.25, 3.0]])
    out, cache = relu_forward(x)
    np.testing.assert_array_equal(out, [[0.0, 0.0, 2.0], [0.5, 0.0, 3.0]])
    assert x[0, 0] == -1.0, "relu_forward must not modify its input"
    dx = relu_backward(np.full((2, 3), 7.0), cache)
    np.testing.assert_array_equal(dx, [[0.0, 0.0, 7.0], [7.0, 0.0, 7.0]])


def test_relu_backward_matches_numerical():
    x = rng(0).normal(size=(5, 6))
    x += 0.1 * np.sign(x)
    dout = rng(1).normal(size=(5, 6))
    dx = relu_backward(dout, relu_forward(x)[1])
    assert_within(rel_error(dx, eval_numerical_gradient_array(lambda v: relu_forward(v)[0], x, dout)), 1e-7)


def test_softmax_loss_known_values_and_gradient():
    x = np.array([[3.2, 5.1, -1.7], [0.0, 0.0, 0.0]])
    y = np.array([0, 2])
    loss, dx = softmax_loss(x, y)
    p0 = [math.exp(v) / sum(math.exp(u) for u in x[0]) for v in x[0]]
    assert loss == pytest.approx((-math.log(p0[0]) + math.log(3)) / 2, rel=1e-12)
    np.testing.assert_allclose(dx, np.array([[p0[0] - 1, p0[1], p0[2]], [1 / 3, 1 / 3, -2 / 3]]) / 2,
                               rtol=1e-12)
    scores = rng(4).normal(size=(7, 5))
    labels = rng(5).integers(0, 5, size=7)
    _, dscores = softmax_loss(scores, labels)
    numerical = eval_numerical_gradient(lambda v: softmax_loss(v, labels)[0], scores, verbose=False)
    assert_within(rel_error(dscores, numerical), 1e-7)


def test_softmax_loss_large_scores_are_stable():
    x = np.array([[1000.0, 0.0, -1000.0], [1000.0, 1000.0, 1000.0]])
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        loss, _ = softmax_loss(x, np.array([1, 2]))
    assert loss == pytest.approx((1000.0 + math.log(3)) / 2, rel=1e-12)


# Sandwich layers ----------------------------------------------------------------------

def test_affine_relu_sandwich_matches_numerical():
    x = rng(0).normal(size=(2, 3, 4))
    w = rng(1).normal(size=(12, 10))
    b = rng(2).normal(size=10)
    dout = rng(3).normal(size=(2, 10))
    out, cache = affine_relu_forward(x, w, b)
    np.testing.assert_allclose(out, np.maximum(0, x.reshape(2, 12) @ w + b), rtol=1e-12)
    dx, dw, db = affine_relu_backward(dout, cache)
    f = lambda _: affine_relu_forward(x, w, b)[0]
    assert_within(rel_error(dx, eval_numerical_gradient_array(f, x, dout)), 1e-7)
    assert_within(rel_error(dw, eval_numerical_gradient_array(f, w, dout)), 1e-7)
    assert_within(rel_error(db, eval_numerical_gradient_array(f, b, dout)), 1e-7)


def normalize(a, axis):
    mean = a.mean(axis=axis, keepdims=True)
    return (a - mean) / np.sqrt(((a - mean) ** 2).mean(axis=axis, keepdims=True) + 1e-5)


def well_conditioned(analytic, numerical, floor=1e-2):
    """The elements of a gradient that the numerical check can judge to 1e-7.

    Roundoff and truncation make every numerical element off by about 1e-11, however
    small the element; normalization makes many elements sums over the batch that cancel
    to almost nothing, and for those that error is a large part of the value. The
    elements at least ``floor`` times the largest one (in the analytic or the numerical
    gradient) can be held to a relative 1e-7 with a wide margin; where the numerical
    gradient is exactly 0 it is exact.
    """
    large = np.maximum(np.abs(analytic), np.abs(numerical)) >= floor * np.abs(numerical).max()
    return large | (numerical == 0)


@pytest.mark.parametrize("normalization, axis", [("batchnorm", 0), ("layernorm", 1)])
def test_affine_norm_relu_sandwich(normalization, axis):
    x = rng(0).normal(size=(6, 2, 2))
    w = rng(1).normal(size=(4, 5))
    b = rng(2).normal(size=5)
    gamma = rng(3).uniform(0.5, 1.5, size=5)
    beta = rng(4).normal(size=5)
    dout = rng(5).normal(size=(6, 5))
    param = {"mode": "train"}
    out, cache = affine_norm_relu_forward(x, w, b, gamma, beta, param, normalization)
    relu_in = gamma * normalize(x.reshape(6, 4) @ w + b, axis) + beta
    np.testing.assert_allclose(out, np.maximum(0, relu_in), rtol=1e-10, atol=1e-12)
    # Every ReLU input at least 1e-3 from its kink at 0, far more than a step of h = 1e-5
    # moves it; the ReLU passes some inputs and cuts others.
    assert np.abs(relu_in).min() >= 1e-3 and (relu_in > 0).any() and (relu_in < 0).any()

    grads = affine_norm_relu_backward(dout, cache)
    f = lambda _: affine_norm_relu_forward(x, w, b, gamma, beta, {"mode": "train"}, normalization)[0]
    for grad, value, name in zip(grads, (x, w, b, gamma, beta), ("x", "w", "b", "gamma", "beta")):
        assert grad.shape == value.shape, name
        numerical = eval_numerical_gradient_array(f, value, dout)
        if normalization == "batchnorm" and name == "b":
            # Batch normalization subtracts the batch mean: the bias has no effect.
            assert np.abs(grad).max() < 1e-12 and np.abs(numerical).max() < 1e-9
        else:
            well = well_conditioned(grad, numerical)
            assert well.mean() >= 0.75, name
            assert_within(rel_error(grad[well], numerical[well]), 1e-7, name)


def test_affine_norm_relu_rejects_unknown_normalization():
    with pytest.raises(ValueError, match="normalization"):
        affine_norm_relu_forward(np.ones((2, 3)), np.ones((3, 2)), np.zeros(2), np.ones(2),
                                 np.zeros(2), {"mode": "train"}, "groupnorm")


# The package as a whole -----------------------------------------------------------------

PACKAGE = REPO_ROOT / "assignment2" / "a2"
MODULES = ["__init__.py", "layers.py", "layer_utils.py", "optim.py", "fc_net.py", "cnn.py"]
WITHOUT_REGIONS = {"__init__.py", "layer_utils.py"}


def test_hello_names_the_package(capsys):
    a2.hello()
    printed = capsys.readouterr().out
    assert "a2" in printed and str(PACKAGE.resolve()) in printed


def test_package_has_the_expected_modules():
    assert sorted(p.name for p in PACKAGE.glob("*.py")) == sorted(MODULES)


@pytest.mark.parametrize("module", MODULES)
def test_module_strips_to_valid_python_without_solutions(module):
    check_module_strips_cleanly(PACKAGE, module, has_regions=module not in WITHOUT_REGIONS)


def test_every_student_function_has_a_region():
    expected = {
        "layers.py": {"affine_forward", "affine_backward", "relu_forward", "relu_backward", "softmax_loss",
                      "batchnorm_forward", "batchnorm_backward", "batchnorm_backward_alt",
                      "layernorm_forward", "layernorm_backward", "dropout_forward", "dropout_backward",
                      "conv_forward_naive", "conv_backward_naive", "max_pool_forward_naive",
                      "max_pool_backward_naive", "spatial_batchnorm_forward", "spatial_batchnorm_backward",
                      "spatial_groupnorm_forward", "spatial_groupnorm_backward"},
        "optim.py": {"sgd_momentum", "sgd_nesterov_momentum", "adagrad", "rmsprop", "adam"},
        "fc_net.py": {"initial_weight_std", "__init__", "loss"},
        "cnn.py": {"__init__", "loss"},
    }
    for module, names in expected.items():
        assert stubbed_functions(PACKAGE, module) == names, module


def test_stripped_package_imports_and_raises_not_implemented(tmp_path):
    script = textwrap.dedent("""
        import numpy as np
        import a2
        from a2 import layers, optim
        from a2.fc_net import FullyConnectedNet
        from a2.cnn import ThreeLayerConvNet
        a2.hello()
        x = np.zeros((2, 3))
        calls = [
            lambda: layers.affine_forward(x, np.zeros((3, 2)), np.zeros(2)),
            lambda: layers.batchnorm_forward(x, np.ones(3), np.zeros(3), {"mode": "train"}),
            lambda: layers.dropout_forward(x, {"p": 0.5, "mode": "train"}),
            lambda: layers.conv_forward_naive(np.zeros((1, 1, 3, 3)), np.zeros((1, 1, 3, 3)), np.zeros(1),
                                              {"stride": 1, "pad": 1}),
            lambda: optim.adam(x, x),
            lambda: FullyConnectedNet([4], input_dim=3, num_classes=2),
            lambda: ThreeLayerConvNet(input_dim=(1, 4, 4), num_filters=2, filter_size=3, hidden_dim=3),
        ]
        for call in calls:
            try:
                call()
            except NotImplementedError:
                continue
            raise SystemExit("a stub did not raise NotImplementedError")
        assert optim.sgd(np.ones(2), np.ones(2))[0].tolist() == [0.99, 0.99]
        print("stubs ok")
    """)
    result, target = run_stripped_package(PACKAGE, MODULES, script, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "stubs ok" in result.stdout and str(target) in result.stdout
