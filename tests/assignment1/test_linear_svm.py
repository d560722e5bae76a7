"""Multiclass SVM loss: hand-computed values, a per-example formula, numerical gradients."""

import numpy as np
import pytest

from a1.linear_svm import svm_loss_naive, svm_loss_vectorized
from cs_utils.gradient_check import eval_numerical_gradient, grad_check_sparse, rel_error
from tests.margins import assert_within

LOSSES = [svm_loss_naive, svm_loss_vectorized]


def hinge_by_formula(W, X, y, reg):
    """Each example's hinge sum over all classes, minus the 1 the correct class adds."""
    total = 0.0
    for x_i, y_i in zip(X, y):
        s = x_i @ W
        total += np.sum(np.maximum(0.0, s - s[y_i] + 1.0)) - 1.0
    return total / len(X) + reg * np.sum(W**2)


def problem(seed=0, N=12, D=6, C=4):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(D, C)), rng.normal(size=(N, D)), rng.integers(0, C, size=N)


@pytest.mark.parametrize("loss_fn", LOSSES)
def test_lecture_example(loss_fn):
    # Scores cat 3.2, car 5.1, frog -1.7: for a cat, max(0, 2.9) + max(0, -3.9) = 2.9.
    W = np.array([[3.2, 5.1, -1.7]])
    X = np.ones((1, 1))
    for label, expected in [(0, 2.9), (1, 0.0), (2, 5.9 + 7.8)]:
        loss, _ = loss_fn(W, X, np.array([label]), 0.0)
        assert loss == pytest.approx(expected, abs=1e-12)
    loss, _ = loss_fn(np.vstack([W, W]), np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]]),
                      np.array([0, 1, 2]), 0.0)
    assert loss == pytest.approx((2.9 + 0.0 + 13.7) / 3, abs=1e-12)


@pytest.mark.parametrize("loss_fn", LOSSES)
def test_correct_class_is_not_counted(loss_fn):
    # All scores 0: every wrong class has margin 1, the correct class none.
    C = 5
    loss, _ = loss_fn(np.zeros((3, C)), np.ones((4, 3)), np.array([0, 1, 2, 4]), 0.0)
    assert loss == pytest.approx(C - 1, abs=1e-12)


@pytest.mark.parametrize("loss_fn", LOSSES)
def test_matches_per_example_formula(loss_fn):
    for seed in range(3):
        W, X, y = problem(seed)
        loss, dW = loss_fn(W, X, y, 0.3)
        assert loss == pytest.approx(hinge_by_formula(W, X, y, 0.3), rel=1e-12)
        assert dW.shape == W.shape


def test_naive_and_vectorized_agree():
    W, X, y = problem(4, N=40, D=10, C=7)
    loss_n, dW_n = svm_loss_naive(W, X, y, 0.05)
    loss_v, dW_v = svm_loss_vectorized(W, X, y, 0.05)
    assert loss_n == pytest.approx(loss_v, rel=1e-12)
    assert_within(rel_error(dW_n, dW_v), 1e-10)


def assert_well_conditioned(W, X, y, loss, numerical):
    """The centred difference is only as good as its worst element. The hinge has a
    kink at margin 0: every margin is at least 0.01 away from it, far more than a step of
    h = 1e-5 moves it (h * |x| < 1e-4); some margins count and some do not. Roundoff
    makes each numerical element off by about eps * |loss| / h, so every element of the
    gradient is at least 1/200 of the loss: a relative error of about 1e-9 at most."""
    scores = X @ W
    margins = scores - scores[np.arange(len(y)), y][:, None] + 1.0
    wrong = np.arange(W.shape[1]) != y[:, None]
    assert np.abs(margins[wrong]).min() >= 0.01
    assert (margins[wrong] > 0).any() and (margins[wrong] < 0).any()
    assert np.abs(numerical).min() >= abs(loss) / 200


@pytest.mark.parametrize("reg", [0.0, 0.7])
@pytest.mark.parametrize("loss_fn", LOSSES)
def test_gradient_matches_numerical(loss_fn, reg):
    # Weights of 0.3 * N(0, 1) keep the regularization, a large constant part of the
    # loss for most elements, down to about the size of the hinge part. Seed 0 is the
    # first whose problem meets assert_well_conditioned (checked below).
    W, X, y = problem(0)
    W = 0.3 * W
    _, dW = loss_fn(W, X, y, reg)
    numerical = eval_numerical_gradient(lambda w: hinge_by_formula(w, X, y, reg), W.copy(), verbose=False)
    assert_well_conditioned(W, X, y, hinge_by_formula(W, X, y, reg), numerical)
    assert_within(rel_error(dW, numerical), 1e-7)


@pytest.mark.parametrize("loss_fn", LOSSES)
def test_sparse_gradient_check_on_image_sized_weights(loss_fn, capsys):
    rng = np.random.default_rng(6)
    W = 1e-3 * rng.normal(size=(3073, 10))
    X = rng.normal(size=(20, 3073))
    y = rng.integers(0, 10, size=20)
    _, dW = loss_fn(W, X, y, 5e1)
    errors = grad_check_sparse(lambda w: loss_fn(w, X, y, 5e1)[0], W, dW, num_checks=10, seed=0)
    assert_within(max(errors), 1e-7)


@pytest.mark.parametrize("loss_fn", LOSSES)
def test_loss_and_gradient_are_means_over_examples(loss_fn):
    W, X, y = problem(7)
    loss, dW = loss_fn(W, X, y, 0.2)
    loss2, dW2 = loss_fn(W, np.vstack([X, X]), np.concatenate([y, y]), 0.2)
    assert loss2 == pytest.approx(loss, rel=1e-12)
    np.testing.assert_allclose(dW2, dW, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("loss_fn", LOSSES)
def test_regularization_gradient_is_two_reg_w(loss_fn):
    # With X = 0 the data gradient vanishes: all that is left is the regularization.
    rng = np.random.default_rng(8)
    W = rng.normal(size=(4, 3))
    reg = 0.25
    loss, dW = loss_fn(W, np.zeros((5, 4)), rng.integers(0, 3, size=5), reg)
    assert loss == pytest.approx(2 + reg * np.sum(W**2), rel=1e-12)
    np.testing.assert_allclose(dW, 2 * reg * W, rtol=1e-14)


@pytest.mark.parametrize("loss_fn", LOSSES)
def test_inputs_are_not_modified(loss_fn):
    W, X, y = problem(9)
    copies = W.copy(), X.copy(), y.copy()
    loss_fn(W, X, y, 0.1)
    for before, after in zip(copies, (W, X, y)):
        np.testing.assert_array_equal(before, after)
