"""The graded cells of assignment1/knn.ipynb: they pass on the reference solution,
catch typical bugs (each mutant fails exactly the cells listed for it), keep full marks
for correct solutions written another way, give nothing to the untouched release, and
the notebook runs top to bottom in quick mode.

The no-loop distances without the clip at 0 (``no_loops_negative_rounding``) are caught
on every machine: tests/assignment1/test_knn_rounding.py shows that the cell's
near-twin points give a negative squared distance in every evaluation order.
"""

from tests.notebook_suite import GradedNotebookSuite, Mutant, mutant

NOTEBOOK = "knn"
KNN = "a1/knn.py"

CODE_CELLS = {
    "test_knn_two_loops",
    "test_knn_one_loop",
    "test_knn_no_loops",
    "test_knn_predict_labels",
    "test_knn_l1_distances",
}
CONCEPT_CELLS = {
    "test_knn_concepts_true_false": 4.0,
    "test_knn_concepts_multiple_select": 4.0,
    "test_knn_concepts_numeric": 2.0,
}

# (id, file, old text, new text, the graded cells that must fail)
MUTANT_TABLE = [
    ("two_loops_transposed", KNN,
     "diff = X[i] - self.X_train[j]",
     "diff = X[j] - self.X_train[i]",
     {"test_knn_two_loops", "test_knn_l1_distances"}),
    ("two_loops_squared_distance", KNN,
     "dists[i, j] = np.sqrt(np.sum(diff * diff))",
     "dists[i, j] = np.sum(diff * diff)",
     {"test_knn_two_loops"}),
    ("one_loop_squared_distance", KNN,
     "dists[i, :] = np.sqrt(np.sum(diff * diff, axis=1))",
     "dists[i, :] = np.sum(diff * diff, axis=1)",
     {"test_knn_one_loop"}),
    ("no_loops_transposed", KNN,
     "sq = test_sq - 2.0 * (X @ self.X_train.T) + train_sq",
     "sq = test_sq.T - 2.0 * (self.X_train @ X.T) + train_sq.T",
     {"test_knn_no_loops"}),
    ("no_loops_negative_rounding", KNN,
     "dists = np.sqrt(np.maximum(sq, 0.0))",
     "dists = np.sqrt(sq)",
     {"test_knn_no_loops"}),
    ("no_loops_with_a_loop", KNN,
     "            dists = np.sqrt(np.maximum(sq, 0.0))\n",
     "            dists = np.array([np.sqrt(np.maximum(sq[i], 0.0)) for i in range(sq.shape[0])])\n",
     {"test_knn_no_loops"}),
    ("no_loops_with_a_loop_over_coordinates", KNN,
     "            test_sq = np.sum(X * X, axis=1)[:, None]\n",
     "            diffs = np.zeros((X.shape[0], self.X_train.shape[0]))\n"
     "            for k in range(X.shape[1]):\n"
     "                diffs += (X[:, k:k + 1] - self.X_train[None, :, k]) ** 2\n"
     "            return np.sqrt(diffs)\n"
     "            test_sq = np.sum(X * X, axis=1)[:, None]\n",
     {"test_knn_no_loops"}),
    ("vote_tie_to_first_seen", KNN,
     "y_pred[i] = np.argmax(np.bincount(closest_y))",
     "y_pred[i] = __import__('collections').Counter(closest_y.tolist()).most_common(1)[0][0]",
     {"test_knn_predict_labels"}),
    ("vote_tie_to_larger_label", KNN,
     "y_pred[i] = np.argmax(np.bincount(closest_y))",
     "votes = np.bincount(closest_y); y_pred[i] = len(votes) - 1 - np.argmax(votes[::-1])",
     {"test_knn_predict_labels"}),
    ("k_ignored", KNN,
     'nearest = np.argsort(dists[i], kind="stable")[:k]',
     'nearest = np.argsort(dists[i], kind="stable")[:1]',
     {"test_knn_predict_labels"}),
    ("k_off_by_one", KNN,
     'nearest = np.argsort(dists[i], kind="stable")[:k]',
     'nearest = np.argsort(dists[i], kind="stable")[:k + 1]',
     {"test_knn_predict_labels"}),
    ("farthest_neighbours", KNN,
     'nearest = np.argsort(dists[i], kind="stable")[:k]',
     'nearest = np.argsort(-dists[i], kind="stable")[:k]',
     {"test_knn_predict_labels"}),
    ("l1_without_abs_in_no_loops", KNN,
     "dists[start:start + rows] = np.sum(np.abs(block), axis=2)",
     "dists[start:start + rows] = np.abs(np.sum(block, axis=2))",
     {"test_knn_l1_distances"}),
]


L2_NO_LOOPS = ("            test_sq = np.sum(X * X, axis=1)[:, None]\n"
               "            train_sq = np.sum(self.X_train * self.X_train, axis=1)[None, :]\n"
               "            sq = test_sq - 2.0 * (X @ self.X_train.T) + train_sq\n"
               "            dists = np.sqrt(np.maximum(sq, 0.0))\n")

# Correct no-loop distances written another way: (id, file, old text, new text).
ALTERNATIVE_TABLE = [
    ("no_loops_abs_instead_of_clip", KNN,
     "dists = np.sqrt(np.maximum(sq, 0.0))",
     "dists = np.sqrt(np.abs(sq))"),
    ("no_loops_einsum_norms_other_order", KNN, L2_NO_LOOPS,
     "            sq = (np.einsum(\"ij,ij->i\", self.X_train, self.X_train)[None, :]\n"
     "                  + np.einsum(\"ij,ij->i\", X, X)[:, None] - 2.0 * np.dot(X, self.X_train.T))\n"
     "            dists = np.sqrt(np.clip(sq, 0.0, None))\n"),
    ("no_loops_broadcast_differences", KNN, L2_NO_LOOPS,
     "            dists = np.sqrt(np.sum((X[:, None, :] - self.X_train[None, :, :]) ** 2, axis=2))\n"),
]


class TestKnn(GradedNotebookSuite):
    ASSIGNMENT, PACKAGE, NOTEBOOK = "assignment1", "a1", NOTEBOOK
    CODE_CELLS = CODE_CELLS
    CONCEPT_POINTS = CONCEPT_CELLS
    MUTANTS = [mutant(*row) for row in MUTANT_TABLE]
    ALTERNATIVES = [Mutant(name, [(file, old, new)], ()) for name, file, old, new in ALTERNATIVE_TABLE]
