"""Tests for cs_utils.gradient_check against gradients worked out by hand."""

import numpy as np
import pytest

from cs_utils.gradient_check import (eval_numerical_gradient,
                                     eval_numerical_gradient_array, grad_check_sparse,
                                     rel_error)
from tests.margins import assert_within


@pytest.fixture
def rng():
    return np.random.default_rng(231)


# ---------------------------------------------------------------- rel_error

@pytest.mark.parametrize("x, y, expected", [
    (1.0, 1.0, 0.0),
    (1.0, 2.0, 1 / 3),
    (-1.0, 1.0, 1.0),
    (3.0, -1.0, 1.0),
    (0.0, 0.0, 0.0),
    (1e-10, 0.0, 1e-10 / 1e-8),          # tiny values: the denominator is floored at 1e-8
    (100.0, 101.0, 1 / 201),
])
def test_rel_error_known_values(x, y, expected):
    assert rel_error(x, y) == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_rel_error_is_the_largest_elementwise_error():
    x = np.array([[1.0, 2.0], [4.0, 10.0]])
    y = np.array([[1.0, 2.0], [5.0, 10.0]])
    assert rel_error(x, y) == pytest.approx(1 / 9, rel=1e-12)
    assert rel_error(y, x) == rel_error(x, y)
    assert isinstance(rel_error(x, y), float)


# ---------------------------------------------------------------- eval_numerical_gradient

def test_quadratic_form(rng):
    """f(x) = 0.5 x^T A x + b^T x has gradient 0.5 (A + A^T) x + b."""
    A = rng.standard_normal((6, 6))
    b = rng.standard_normal(6)
    x = rng.standard_normal(6)
    x_before = x.copy()

    def f(v):
        return 0.5 * v @ A @ v + b @ v

    grad = eval_numerical_gradient(f, x, verbose=False)
    assert grad.shape == x.shape and grad.dtype == np.float64
    assert_within(rel_error(grad, 0.5 * (A + A.T) @ x_before + b), 1e-8)
    np.testing.assert_array_equal(x, x_before)


def test_matrix_quadratic_on_a_2d_array(rng):
    """f(W) = sum((X W)^2) has gradient 2 X^T X W."""
    X = rng.standard_normal((5, 4))
    W = rng.standard_normal((4, 3))
    W_before = W.copy()
    grad = eval_numerical_gradient(lambda w: np.sum((X @ w) ** 2), W, verbose=False)
    assert_within(rel_error(grad, 2 * X.T @ X @ W_before), 1e-8)
    np.testing.assert_array_equal(W, W_before)


def test_elementwise_sin(rng):
    """f(x) = sum(sin(x)) has gradient cos(x); x is kept where cos(x) is far from 0."""
    x = rng.uniform(-1.0, 1.0, size=(3, 4, 2))
    x_before = x.copy()
    grad = eval_numerical_gradient(lambda v: np.sum(np.sin(v)), x, verbose=False)
    assert grad.shape == (3, 4, 2)
    assert_within(rel_error(grad, np.cos(x_before)), 1e-8)
    np.testing.assert_array_equal(x, x_before)


def test_a_wrong_gradient_is_visible(rng):
    x = rng.uniform(-1.0, 1.0, size=5)
    grad = eval_numerical_gradient(lambda v: np.sum(np.sin(v)), x, verbose=False)
    assert rel_error(grad, np.sin(x)) > 1e-2


def test_verbose_prints_one_line_per_coordinate(rng, capsys):
    x = rng.standard_normal((2, 3))
    eval_numerical_gradient(lambda v: np.sum(v ** 2), x, verbose=True)
    out = capsys.readouterr().out
    assert len(out.strip().splitlines()) == 6
    eval_numerical_gradient(lambda v: np.sum(v ** 2), x, verbose=False)
    assert capsys.readouterr().out == ""


# ------------------------------------------------------------ eval_numerical_gradient_array

def test_array_gradient_of_a_matrix_product(rng):
    """out = x W: the gradient of sum(out * dout) is dout W^T for x and x^T dout for W.

    The centred difference of a linear map is exact but for roundoff, about
    eps * |out| / h in every element. With x, W and dout positive every element of
    either gradient is a sum of positive terms, none of them small by cancellation.
    """
    x = rng.uniform(0.5, 1.5, size=(4, 5))
    W = rng.uniform(0.5, 1.5, size=(5, 3))
    dout = rng.uniform(0.5, 1.5, size=(4, 3))
    x_before, W_before = x.copy(), W.copy()

    dx = eval_numerical_gradient_array(lambda v: v @ W, x, dout)
    dW = eval_numerical_gradient_array(lambda w: x @ w, W, dout)
    assert dx.shape == x.shape and dW.shape == W.shape
    assert_within(rel_error(dx, dout @ W_before.T), 1e-8)
    assert_within(rel_error(dW, x_before.T @ dout), 1e-8)
    np.testing.assert_array_equal(x, x_before)
    np.testing.assert_array_equal(W, W_before)


def test_array_gradient_of_elementwise_sin(rng):
    x = rng.uniform(-1.0, 1.0, size=(3, 4))
    dout = rng.standard_normal((3, 4))
    x_before = x.copy()
    dx = eval_numerical_gradient_array(np.sin, x, dout)
    assert_within(rel_error(dx, np.cos(x_before) * dout), 1e-8)
    np.testing.assert_array_equal(x, x_before)


def test_array_gradient_when_f_returns_its_input(rng):
    """f returning x itself (a view that changes as x is perturbed) still works."""
    x = rng.standard_normal((3, 2))
    dout = rng.standard_normal((3, 2))
    dx = eval_numerical_gradient_array(lambda v: v, x, dout)
    assert_within(rel_error(dx, dout), 1e-8)


def test_array_gradient_with_a_different_output_shape(rng):
    """out = sum over rows of x^2: shape (3,) from x of shape (2, 3)."""
    x = rng.standard_normal((2, 3))
    dout = rng.standard_normal(3)
    dx = eval_numerical_gradient_array(lambda v: np.sum(v ** 2, axis=0), x, dout)
    assert_within(rel_error(dx, 2 * x * dout), 1e-8)


# ---------------------------------------------------------------- grad_check_sparse

def quadratic_problem(rng):
    A = rng.standard_normal((8, 8))
    A = A @ A.T + np.eye(8)
    W = rng.standard_normal((8, 1)) + 0.5

    def f(w):
        return 0.5 * float(np.sum(w * (A @ w)))

    return f, W, A @ W


def test_grad_check_sparse_small_errors_for_a_right_gradient(rng, capsys):
    f, W, grad = quadratic_problem(rng)
    W_before = W.copy()
    errors = grad_check_sparse(f, W, grad, num_checks=7, seed=0)
    assert len(errors) == 7
    assert_within(max(errors), 1e-7)
    np.testing.assert_array_equal(W, W_before)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 7 and all("relative error" in line for line in lines)


def test_grad_check_sparse_large_errors_for_a_wrong_gradient(rng, capsys):
    f, W, grad = quadratic_problem(rng)
    errors = grad_check_sparse(f, W, 2 * grad, num_checks=7, seed=0)
    # |g - 2g| / (|g| + |2g|) = 1/3 at every coordinate with g != 0.
    assert errors == pytest.approx([1 / 3] * 7, rel=1e-5)
    errors = grad_check_sparse(f, W, grad + 1.0, num_checks=7, seed=0)
    assert min(errors) > 1e-3


def test_grad_check_sparse_on_a_4d_array_is_reproducible_with_a_seed(rng, capsys):
    x = rng.uniform(-1.0, 1.0, size=(2, 3, 4, 5))
    def f(v):
        return np.sum(np.sin(v))

    first = grad_check_sparse(f, x, np.cos(x), num_checks=5, seed=3)
    first_out = capsys.readouterr().out
    second = grad_check_sparse(f, x, np.cos(x), num_checks=5, seed=3)
    assert first == second and capsys.readouterr().out == first_out
    assert max(first) < 1e-7
