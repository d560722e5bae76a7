"""Minibatch SGD for linear classifiers: sampling, the update, prediction, and training."""

import numpy as np
import pytest

from a1.linear_classifier import LinearClassifier, LinearSVM, Softmax


class ConstantGradient(LinearClassifier):
    """A loss that records its minibatches and always returns the same gradient."""

    def __init__(self, gradient):
        super().__init__()
        self.gradient = gradient
        self.batches = []

    def loss(self, X_batch, y_batch, reg):
        self.batches.append((X_batch.copy(), y_batch.copy()))
        return float(len(self.batches)), self.gradient


def blobs(seed=0, per_class=40):
    """Three well-separated clusters in 2-d, with a constant 1 appended for the bias."""
    rng = np.random.default_rng(seed)
    centres = np.array([[4.0, 0.0], [-2.0, 3.5], [-2.0, -3.5]])
    y = np.repeat(np.arange(3), per_class)
    points = centres[y] + 0.5 * rng.normal(size=(len(y), 2))
    X = np.hstack([points, np.ones((len(y), 1))])
    order = rng.permutation(len(y))
    return X[order], y[order]


def test_weights_are_created_lazily_with_small_random_values():
    np.random.seed(0)
    X = np.random.randn(50, 8)
    y = np.array([0, 4] * 25)  # C = max(y) + 1 = 5, although labels 1 to 3 never occur
    clf = LinearSVM()
    assert clf.W is None
    assert clf.train(X, y, num_iters=0) == []
    assert clf.W.shape == (8, 5)
    assert 0.0005 < clf.W.std() < 0.002


def test_update_is_a_gradient_step_and_training_continues_from_w():
    G = np.arange(6.0).reshape(3, 2)
    clf = ConstantGradient(G)
    W0 = np.full((3, 2), 0.5)
    clf.W = W0.copy()
    X = np.random.default_rng(1).normal(size=(10, 3))
    history = clf.train(X, np.array([0, 1] * 5), learning_rate=0.1, num_iters=3, batch_size=4)
    np.testing.assert_allclose(clf.W, W0 - 3 * 0.1 * G, rtol=1e-14)
    # The history is the losses in the order they were returned.
    assert history == [1.0, 2.0, 3.0]


def test_minibatches_are_random_rows_with_their_labels():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(30, 4))
    y = rng.integers(0, 3, size=30)
    np.random.seed(0)
    clf = ConstantGradient(np.zeros((4, 3)))
    clf.train(X, y, num_iters=20, batch_size=7)
    assert len(clf.batches) == 20
    seen = set()
    for X_batch, y_batch in clf.batches:
        assert X_batch.shape == (7, 4) and y_batch.shape == (7,)
        for row, label in zip(X_batch, y_batch):
            matches = np.flatnonzero(np.all(X == row, axis=1))
            assert len(matches) == 1 and y[matches[0]] == label
            seen.add(int(matches[0]))
    # 140 draws from 30 rows reach nearly all of them, and batches differ.
    assert len(seen) > 20
    assert not all(np.array_equal(clf.batches[0][0], b) for b, _ in clf.batches[1:])


def test_minibatch_may_be_larger_than_the_data():
    # Sampling with replacement allows batch_size > N.
    X = np.eye(3)
    clf = ConstantGradient(np.zeros((3, 3)))
    clf.train(X, np.arange(3), num_iters=2, batch_size=10)
    assert clf.batches[0][0].shape == (10, 3)


def test_predict_takes_the_highest_score():
    clf = LinearClassifier()
    clf.W = np.array([[1.0, -1.0, 0.0],
                      [0.0, 2.0, -3.0]])
    X = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0], [0.0, -1.0]])
    expected = [int(np.argmax([x @ clf.W[:, c] for c in range(3)])) for x in X]
    assert expected == [0, 1, 2, 2]
    np.testing.assert_array_equal(clf.predict(X), expected)


def test_base_class_has_no_loss():
    clf = LinearClassifier()
    with pytest.raises(NotImplementedError):
        clf.train(np.eye(2), np.array([0, 1]), num_iters=1, batch_size=2)


@pytest.mark.parametrize("cls", [LinearSVM, Softmax])
def test_training_reduces_loss_and_separates_clusters(cls):
    X, y = blobs()
    np.random.seed(0)
    clf = cls()
    history = clf.train(X, y, learning_rate=0.05, reg=1e-4, num_iters=300, batch_size=32)
    assert len(history) == 300
    assert np.mean(history[-20:]) < 0.2 * np.mean(history[:5])
    assert np.mean(clf.predict(X) == y) == 1.0
    X_new, y_new = blobs(seed=1, per_class=20)
    assert np.mean(clf.predict(X_new) == y_new) >= 0.95


@pytest.mark.parametrize("cls", [LinearSVM, Softmax])
def test_initial_loss(cls):
    # With W near 0 every score is near 0: SVM loss C - 1, softmax loss log(C).
    X, y = blobs()
    np.random.seed(0)
    history = cls().train(X, y, learning_rate=0.0, reg=0.0, num_iters=1)
    expected = 2.0 if cls is LinearSVM else np.log(3)
    assert history[0] == pytest.approx(expected, abs=0.02)


def test_verbose_training_runs(capsys):
    X, y = blobs()
    np.random.seed(0)
    history = Softmax().train(X, y, num_iters=25, verbose=True)
    assert len(history) == 25
