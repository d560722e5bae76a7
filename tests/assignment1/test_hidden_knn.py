"""The graded cells of assignment1/knn.ipynb: they pass on the reference solution,
catch typical bugs (each mutant fails exactly the cells listed for it), give nothing to
the untouched release, and the notebook runs top to bottom in quick mode."""

from tests.notebook_suite import GradedNotebookSuite, mutant

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


class TestKnn(GradedNotebookSuite):
    ASSIGNMENT, PACKAGE, NOTEBOOK = "assignment1", "a1", NOTEBOOK
    CODE_CELLS = CODE_CELLS
    CONCEPT_POINTS = CONCEPT_CELLS
    MUTANTS = [mutant(*row) for row in MUTANT_TABLE]
