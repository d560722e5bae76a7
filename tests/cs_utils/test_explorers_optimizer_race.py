"""Optimizer race: surface gradients checked numerically, one step of each rule by hand,
and the behaviour each rule is known for."""

import numpy as np
import pytest

from cs_utils.explorers.optimizer_race import (SURFACES, UPDATE_RULES, draw_race, race,
                                               run_rule)
from cs_utils.gradient_check import eval_numerical_gradient


@pytest.mark.parametrize("name", list(SURFACES))
def test_surface_gradients_match_numerical_ones(name):
    surface = SURFACES[name]
    for point in ([0.3, -0.7], [-1.2, 1.1], list(surface.start)):
        w = np.array(point)
        numerical = eval_numerical_gradient(lambda v: surface.value(v[0], v[1]), w.copy(),
                                            verbose=False, h=1e-6)
        np.testing.assert_allclose(surface.gradient(w), numerical, rtol=1e-6, atol=1e-8)


def quadratic(w):
    """Gradient of 0.5 * (w0**2 + 4 * w1**2)."""
    return np.array([w[0], 4.0 * w[1]])


def test_first_steps_by_hand():
    w, lr = np.array([1.0, 1.0]), 0.1            # gradient there: (1, 4)
    steps = {name: rule(w, quadratic, lr, {}) for name, rule in UPDATE_RULES.items()}
    np.testing.assert_allclose(steps["SGD"], [0.9, 0.6], atol=1e-12)
    np.testing.assert_allclose(steps["momentum"], [0.9, 0.6], atol=1e-12)   # zero velocity at first
    np.testing.assert_allclose(steps["Nesterov"], [0.9, 0.6], atol=1e-12)
    np.testing.assert_allclose(steps["AdaGrad"], [0.9, 0.9], atol=1e-12)    # every coordinate moves lr
    np.testing.assert_allclose(steps["RMSProp"], [0.0, 0.0], atol=1e-6)    # lr / sqrt(1 - 0.99) = 1
    np.testing.assert_allclose(steps["Adam"], [0.9, 0.9], atol=1e-12)       # bias-corrected: lr


def test_second_steps_by_hand():
    lr = 0.1
    state, w = {}, np.array([1.0, 1.0])
    w = UPDATE_RULES["momentum"](w, quadratic, lr, state)         # v = (-0.1, -0.4)
    w = UPDATE_RULES["momentum"](w, quadratic, lr, state)         # v = 0.9 v - 0.1 g(0.9, 0.6)
    np.testing.assert_allclose(w, [0.9 - 0.09 - 0.09, 0.6 - 0.36 - 0.24], atol=1e-12)
    state, w = {}, np.array([1.0, 1.0])
    w = UPDATE_RULES["Nesterov"](w, quadratic, lr, state)
    w = UPDATE_RULES["Nesterov"](w, quadratic, lr, state)         # gradient at w + 0.9 v
    look_ahead = np.array([0.9 - 0.09, 0.6 - 0.36])
    np.testing.assert_allclose(w, [0.9 - 0.09 - 0.1 * look_ahead[0],
                                   0.6 - 0.36 - 0.4 * look_ahead[1]])
    state, w = {}, np.array([1.0, 1.0])
    for _ in range(2):
        w = UPDATE_RULES["Adam"](w, quadratic, lr, state)
    assert state["t"] == 2
    m = (0.9 * 0.1 * np.array([1.0, 4.0]) + 0.1 * np.array([0.9, 3.6])) / (1 - 0.81)
    v = (0.999 * 0.001 * np.array([1.0, 16.0]) + 0.001 * np.array([0.81, 12.96])) \
        / (1 - 0.999 ** 2)
    np.testing.assert_allclose(w, np.array([0.9, 0.9]) - lr * m / (np.sqrt(v) + 1e-8))


def test_everyone_reaches_the_bottom_of_the_bowl_with_a_fitting_rate():
    paths = race("ill-conditioned bowl", 0.05, 300)
    for name, path in paths.items():
        assert path.shape == (301, 2), name
        if name != "AdaGrad":                 # its steps shrink: it is still on its way
            assert np.linalg.norm(path[-1]) < 0.05, name
    assert np.linalg.norm(paths["AdaGrad"][-1]) < np.linalg.norm(paths["AdaGrad"][0])


def test_sgd_diverges_when_the_rate_exceeds_two_over_the_curvature():
    # The bowl's steep direction has curvature 10: SGD diverges for lr > 0.2.
    path = run_rule("SGD", "ill-conditioned bowl", 0.25, 300)
    assert len(path) < 301
    assert np.all(np.isfinite(path))
    assert len(run_rule("SGD", "ill-conditioned bowl", 0.15, 300)) == 301


def test_saddle_and_local_minimum():
    saddle = race("saddle", 0.05, 100)
    for name in ("SGD", "Adam"):
        assert abs(abs(saddle[name][-1, 1]) - np.sqrt(2)) < 0.05, name  # found a minimum
    # SGD lingers near the saddle: its loss is still near 0 (the saddle's) at step 30.
    sgd_loss = SURFACES["saddle"].value(*saddle["SGD"][30])
    assert -0.2 < sgd_loss < 0.2
    valleys = race("local minimum", 0.05, 100)
    assert valleys["SGD"][-1, 0] == pytest.approx(0.96, abs=0.02)        # stuck in the shallow one
    assert valleys["momentum"][-1, 0] == pytest.approx(-1.04, abs=0.02)  # rolled on to the deep one


def test_bad_arguments_and_summary():
    with pytest.raises(ValueError, match="rule"):
        run_rule("LBFGS", "saddle", 0.1, 10)
    with pytest.raises(ValueError, match="surface"):
        run_rule("SGD", "bowl", 0.1, 10)
    with pytest.raises(ValueError, match="learning_rate"):
        run_rule("SGD", "saddle", 0.0, 10)
    _, summary = draw_race("ill-conditioned bowl", 0.25, 50)
    assert "SGD diverged" in summary and "Adam diverged" not in summary
