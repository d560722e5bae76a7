"""The near-twin points of knn.ipynb's ``test_knn_no_loops`` cell make the no-loop L2
distances without the clip at 0 give nan on every machine.

Why not exact duplicates alone: for a test point equal to a training point,
``||x||^2 - 2 x.x + ||x||^2`` is exactly 0 whenever the matrix product happens to sum
x.x in the same order as the squared norm, and the bug goes unseen (the cell's random
duplicates catch it here, not on a machine whose BLAS sums like numpy). So the cell adds
pairs that no evaluation order can save: a test point with a single nonzero coordinate
``a`` and a training twin holding the next float above ``a`` in the same place. Every
sum over the coordinates then adds exact zeros to one product, so the squared norms and
the dot product come out the same in any order, with or without fused multiply-adds
(fma(0, 0, s) = s and fma(a, b, 0) = fl(a * b)), under IEEE-754 double arithmetic
(round to nearest; no extended precision, no flush-to-zero: numpy's float64 on x86-64
and arm64). For the cell's values of ``a`` the expansion then rounds to a negative
number, which these tests show in many evaluation orders.
"""

import ast
import functools
import json
import math
from fractions import Fraction

import numpy as np
import pytest

from tests.conftest import REPO_ROOT

NOTEBOOK = REPO_ROOT / "assignment1" / "knn.ipynb"
DIM = 300  # the length of the cell's points


def _cell_source(grade_id):
    """The source of the knn notebook's cell with this grade id."""
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    for cell in cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
            return "".join(cell["source"])
    raise LookupError(grade_id)


def _near_values():
    """The list literal assigned to ``_near`` in the no-loops cell."""
    for node in ast.walk(ast.parse(_cell_source("test_knn_no_loops"))):
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "_near":
            return [float(v) for v in ast.literal_eval(node.value)]
    raise LookupError("_near")


NEAR = _near_values()


def _twins(i, a):
    """The cell's i-th near-twin pair: a test point and its training twin, (DIM,) each."""
    x, t = np.zeros(DIM), np.zeros(DIM)
    x[7 * i] = a
    t[7 * i] = np.nextafter(a, np.inf)
    return x, t


# -- dot products in many evaluation orders -------------------------------------------

def _sequential(products):
    """Left to right, one rounding per addition."""
    total = 0.0
    for p in products:
        total += p
    return total


def _pairwise(products):
    """Recursive halving, as numpy's pairwise summation does."""
    if len(products) <= 2:
        return _sequential(products)
    half = len(products) // 2
    return _pairwise(products[:half]) + _pairwise(products[half:])


def _lanes(products, width):
    """SIMD-like: ``width`` strided partial sums, combined as a tree."""
    partial = [_sequential(products[k::width]) for k in range(width)]
    while len(partial) > 1:
        partial = [partial[k] + partial[k + 1] for k in range(0, len(partial), 2)]
    return partial[0]


def _fused(u, v):
    """Sequential fused multiply-adds: each step rounds u_k * v_k + s once (exact rationals)."""
    total = 0.0
    for a, b in zip(u, v):
        total = float(Fraction(a) * Fraction(b) + Fraction(total))
    return total


def _permuted(u, v, seed):
    """Sequential, in a random order of the coordinates."""
    order = np.random.default_rng(seed).permutation(len(u))
    return _sequential([float(u[k]) * float(v[k]) for k in order])


def _products(u, v):
    """The rounded products u_k * v_k as Python floats."""
    return [float(a) * float(b) for a, b in zip(u, v)]


DOT_PRODUCTS = {
    "matmul": lambda u, v: float((u[None, :] @ v[None, :].T)[0, 0]),
    "np.dot": lambda u, v: float(np.dot(u, v)),
    "np.dot reversed": lambda u, v: float(np.dot(u[::-1], v[::-1])),
    "einsum": lambda u, v: float(np.einsum("i,i->", u, v)),
    "np.sum of products": lambda u, v: float(np.sum(u * v)),
    "np.inner": lambda u, v: float(np.inner(u, v)),
    "sequential": lambda u, v: _sequential(_products(u, v)),
    "sequential reversed": lambda u, v: _sequential(_products(u, v)[::-1]),
    "pairwise": lambda u, v: _pairwise(_products(u, v)),
    "fsum": lambda u, v: math.fsum(_products(u, v)),
    "fused multiply-add": _fused,
    "fused multiply-add reversed": lambda u, v: _fused(u[::-1], v[::-1]),
    **{f"{w} lanes": (lambda u, v, w=w: _lanes(_products(u, v), w)) for w in (2, 4, 8, 16)},
    **{f"permutation {s}": (lambda u, v, s=s: _permuted(u, v, s)) for s in range(3)},
}

# Ways to evaluate ||x||^2 - 2 x.t + ||t||^2 from its three terms; the first is the
# reference's (and the planted bug's) order.
EXPANSIONS = {
    "(xx - 2xt) + tt": lambda xx, xt, tt: (xx - 2.0 * xt) + tt,
    "(tt - 2xt) + xx": lambda xx, xt, tt: (tt - 2.0 * xt) + xx,
    "(xx + tt) - 2xt": lambda xx, xt, tt: (xx + tt) - 2.0 * xt,
}


@functools.cache
def _terms(i):
    """{order: value} of ||x||^2, x.t and ||t||^2 for the i-th pair, in every order."""
    x, t = _twins(i, NEAR[i])
    return tuple({name: f(u, v) for name, f in DOT_PRODUCTS.items()}
                 for u, v in ((x, x), (x, t), (t, t)))


def test_the_cell_pairs_its_points_as_these_tests_do():
    source = _cell_source("test_knn_no_loops")
    assert "_twins_te[np.arange(4), 7 * np.arange(4)] = _near" in source
    assert "_twins_tr[np.arange(4), 7 * np.arange(4)] = np.nextafter(_near, np.inf)" in source
    assert "np.zeros((4, 300))" in source and len(NEAR) == 4


@pytest.mark.parametrize("i, a", list(enumerate(NEAR)))
def test_every_evaluation_order_gives_the_same_terms(i, a):
    for values in _terms(i):
        assert len(set(values.values())) == 1, values
    xx, xt, _ = _terms(i)
    b = float(np.nextafter(a, np.inf))
    assert xt["matmul"] == a * b and xx["matmul"] == a * a


@pytest.mark.parametrize("i, a", list(enumerate(NEAR)))
@pytest.mark.parametrize("expansion", list(EXPANSIONS))
def test_the_expansion_is_negative_in_every_order(i, a, expansion):
    xx, xt, tt = _terms(i)
    residuals = {(a_order, b_order, c_order): EXPANSIONS[expansion](xx[a_order], xt[b_order], tt[c_order])
                 for a_order in xx for b_order in xt for c_order in tt}
    assert max(residuals.values()) < 0, {k: v for k, v in residuals.items() if v >= 0}
    # The true squared distance is positive, and tiny: the clip at 0 costs nothing.
    exact = (Fraction(a) - Fraction(float(np.nextafter(a, np.inf)))) ** 2
    assert 0 < exact < Fraction(1, 10**20)


def test_the_planted_bug_gives_nan_on_the_cell_points_and_the_clip_gives_zero():
    rows = [_twins(i, a) for i, a in enumerate(NEAR)]
    X = np.array([x for x, _ in rows])
    T = np.array([t for _, t in rows])
    sq = np.sum(X * X, axis=1)[:, None] - 2.0 * (X @ T.T) + np.sum(T * T, axis=1)[None, :]
    assert np.all(np.diag(sq) < 0)
    with np.errstate(invalid="ignore"):
        assert np.all(np.isnan(np.diag(np.sqrt(sq))))
    assert np.all(np.diag(np.sqrt(np.maximum(sq, 0.0))) == 0.0)
