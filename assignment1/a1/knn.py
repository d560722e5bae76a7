"""k-nearest-neighbour classifier with L2 (default) or L1 distances."""

import numpy as np

METRICS = ("l2", "l1")

# The no-loop L1 distances build a (rows, num_train, D) array of differences; rows are
# chosen so that this array holds at most this many numbers (128 MB in float64).
L1_BLOCK_ELEMENTS = 2**24


def _check_metric(metric):
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}, got {metric!r}")
    return metric


def _as_float(X):
    """``X`` as a float array. Integer pixels (uint8) would wrap around when subtracted."""
    X = np.asarray(X)
    if not np.issubdtype(X.dtype, np.floating):
        X = X.astype(np.float64)
    return X


class KNearestNeighbor:
    """A k-nearest-neighbour classifier.

    Training only memorizes the data. A test point gets the label that is most common
    among its ``k`` closest training points; a tie in that vote goes to the smaller
    label.

    Distances are L2 (Euclidean) by default. Every method that computes distances
    takes ``metric="l2"`` or ``metric="l1"`` (Manhattan: the sum of absolute
    differences), so cross-validation can compare the two on one trained classifier.
    """

    def __init__(self):
        self.X_train = None
        self.y_train = None

    def train(self, X, y):
        """Memorize the training data.

        Inputs:
        - X: (num_train, D) training points, one per row.
        - y: (num_train,) integer labels; y[i] is the label of X[i], 0 <= y[i] < C.
        """
        X = _as_float(X)
        y = np.asarray(y)
        if X.ndim != 2 or y.shape != (X.shape[0],):
            raise ValueError(f"expected X of shape (N, D) and y of shape (N,), got {X.shape} and {y.shape}")
        self.X_train = X
        self.y_train = y

    def predict(self, X, k=1, num_loops=0, metric="l2"):
        """Predict labels for test points.

        Inputs:
        - X: (num_test, D) test points, one per row.
        - k: number of nearest neighbours that vote.
        - num_loops: which distance implementation to use: 0, 1 or 2 Python loops.
        - metric: "l2" or "l1".

        Returns:
        - y_pred: (num_test,) predicted labels.
        """
        if num_loops == 0:
            dists = self.compute_distances_no_loops(X, metric=metric)
        elif num_loops == 1:
            dists = self.compute_distances_one_loop(X, metric=metric)
        elif num_loops == 2:
            dists = self.compute_distances_two_loops(X, metric=metric)
        else:
            raise ValueError(f"num_loops must be 0, 1 or 2, got {num_loops!r}")
        return self.predict_labels(dists, k=k)

    def _prepare(self, X, metric):
        if self.X_train is None:
            raise RuntimeError("the classifier has no data yet: call train(X, y) first")
        _check_metric(metric)
        X = _as_float(X)
        if X.ndim != 2 or X.shape[1] != self.X_train.shape[1]:
            raise ValueError(f"expected X of shape (num_test, {self.X_train.shape[1]}), got {X.shape}")
        return X

    def compute_distances_two_loops(self, X, metric="l2"):
        """Distances between every test point and every training point, two loops.

        Inputs:
        - X: (num_test, D) test points.
        - metric: "l2" or "l1".

        Returns:
        - dists: (num_test, num_train) array; dists[i, j] is the distance between the
          i-th test point and the j-th training point.
        """
        X = self._prepare(X, metric)
        num_test = X.shape[0]
        num_train = self.X_train.shape[0]
        dists = np.zeros((num_test, num_train))
        for i in range(num_test):
            for j in range(num_train):
                # dists[i, j]: distance between X[i] and self.X_train[j], both (D,).
                # "l2": square root of the sum of squared differences; "l1": sum of
                # absolute differences. Use numpy on the whole vectors, no loop over D.
                ### BEGIN SOLUTION
                diff = X[i] - self.X_train[j]
                if metric == "l2":
                    dists[i, j] = np.sqrt(np.sum(diff * diff))
                else:
                    dists[i, j] = np.sum(np.abs(diff))
                ### END SOLUTION
        return dists

    def compute_distances_one_loop(self, X, metric="l2"):
        """Distances between every test point and every training point, one loop.

        Inputs and output as in ``compute_distances_two_loops``.
        """
        X = self._prepare(X, metric)
        num_test = X.shape[0]
        num_train = self.X_train.shape[0]
        dists = np.zeros((num_test, num_train))
        for i in range(num_test):
            # dists[i, :]: distances from X[i] (D,) to all training points at once.
            # Subtracting X[i] from self.X_train (num_train, D) broadcasts it over the rows.
            ### BEGIN SOLUTION
            diff = self.X_train - X[i]
            if metric == "l2":
                dists[i, :] = np.sqrt(np.sum(diff * diff, axis=1))
            else:
                dists[i, :] = np.sum(np.abs(diff), axis=1)
            ### END SOLUTION
        return dists

    def compute_distances_no_loops(self, X, metric="l2"):
        """Distances between every test point and every training point, vectorized.

        Inputs and output as in ``compute_distances_two_loops``.
        """
        X = self._prepare(X, metric)
        dists = None
        # "l2", with no Python loop: expand ||x - t||^2 = ||x||^2 - 2 x.t + ||t||^2 into
        # one matrix product (num_test, D) @ (D, num_train) plus two vectors of squared
        # norms broadcast to (num_test, num_train). Rounding can leave tiny negative
        # values where the distance is 0: clip them at 0 before the square root.
        # "l1" has no such expansion: broadcast X[a:b, None, :] - self.X_train[None, :, :]
        # over blocks of test rows, each block's (b - a, num_train, D) array holding at
        # most L1_BLOCK_ELEMENTS numbers (at least one row per block).
        ### BEGIN SOLUTION
        if metric == "l2":
            test_sq = np.sum(X * X, axis=1)[:, None]
            train_sq = np.sum(self.X_train * self.X_train, axis=1)[None, :]
            sq = test_sq - 2.0 * (X @ self.X_train.T) + train_sq
            dists = np.sqrt(np.maximum(sq, 0.0))
        else:
            num_test, dim = X.shape
            num_train = self.X_train.shape[0]
            rows = max(1, L1_BLOCK_ELEMENTS // max(1, num_train * dim))
            dists = np.empty((num_test, num_train))
            for start in range(0, num_test, rows):
                block = X[start:start + rows, None, :] - self.X_train[None, :, :]
                dists[start:start + rows] = np.sum(np.abs(block), axis=2)
        ### END SOLUTION
        return dists

    def predict_labels(self, dists, k=1):
        """Majority vote among the k nearest training points.

        Inputs:
        - dists: (num_test, num_train) distances; dists[i, j] is the distance between
          the i-th test point and the j-th training point.
        - k: number of nearest neighbours that vote (1 <= k).

        Returns:
        - y_pred: (num_test,) predicted labels. When several labels get the same
          number of votes, the smallest of them wins.
        """
        if self.y_train is None:
            raise RuntimeError("the classifier has no data yet: call train(X, y) first")
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        num_test = dists.shape[0]
        y_pred = np.zeros(num_test, dtype=np.int64)
        for i in range(num_test):
            # Labels of the k training points closest to test point i (np.argsort on
            # dists[i]), then the most common of those labels. A tie in the vote goes to
            # the smallest label; note that np.argmax returns the first maximum.
            ### BEGIN SOLUTION
            nearest = np.argsort(dists[i], kind="stable")[:k]
            closest_y = self.y_train[nearest]
            y_pred[i] = np.argmax(np.bincount(closest_y))
            ### END SOLUTION
        return y_pred
