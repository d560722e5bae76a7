"""Update rules, each held against a few steps unrolled by hand from its formulas."""

import numpy as np
import pytest

from a2 import optim
from cs_utils import solver as solver_module
from tests.published import assert_reproduces

RULES = [optim.sgd, optim.sgd_momentum, optim.sgd_nesterov_momentum, optim.adagrad, optim.rmsprop,
         optim.adam]


def arrays(seed=0, shape=(3, 4)):
    generator = np.random.default_rng(seed)
    w = generator.normal(size=shape)
    grads = [generator.normal(size=shape) for _ in range(3)]
    return w, grads


def run(rule, w, grads, config):
    """Apply ``rule`` once per gradient, passing the config from step to step."""
    steps = []
    for dw in grads:
        w, config = rule(w, dw, config)
        steps.append(w)
    return steps, config


def test_sgd_is_the_solvers_built_in_rule():
    assert optim.sgd is solver_module.sgd
    w, (dw, _, _) = arrays()
    next_w, config = optim.sgd(w, dw)
    np.testing.assert_allclose(next_w, w - 1e-2 * dw, rtol=1e-12)
    assert config == {"learning_rate": 1e-2}


def test_sgd_momentum_unrolled():
    w0, (g1, g2, g3) = arrays(1)
    steps, config = run(optim.sgd_momentum, w0, [g1, g2, g3], {"learning_rate": 0.1, "momentum": 0.5})
    v1 = -0.1 * g1
    w1 = w0 + v1
    v2 = 0.5 * v1 - 0.1 * g2
    w2 = w1 + v2
    v3 = 0.5 * v2 - 0.1 * g3
    w3 = w2 + v3
    for got, expected in zip(steps, [w1, w2, w3]):
        np.testing.assert_allclose(got, expected, rtol=1e-12)
    np.testing.assert_allclose(config["velocity"], v3, rtol=1e-12)


def test_sgd_momentum_known_values():
    w = np.linspace(-0.4, 0.6, num=6).reshape(2, 3)
    dw = np.linspace(-0.6, 0.4, num=6).reshape(2, 3)
    v = np.linspace(0.6, 0.9, num=6).reshape(2, 3)
    next_w, config = optim.sgd_momentum(w, dw, {"learning_rate": 1e-3, "velocity": v.copy()})
    expected_v = 0.9 * v - 1e-3 * dw
    np.testing.assert_allclose(config["velocity"], expected_v, rtol=1e-12)
    np.testing.assert_allclose(next_w, w + expected_v, rtol=1e-12)
    # With momentum 0 it is plain SGD.
    plain, _ = optim.sgd_momentum(w, dw, {"learning_rate": 0.3, "momentum": 0.0})
    np.testing.assert_allclose(plain, w - 0.3 * dw, rtol=1e-12)


def published_inputs():
    """w, dw and a state array of the CS231n-family update-rule checks, all (4, 5)."""
    w = np.linspace(-0.4, 0.6, num=20).reshape(4, 5)
    dw = np.linspace(-0.6, 0.4, num=20).reshape(4, 5)
    return w, dw, np.linspace(0.6, 0.9, num=20).reshape(4, 5)


def test_sgd_momentum_reproduces_the_published_check():
    w, dw, v = published_inputs()
    config = {"learning_rate": 1e-3, "velocity": v}
    next_w, config = optim.sgd_momentum(w, dw, config)
    assert_reproduces(next_w, [[0.1406, 0.20738947, 0.27417895, 0.34096842, 0.40775789],
                               [0.47454737, 0.54133684, 0.60812632, 0.67491579, 0.74170526],
                               [0.80849474, 0.87528421, 0.94207368, 1.00886316, 1.07565263],
                               [1.14244211, 1.20923158, 1.27602105, 1.34281053, 1.4096]],
                      decimals=8)
    assert_reproduces(config["velocity"],
                      [[0.5406, 0.55475789, 0.56891579, 0.58307368, 0.59723158],
                       [0.61138947, 0.62554737, 0.63970526, 0.65386316, 0.66802105],
                       [0.68217895, 0.69633684, 0.71049474, 0.72465263, 0.73881053],
                       [0.75296842, 0.76712632, 0.78128421, 0.79544211, 0.8096]], decimals=8)


def test_rmsprop_reproduces_the_published_check():
    w, dw, cache = published_inputs()
    next_w, config = optim.rmsprop(w, dw, {"learning_rate": 1e-2, "cache": cache})
    assert_reproduces(next_w, [[-0.39223849, -0.34037513, -0.28849239, -0.23659121, -0.18467247],
                               [-0.132737, -0.08078555, -0.02881884, 0.02316247, 0.07515774],
                               [0.12716641, 0.17918792, 0.23122175, 0.28326742, 0.33532447],
                               [0.38739248, 0.43947102, 0.49155973, 0.54365823, 0.59576619]],
                      decimals=8)
    assert_reproduces(config["cache"],
                      [[0.5976, 0.6126277, 0.6277108, 0.64284931, 0.65804321],
                       [0.67329252, 0.68859723, 0.70395734, 0.71937285, 0.73484377],
                       [0.75037008, 0.7659518, 0.78158892, 0.79728144, 0.81302936],
                       [0.82883269, 0.84469141, 0.86060554, 0.87657507, 0.8926]], decimals=8)


def test_adam_reproduces_the_published_check():
    w, dw, m = published_inputs()
    v = np.linspace(0.7, 0.5, num=20).reshape(4, 5)
    next_w, config = optim.adam(w, dw, {"learning_rate": 1e-2, "m": m, "v": v, "t": 5})
    assert_reproduces(next_w, [[-0.40094747, -0.34836187, -0.29577703, -0.24319299, -0.19060977],
                               [-0.1380274, -0.08544591, -0.03286534, 0.01971428, 0.0722929],
                               [0.1248705, 0.17744702, 0.23002243, 0.28259667, 0.33516969],
                               [0.38774145, 0.44031188, 0.49288093, 0.54544852, 0.59801459]],
                      decimals=8)
    assert_reproduces(config["v"], [[0.69966, 0.68908382, 0.67851319, 0.66794809, 0.65738853],
                                    [0.64683452, 0.63628604, 0.6257431, 0.61520571, 0.60467385],
                                    [0.59414753, 0.58362676, 0.57311152, 0.56260183, 0.55209767],
                                    [0.54159906, 0.53110598, 0.52061845, 0.51013645, 0.49966]],
                      decimals=8)
    assert_reproduces(config["m"], [[0.48, 0.49947368, 0.51894737, 0.53842105, 0.55789474],
                                    [0.57736842, 0.59684211, 0.61631579, 0.63578947, 0.65526316],
                                    [0.67473684, 0.69421053, 0.71368421, 0.73315789, 0.75263158],
                                    [0.77210526, 0.79157895, 0.81105263, 0.83052632, 0.85]],
                      decimals=8)
    assert config["t"] == 6


def test_sgd_nesterov_momentum_unrolled():
    w0, (g1, g2, g3) = arrays(2)
    mu, lr = 0.8, 0.05
    steps, config = run(optim.sgd_nesterov_momentum, w0, [g1, g2, g3],
                        {"learning_rate": lr, "momentum": mu})
    v, w, expected = np.zeros_like(w0), w0, []
    for g in (g1, g2, g3):
        v_new = mu * v - lr * g
        w = w - mu * v + (1 + mu) * v_new
        v = v_new
        expected.append(w)
    for got, want in zip(steps, expected):
        np.testing.assert_allclose(got, want, rtol=1e-12)
    np.testing.assert_allclose(config["velocity"], v, rtol=1e-12)


def test_sgd_nesterov_momentum_follows_the_look_ahead_method():
    # Minimize f(x) = 0.5 * x @ A @ x with Nesterov's original form, which takes the
    # gradient at the look-ahead point x + mu * v. The rule, fed the gradient at the
    # point it stores, must store exactly those look-ahead points.
    A = np.array([[3.0, 0.5], [0.5, 1.0]])
    grad = lambda x: A @ x
    mu, lr = 0.9, 0.1
    x, v = np.array([1.0, -2.0]), np.zeros(2)
    u, config = x.copy(), {"learning_rate": lr, "momentum": mu}
    for _ in range(20):
        v = mu * v - lr * grad(x + mu * v)
        x = x + v
        u, config = optim.sgd_nesterov_momentum(u, grad(u), config)
        np.testing.assert_allclose(u, x + mu * v, rtol=1e-10, atol=1e-14)
    assert np.linalg.norm(x) < 0.5


def test_adagrad_unrolled():
    w0, (g1, g2, g3) = arrays(3)
    steps, config = run(optim.adagrad, w0, [g1, g2, g3], {"learning_rate": 0.2, "epsilon": 1e-6})
    cache, w, expected = np.zeros_like(w0), w0, []
    for g in (g1, g2, g3):
        cache = cache + g ** 2
        w = w - 0.2 * g / (np.sqrt(cache) + 1e-6)
        expected.append(w)
    for got, want in zip(steps, expected):
        np.testing.assert_allclose(got, want, rtol=1e-12)
    np.testing.assert_allclose(config["cache"], g1 ** 2 + g2 ** 2 + g3 ** 2, rtol=1e-12)


def test_rmsprop_unrolled():
    w0, (g1, g2, g3) = arrays(4)
    steps, config = run(optim.rmsprop, w0, [g1, g2, g3], {"learning_rate": 0.01, "decay_rate": 0.9})
    c1 = 0.1 * g1 ** 2
    c2 = 0.9 * c1 + 0.1 * g2 ** 2
    c3 = 0.9 * c2 + 0.1 * g3 ** 2
    w1 = w0 - 0.01 * g1 / (np.sqrt(c1) + 1e-8)
    w2 = w1 - 0.01 * g2 / (np.sqrt(c2) + 1e-8)
    w3 = w2 - 0.01 * g3 / (np.sqrt(c3) + 1e-8)
    for got, expected in zip(steps, [w1, w2, w3]):
        np.testing.assert_allclose(got, expected, rtol=1e-12)
    np.testing.assert_allclose(config["cache"], c3, rtol=1e-12)


def test_adam_unrolled():
    w0, (g1, g2, g3) = arrays(5)
    b1, b2, lr = 0.8, 0.95, 0.02
    steps, config = run(optim.adam, w0, [g1, g2, g3], {"learning_rate": lr, "beta1": b1, "beta2": b2})
    m, v, w, expected = 0.0, 0.0, w0, []
    for t, g in enumerate((g1, g2, g3), start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g ** 2
        w = w - lr * (m / (1 - b1 ** t)) / (np.sqrt(v / (1 - b2 ** t)) + 1e-8)
        expected.append(w)
    for got, want in zip(steps, expected):
        np.testing.assert_allclose(got, want, rtol=1e-12)
    assert config["t"] == 3
    np.testing.assert_allclose(config["m"], m, rtol=1e-12)
    np.testing.assert_allclose(config["v"], v, rtol=1e-12)


def test_adam_first_step_moves_every_coordinate_by_the_learning_rate():
    w = np.zeros(5)
    dw = np.array([1e-4, -3.0, 250.0, -0.02, 7.0])
    next_w, config = optim.adam(w, dw, {"learning_rate": 1e-3})
    assert config["t"] == 1, "t counts the steps taken, starting from 1 at the first"
    np.testing.assert_allclose(next_w, -1e-3 * np.sign(dw), rtol=1e-3)


@pytest.mark.parametrize("rule, defaults", [
    (optim.sgd_momentum, {"learning_rate": 1e-2, "momentum": 0.9}),
    (optim.sgd_nesterov_momentum, {"learning_rate": 1e-2, "momentum": 0.9}),
    (optim.adagrad, {"learning_rate": 1e-2, "epsilon": 1e-8}),
    (optim.rmsprop, {"learning_rate": 1e-2, "decay_rate": 0.99, "epsilon": 1e-8}),
    (optim.adam, {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8}),
])
def test_defaults_are_stored_in_config(rule, defaults):
    w, (dw, _, _) = arrays(6)
    _, config = rule(w, dw)
    for key, value in defaults.items():
        assert config[key] == value, key
    # A value given by the caller is kept.
    _, config = rule(w, dw, {"learning_rate": 0.5})
    assert config["learning_rate"] == 0.5


@pytest.mark.parametrize("rule", RULES)
def test_rules_return_a_new_array_and_leave_w_alone(rule):
    w, (dw, _, _) = arrays(7)
    w_before = w.copy()
    next_w, _ = rule(w, dw, None)
    assert next_w.shape == w.shape
    np.testing.assert_array_equal(w, w_before)
    assert not np.allclose(next_w, w)


@pytest.mark.parametrize("rule", RULES)
def test_rules_minimize_a_quadratic(rule):
    target = np.array([[1.0, -2.0], [0.5, 3.0]])
    # AdaGrad's steps shrink as its cache grows: it needs a larger learning rate.
    w, config = np.zeros((2, 2)), {"learning_rate": 0.5 if rule is optim.adagrad else 0.05}
    for _ in range(600):
        w, config = rule(w, w - target, config)
    assert np.abs(w - target).max() < 0.05
