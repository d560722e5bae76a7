"""Layers: forward passes against explicit formulas, backward passes against numerical gradients.

The last section checks the package as a whole: ``hello()`` and the solution regions
of every module (well formed, and a valid stub once stripped).
"""

import ast
import math
import re
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import a1
from a1.layers import (affine_backward, affine_forward, affine_relu_backward, affine_relu_forward,
                       relu_backward, relu_forward, softmax_loss, svm_loss)
from cs_utils.assignments import get_assignment
from cs_utils.gradient_check import eval_numerical_gradient, eval_numerical_gradient_array, rel_error
from tests.margins import assert_within


def rng(seed):
    return np.random.default_rng(seed)


# Affine ------------------------------------------------------------------------------

def test_affine_forward_known_values():
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    w = np.array([[1.0, 0.0, -1.0], [0.5, 2.0, 1.0]])
    b = np.array([0.0, 1.0, -1.0])
    out, _ = affine_forward(x, w, b)
    np.testing.assert_allclose(out, [[2.0, 5.0, 0.0], [5.0, 9.0, 0.0]])


def test_affine_forward_flattens_each_example():
    x = rng(0).normal(size=(3, 2, 4, 5))
    w = rng(1).normal(size=(40, 6))
    b = rng(2).normal(size=6)
    out, _ = affine_forward(x, w, b)
    # Row n of the output: sum over every input position of x times its weight.
    expected = np.einsum("nijk,ijkm->nm", x, w.reshape(2, 4, 5, 6)) + b
    assert out.shape == (3, 6)
    np.testing.assert_allclose(out, expected, rtol=1e-12)


def test_affine_forward_leaves_x_unchanged():
    x = rng(0).normal(size=(3, 2, 5))
    x_before = x.copy()
    affine_forward(x, rng(1).normal(size=(10, 4)), np.zeros(4))
    np.testing.assert_array_equal(x, x_before)
    assert x.shape == (3, 2, 5)


def test_affine_backward_matches_numerical():
    x = rng(0).normal(size=(4, 2, 3))
    w = rng(1).normal(size=(6, 5))
    b = rng(2).normal(size=5)
    dout = rng(3).normal(size=(4, 5))
    _, cache = affine_forward(x, w, b)
    dx, dw, db = affine_backward(dout, cache)
    dx_num = eval_numerical_gradient_array(lambda v: affine_forward(v, w, b)[0], x, dout)
    dw_num = eval_numerical_gradient_array(lambda v: affine_forward(x, v, b)[0], w, dout)
    db_num = eval_numerical_gradient_array(lambda v: affine_forward(x, w, v)[0], b, dout)
    assert dx.shape == x.shape and dw.shape == w.shape and db.shape == b.shape
    assert_within(rel_error(dx, dx_num), 1e-7)
    assert_within(rel_error(dw, dw_num), 1e-7)
    assert_within(rel_error(db, db_num), 1e-7)


# ReLU --------------------------------------------------------------------------------

def test_relu_forward_values():
    x = np.linspace(-0.5, 0.5, num=12).reshape(3, 4)
    out, _ = relu_forward(x)
    expected = np.array([[0.0, 0.0, 0.0, 0.0],
                         [0.0, 0.0, 0.04545455, 0.13636364],
                         [0.22727273, 0.31818182, 0.40909091, 0.5]])
    np.testing.assert_allclose(out, expected, rtol=1e-7)
    assert x.min() == -0.5, "relu_forward must not modify its input"


def test_relu_backward_matches_numerical():
    # Keep |x| away from 0, where the ReLU has a kink.
    x = rng(0).normal(size=(5, 6))
    x += 0.1 * np.sign(x)
    dout = rng(1).normal(size=(5, 6))
    _, cache = relu_forward(x)
    dx = relu_backward(dout, cache)
    dx_num = eval_numerical_gradient_array(lambda v: relu_forward(v)[0], x, dout)
    assert dx.shape == x.shape
    assert_within(rel_error(dx, dx_num), 1e-7)


def test_relu_backward_at_zero_is_zero():
    x = np.array([[-1.0, 0.0, 2.0]])
    _, cache = relu_forward(x)
    np.testing.assert_array_equal(relu_backward(np.full((1, 3), 3.0), cache), [[0.0, 0.0, 3.0]])


def test_affine_relu_sandwich_matches_numerical():
    x = rng(0).normal(size=(2, 3, 4))
    w = rng(1).normal(size=(12, 10))
    b = rng(2).normal(size=10)
    dout = rng(3).normal(size=(2, 10))
    out, cache = affine_relu_forward(x, w, b)
    np.testing.assert_allclose(out, np.maximum(0, x.reshape(2, 12) @ w + b))
    dx, dw, db = affine_relu_backward(dout, cache)
    f = lambda: affine_relu_forward(x, w, b)[0]
    assert_within(rel_error(dx, eval_numerical_gradient_array(lambda _: f(), x, dout)), 1e-7)
    assert_within(rel_error(dw, eval_numerical_gradient_array(lambda _: f(), w, dout)), 1e-7)
    assert_within(rel_error(db, eval_numerical_gradient_array(lambda _: f(), b, dout)), 1e-7)


# Losses -------------------------------------------------------------------------------

def scores_problem(seed=0, N=8, C=5):
    return rng(seed).normal(size=(N, C)), rng(seed + 1).integers(0, C, size=N)


def test_svm_loss_known_values():
    x = np.array([[3.2, 5.1, -1.7], [1.3, 4.9, 2.0], [2.2, 2.5, -3.1]])
    y = np.array([0, 1, 2])
    loss, dx = svm_loss(x, y)
    # Per example: 2.9, 0 and 6.3 + 6.6 = 12.9.
    assert loss == pytest.approx((2.9 + 0.0 + 12.9) / 3, abs=1e-12)
    expected_dx = np.array([[-1.0, 1.0, 0.0], [0.0, 0.0, 0.0], [1.0, 1.0, -2.0]]) / 3
    np.testing.assert_allclose(dx, expected_dx, atol=1e-15)


def test_svm_loss_ignores_correct_class_and_averages():
    loss, _ = svm_loss(np.zeros((6, 4)), np.array([0, 1, 2, 3, 0, 1]))
    assert loss == pytest.approx(3.0, abs=1e-12)
    x, y = scores_problem(1)
    loss, dx = svm_loss(x, y)
    loss2, dx2 = svm_loss(np.vstack([x, x]), np.concatenate([y, y]))
    assert loss2 == pytest.approx(loss, rel=1e-12)
    np.testing.assert_allclose(2 * dx2[:8], dx, rtol=1e-12)


def test_svm_loss_gradient_matches_numerical():
    x, y = scores_problem(2)
    _, dx = svm_loss(x, y)
    dx_num = eval_numerical_gradient(lambda v: svm_loss(v, y)[0], x, verbose=False)
    assert_within(rel_error(dx, dx_num), 1e-7)


def test_softmax_loss_known_values():
    x = np.array([[3.2, 5.1, -1.7], [0.0, 0.0, 0.0]])
    y = np.array([0, 2])
    loss, dx = softmax_loss(x, y)
    p0 = [math.exp(v) / sum(math.exp(u) for u in x[0]) for v in x[0]]
    expected = (-math.log(p0[0]) + math.log(3)) / 2
    assert loss == pytest.approx(expected, rel=1e-12)
    expected_dx = np.array([[p0[0] - 1, p0[1], p0[2]], [1 / 3, 1 / 3, 1 / 3 - 1]]) / 2
    np.testing.assert_allclose(dx, expected_dx, rtol=1e-12)


def test_softmax_loss_gradient_matches_numerical():
    # Scores of a small spread keep every probability, and so every element of dx,
    # far from 0: no element is lost in the finite differences' rounding.
    x, y = scores_problem(3)
    x = 0.3 * x
    _, dx = softmax_loss(x, y)
    dx_num = eval_numerical_gradient(lambda v: softmax_loss(v, y)[0], x, verbose=False)
    assert_within(rel_error(dx, dx_num), 1e-7)


def test_softmax_loss_averages_over_examples():
    x, y = scores_problem(4)
    loss, dx = softmax_loss(x, y)
    loss2, dx2 = softmax_loss(np.vstack([x, x]), np.concatenate([y, y]))
    assert loss2 == pytest.approx(loss, rel=1e-12)
    np.testing.assert_allclose(2 * dx2[8:], dx, rtol=1e-12)


@pytest.mark.filterwarnings("error")
def test_softmax_loss_large_scores():
    x = np.array([[1000.0, 0.0, -1000.0], [1000.0, 1000.0, 1000.0]])
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        loss, dx = softmax_loss(x, np.array([1, 2]))
    assert loss == pytest.approx((1000.0 + math.log(3)) / 2, rel=1e-12)
    np.testing.assert_allclose(dx, [[0.5, -0.5, 0.0], [1 / 6, 1 / 6, -1 / 3]], atol=1e-15)


# The package as a whole -------------------------------------------------------------------

ASSIGNMENT = get_assignment("assignment1")
PACKAGE = ASSIGNMENT.folder / ASSIGNMENT.package
MODULES = [m for m in ASSIGNMENT.modules if m.endswith(".py")]
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"


def solution_regions(source):
    """(begin, end) line indices of each region, checking the markers as it goes."""
    regions, begin = [], None
    for number, line in enumerate(source.splitlines()):
        text = line.strip()
        if re.search(r"(BEGIN|END)\s+SOLUTION", text, re.IGNORECASE):
            assert text in (BEGIN, END), f"line {number + 1}: malformed marker {text!r}"
        if text == BEGIN:
            assert begin is None, f"line {number + 1}: BEGIN inside another region"
            begin = number
        elif text == END:
            assert begin is not None, f"line {number + 1}: END without BEGIN"
            regions.append((begin, number))
            begin = None
    assert begin is None, f"line {begin + 1}: BEGIN never closed"
    return regions


def strip_solutions(source):
    """The student's version of a module, as the release makes it (an independent copy)."""
    lines = source.splitlines()
    out, skip = [], False
    for line in lines:
        text = line.strip()
        if text == BEGIN:
            indent = line[: len(line) - len(line.lstrip())]
            out.append(f'{indent}raise NotImplementedError("stub")')
            skip = True
        elif text == END:
            skip = False
        elif not skip:
            out.append(line)
    return "\n".join(out) + "\n"


def test_hello_names_the_package(capsys):
    a1.hello()
    printed = capsys.readouterr().out
    assert "a1" in printed and str(PACKAGE.resolve()) in printed


def test_package_has_exactly_the_required_modules():
    present = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert present == sorted(MODULES)


@pytest.mark.parametrize("module", MODULES)
def test_solution_regions_are_well_formed(module):
    source = (PACKAGE / module).read_text()
    lines = source.splitlines()
    regions = solution_regions(source)
    if module == "__init__.py":
        assert regions == []
        return
    assert regions, f"{module} has no solution region"

    functions = [node for node in ast.walk(ast.parse(source))
                 if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]
    for begin, end in regions:
        where = f"{module}:{begin + 1}"
        indent = len(lines[begin]) - len(lines[begin].lstrip())
        assert len(lines[end]) - len(lines[end].lstrip()) == indent, f"{where}: END indented differently"
        body = [line for line in lines[begin + 1:end] if line.strip()]
        assert body, f"{where}: empty region"
        assert all(len(line) - len(line.lstrip()) >= indent for line in body), f"{where}: code left of the markers"
        assert lines[begin - 1].strip().startswith("#"), f"{where}: no instructions right above the region"
        # Some function holds the region's code, after its docstring, indented under it.
        code = [n + 1 for n in range(begin + 1, end) if lines[n].strip() and not lines[n].strip().startswith("#")]
        holders = [f for f in functions
                   if f.body[0].end_lineno < code[0] and code[-1] <= f.end_lineno and f.col_offset < indent]
        assert holders, f"{where}: region outside a function body"


@pytest.mark.parametrize("module", MODULES)
def test_stripped_module_is_valid_python_without_solutions(module):
    stripped = strip_solutions((PACKAGE / module).read_text())
    ast.parse(stripped)
    assert "SOLUTION" not in stripped


def test_stripped_package_imports_and_raises_not_implemented(tmp_path):
    target = tmp_path / ASSIGNMENT.package
    target.mkdir()
    for module in MODULES:
        (target / module).write_text(strip_solutions((PACKAGE / module).read_text()))
    script = textwrap.dedent("""
        import numpy as np
        import a1
        from a1.knn import KNearestNeighbor
        from a1.linear_svm import svm_loss_naive
        from a1.linear_classifier import Softmax
        from a1.layers import affine_forward, affine_relu_forward
        from a1.two_layer_net import TwoLayerNet
        a1.hello()
        knn = KNearestNeighbor()
        knn.train(np.zeros((2, 3)), np.array([0, 1]))
        calls = [
            lambda: knn.predict(np.zeros((1, 3))),
            lambda: svm_loss_naive(np.zeros((3, 2)), np.zeros((1, 3)), np.array([0]), 0.0),
            lambda: Softmax().train(np.zeros((2, 3)), np.array([0, 1]), num_iters=1),
            lambda: affine_relu_forward(np.zeros((1, 3)), np.zeros((3, 2)), np.zeros(2)),
            lambda: TwoLayerNet(input_dim=3, hidden_dim=2, num_classes=2),
        ]
        for call in calls:
            try:
                call()
            except NotImplementedError:
                continue
            raise SystemExit("a stub did not raise NotImplementedError")
        print("stubs ok")
    """)
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "stubs ok" in result.stdout and str(target) in result.stdout
