"""k-nearest neighbours: distances against explicit per-pair norms, and the vote."""

import numpy as np
import pytest

import a1.knn as knn_module
from a1.knn import KNearestNeighbor

METHODS = ["compute_distances_two_loops", "compute_distances_one_loop", "compute_distances_no_loops"]
ORD = {"l2": 2, "l1": 1}


def explicit_distances(X_test, X_train, metric):
    """The distance matrix one pair at a time with np.linalg.norm."""
    out = np.empty((len(X_test), len(X_train)))
    for i, a in enumerate(X_test):
        for j, b in enumerate(X_train):
            out[i, j] = np.linalg.norm(a - b, ord=ORD[metric])
    return out


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    X_train = rng.normal(size=(7, 5))
    y_train = rng.integers(0, 3, size=7)
    X_test = rng.normal(size=(4, 5))
    return X_train, y_train, X_test


@pytest.mark.parametrize("metric", ["l2", "l1"])
@pytest.mark.parametrize("method", METHODS)
def test_distances_match_explicit_norms(data, method, metric):
    X_train, y_train, X_test = data
    clf = KNearestNeighbor()
    clf.train(X_train, y_train)
    dists = getattr(clf, method)(X_test, metric=metric)
    # Rows are test points, columns training points (4 test, 7 training here).
    assert dists.shape == (4, 7)
    np.testing.assert_allclose(dists, explicit_distances(X_test, X_train, metric), rtol=1e-12, atol=1e-12)


def test_default_metric_is_l2(data):
    X_train, y_train, X_test = data
    clf = KNearestNeighbor()
    clf.train(X_train, y_train)
    expected = explicit_distances(X_test, X_train, "l2")
    for method in METHODS:
        np.testing.assert_allclose(getattr(clf, method)(X_test), expected, rtol=1e-12)


def test_known_distances():
    clf = KNearestNeighbor()
    clf.train(np.array([[0.0, 0.0], [3.0, 4.0], [1.0, 1.0]]), np.array([0, 1, 2]))
    X = np.array([[0.0, 0.0], [3.0, 0.0]])
    l2 = [[0.0, 5.0, np.sqrt(2)], [3.0, 4.0, np.sqrt(5)]]
    l1 = [[0.0, 7.0, 2.0], [3.0, 4.0, 3.0]]
    for method in METHODS:
        np.testing.assert_allclose(getattr(clf, method)(X, metric="l2"), l2, atol=1e-12)
        np.testing.assert_allclose(getattr(clf, method)(X, metric="l1"), l1, atol=1e-12)


def test_no_loop_l2_clips_rounding_below_zero():
    # Large, nearly equal vectors: the expansion |a|^2 - 2ab + |b|^2 rounds to small
    # negative numbers for identical points, whose square root would be NaN.
    rng = np.random.default_rng(1)
    X = 1e4 + rng.normal(scale=1e-3, size=(20, 30))
    unclipped = np.sum(X**2, 1)[:, None] - 2 * X @ X.T + np.sum(X**2, 1)[None, :]
    assert (unclipped < 0).any(), "the data should provoke negative rounding errors"

    clf = KNearestNeighbor()
    clf.train(X, np.zeros(20, dtype=int))
    with np.errstate(invalid="raise"):
        dists = clf.compute_distances_no_loops(X)
    assert np.all(np.isfinite(dists)) and np.all(dists >= 0)
    # Rounding error of the expansion is about sqrt(eps) * |x|: far below the true gaps.
    np.testing.assert_allclose(dists, explicit_distances(X, X, "l2"), atol=0.05)


def test_integer_pixels_do_not_wrap_around():
    X_train = np.array([[0, 255], [10, 20]], dtype=np.uint8)
    X_test = np.array([[255, 0]], dtype=np.uint8)
    clf = KNearestNeighbor()
    clf.train(X_train, np.array([0, 1]))
    expected = explicit_distances(X_test.astype(float), X_train.astype(float), "l1")
    for method in METHODS:
        np.testing.assert_allclose(getattr(clf, method)(X_test, metric="l1"), expected)


def test_no_loop_l1_in_several_blocks(data, monkeypatch):
    X_train, y_train, _ = data
    X_test = np.random.default_rng(2).normal(size=(11, 5))
    # 7 training points * 5 dimensions = 35 numbers a row; allow 3 rows per block, so
    # 11 test rows make blocks of 3, 3, 3 and 2.
    monkeypatch.setattr(knn_module, "L1_BLOCK_ELEMENTS", 3 * 35 + 1)
    clf = KNearestNeighbor()
    clf.train(X_train, y_train)
    np.testing.assert_allclose(clf.compute_distances_no_loops(X_test, metric="l1"),
                               explicit_distances(X_test, X_train, "l1"), rtol=1e-12)


def vote_classifier(labels):
    clf = KNearestNeighbor()
    clf.train(np.zeros((len(labels), 1)), np.array(labels))
    return clf


def test_predict_labels_nearest_neighbour():
    clf = vote_classifier([4, 2, 0, 1])
    dists = np.array([[3.0, 0.5, 2.0, 1.0],
                      [0.1, 0.5, 2.0, 1.0],
                      [3.0, 4.0, 2.0, 1.0]])
    np.testing.assert_array_equal(clf.predict_labels(dists, k=1), [2, 4, 1])


def test_predict_labels_majority_beats_nearest():
    clf = vote_classifier([5, 1, 1, 3])
    dists = np.array([[0.1, 0.3, 0.2, 0.9]])
    assert clf.predict_labels(dists, k=3)[0] == 1


def test_two_way_tie_goes_to_smaller_label():
    # The nearest point has the larger label; with one vote each, label 1 must win.
    clf = vote_classifier([3, 1, 2])
    dists = np.array([[0.1, 0.2, 0.9]])
    assert clf.predict_labels(dists, k=2)[0] == 1


def test_two_two_tie_goes_to_smaller_label():
    clf = vote_classifier([7, 7, 2, 2, 0])
    dists = np.array([[0.1, 0.2, 0.3, 0.4, 0.5],
                      [0.4, 0.3, 0.2, 0.1, 9.0]])
    # Labels 7 and 2 get two votes each, whichever pair is nearer.
    np.testing.assert_array_equal(clf.predict_labels(dists, k=4), [2, 2])
    # With k = 5 label 0 joins with a single vote; the tie between 7 and 2 remains.
    np.testing.assert_array_equal(clf.predict_labels(dists, k=5), [2, 2])


def test_k_larger_than_training_set_votes_with_everything():
    clf = vote_classifier([1, 0, 0])
    assert clf.predict_labels(np.array([[0.0, 1.0, 2.0]]), k=10)[0] == 0


def test_predict_classifies_separated_clusters():
    rng = np.random.default_rng(3)
    centres = np.array([[0.0, 0.0, 0.0], [10.0, 0.0, 0.0], [0.0, 10.0, 0.0]])
    y_train = np.repeat(np.arange(3), 10)
    X_train = centres[y_train] + rng.normal(size=(30, 3))
    y_test = np.array([2, 0, 1, 1, 0, 2])
    X_test = centres[y_test] + rng.normal(size=(6, 3))
    clf = KNearestNeighbor()
    clf.train(X_train, y_train)
    for num_loops in (0, 1, 2):
        for metric in ("l2", "l1"):
            for k in (1, 5):
                y_pred = clf.predict(X_test, k=k, num_loops=num_loops, metric=metric)
                np.testing.assert_array_equal(y_pred, y_test)


def test_metric_changes_the_nearest_neighbour():
    # From the origin, (3, 0) is 3 away in both metrics; (2, 2) is 2.83 away in L2
    # but 4 away in L1.
    clf = KNearestNeighbor()
    clf.train(np.array([[3.0, 0.0], [2.0, 2.0]]), np.array([0, 1]))
    origin = np.zeros((1, 2))
    for num_loops in (0, 1, 2):
        assert clf.predict(origin, num_loops=num_loops, metric="l2")[0] == 1
        assert clf.predict(origin, num_loops=num_loops, metric="l1")[0] == 0


def test_bad_arguments_get_clear_errors(data):
    X_train, y_train, X_test = data
    clf = KNearestNeighbor()
    with pytest.raises(RuntimeError, match="train"):
        clf.predict(X_test)
    clf.train(X_train, y_train)
    with pytest.raises(ValueError, match="metric"):
        clf.predict(X_test, metric="cosine")
    with pytest.raises(ValueError, match="num_loops"):
        clf.predict(X_test, num_loops=3)
    with pytest.raises(ValueError):
        clf.compute_distances_no_loops(X_test[:, :3])
    with pytest.raises(ValueError, match="k"):
        clf.predict(X_test, k=0)
