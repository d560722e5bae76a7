"""The graded cells of assignment1/softmax.ipynb: they pass on the reference solution,
catch typical bugs (each mutant fails exactly the cells listed for it), give nothing to
the untouched release, and the notebook runs top to bottom in quick mode."""

from tests.notebook_suite import GradedNotebookSuite, mutant

NOTEBOOK = "softmax"
SOFTMAX = "a1/softmax.py"

CODE_CELLS = {
    "test_softmax_naive_loss",
    "test_softmax_naive_grad",
    "test_softmax_vectorized_loss",
    "test_softmax_vectorized_grad",
    "test_softmax_stability",
}
CONCEPT_CELLS = {
    "test_softmax_concepts_true_false": 4.0,
    "test_softmax_concepts_multiple_select": 4.0,
    "test_softmax_concepts_numeric": 2.0,
}

# (id, file, old text, new text, the graded cells that must fail)
MUTANT_TABLE = [
    ("naive_no_max_shift", SOFTMAX,
     "shifted = scores - np.max(scores)\n",
     "shifted = scores\n",
     {"test_softmax_stability"}),
    ("vectorized_no_max_shift", SOFTMAX,
     "shifted = scores - np.max(scores, axis=1, keepdims=True)",
     "shifted = scores",
     {"test_softmax_stability"}),
    ("vectorized_shift_by_column_max", SOFTMAX,
     "shifted = scores - np.max(scores, axis=1, keepdims=True)",
     "shifted = scores - np.max(scores, axis=0)",
     {"test_softmax_vectorized_loss", "test_softmax_vectorized_grad"}),
    ("naive_not_averaged", SOFTMAX,
     "    loss /= num_train\n    dW /= num_train\n",
     "",
     {"test_softmax_naive_loss", "test_softmax_naive_grad"}),
    ("naive_reg_gradient_halved", SOFTMAX,
     "dW += 2 * reg * W",
     "dW += reg * W",
     {"test_softmax_naive_grad"}),
    ("naive_gradient_without_one_hot", SOFTMAX,
     "dW[:, j] += (prob - (j == y[i])) * X[i]",
     "dW[:, j] += prob * X[i]",
     {"test_softmax_naive_grad"}),
    ("vectorized_loss_not_averaged", SOFTMAX,
     "loss = -np.sum(log_probs[rows, y]) / num_train + reg * np.sum(W * W)",
     "loss = -np.sum(log_probs[rows, y]) + reg * np.sum(W * W)",
     {"test_softmax_vectorized_loss"}),
    ("vectorized_reg_gradient_missing", SOFTMAX,
     "dW = X.T @ dscores / num_train + 2 * reg * W",
     "dW = X.T @ dscores / num_train",
     {"test_softmax_vectorized_grad"}),
    ("vectorized_gradient_without_one_hot", SOFTMAX,
     "    dscores[rows, y] -= 1\n",
     "",
     {"test_softmax_vectorized_grad"}),
]


class TestSoftmax(GradedNotebookSuite):
    ASSIGNMENT, PACKAGE, NOTEBOOK = "assignment1", "a1", NOTEBOOK
    CODE_CELLS = CODE_CELLS
    CONCEPT_POINTS = CONCEPT_CELLS
    MUTANTS = [mutant(*row) for row in MUTANT_TABLE]
