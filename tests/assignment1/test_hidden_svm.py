"""The graded cells of assignment1/svm.ipynb: they pass on the reference solution,
catch typical bugs (each mutant fails exactly the cells listed for it), give nothing to
the untouched release, and the notebook runs top to bottom in quick mode."""

from tests.notebook_suite import GradedNotebookSuite, Mutant, mutant

NOTEBOOK = "svm"
SVM = "a1/linear_svm.py"
LINEAR = "a1/linear_classifier.py"

CODE_CELLS = {
    "test_svm_naive_loss",
    "test_svm_naive_grad",
    "test_svm_vectorized_loss",
    "test_svm_vectorized_grad",
    "test_linear_classifier",
}
CONCEPT_CELLS = {
    "test_svm_concepts_true_false": 4.0,
    "test_svm_concepts_multiple_select": 4.0,
    "test_svm_concepts_numeric": 2.0,
}

# (id, file, old text, new text, the graded cells that must fail)
MUTANT_TABLE = [
    ("naive_counts_correct_class", SVM,
     "            if j == y[i]:\n                continue\n",
     "",
     {"test_svm_naive_loss"}),
    ("naive_not_averaged", SVM,
     "    loss /= num_train\n    dW /= num_train\n",
     "",
     {"test_svm_naive_loss", "test_svm_naive_grad"}),
    ("naive_reg_gradient_missing", SVM,
     "    dW += 2 * reg * W\n",
     "",
     {"test_svm_naive_grad"}),
    ("naive_correct_class_gradient_missing", SVM,
     "                dW[:, y[i]] -= X[i]\n",
     "",
     {"test_svm_naive_grad"}),
    ("vectorized_counts_correct_class", SVM,
     "    margins[rows, y] = 0\n",
     "",
     {"test_svm_vectorized_loss", "test_svm_vectorized_grad"}),
    ("vectorized_loss_not_averaged", SVM,
     "loss = np.sum(margins) / num_train + reg * np.sum(W * W)",
     "loss = np.sum(margins) + reg * np.sum(W * W)",
     {"test_svm_vectorized_loss"}),
    ("vectorized_gradient_not_averaged", SVM,
     "dW = X.T @ dscores / num_train + 2 * reg * W",
     "dW = X.T @ dscores + 2 * reg * W",
     {"test_svm_vectorized_grad"}),
    ("vectorized_reg_gradient_halved", SVM,
     "dW = X.T @ dscores / num_train + 2 * reg * W",
     "dW = X.T @ dscores / num_train + reg * W",
     {"test_svm_vectorized_grad"}),
    ("vectorized_correct_class_counted_once", SVM,
     "dscores[rows, y] = -np.sum(dscores, axis=1)",
     "dscores[rows, y] = -1",
     {"test_svm_vectorized_grad"}),
    ("sgd_steps_uphill", LINEAR,
     "self.W -= learning_rate * grad",
     "self.W += learning_rate * grad",
     {"test_linear_classifier"}),
    ("sgd_labels_not_paired_with_examples", LINEAR,
     "y_batch = y[indices]",
     "y_batch = y[np.random.choice(num_train, batch_size, replace=True)]",
     {"test_linear_classifier"}),
    ("sgd_same_batch_every_time", LINEAR,
     "indices = np.random.choice(num_train, batch_size, replace=True)",
     "indices = np.arange(batch_size)",
     {"test_linear_classifier"}),
    ("predict_argmax_over_examples", LINEAR,
     "y_pred = np.argmax(X @ self.W, axis=1)",
     "y_pred = np.argmax(X @ self.W, axis=0)",
     {"test_linear_classifier"}),
]


class TestSvm(GradedNotebookSuite):
    ASSIGNMENT, PACKAGE, NOTEBOOK = "assignment1", "a1", NOTEBOOK
    CODE_CELLS = CODE_CELLS
    CONCEPT_POINTS = CONCEPT_CELLS
    MUTANTS = [mutant(*row) for row in MUTANT_TABLE]
    # Minibatches drawn with another random call: the hidden tests check what the
    # batches are, not which random numbers made them.
    ALTERNATIVES = [Mutant("sgd_batches_drawn_with_randint",
                           [(LINEAR, "np.random.choice(num_train, batch_size, replace=True)",
                             "np.random.randint(num_train, size=batch_size)")], ())]
