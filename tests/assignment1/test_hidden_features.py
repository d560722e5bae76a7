"""The graded cells of features.ipynb judge the way they should.

- the reference solution passes every graded cell and gets full concept points;
- each planted bug fails exactly the cells listed with it, and every other cell passes;
- the release state (every solution region stubbed, concept answers blank) gets no
  autograded points;
- the notebook runs top to bottom in quick mode, as nbgrader runs it (slow).

The ``accuracy_features`` cell reads the state of the notebook (the tuned classifiers),
so only the end-to-end run can judge it.
"""

import pytest

from cs_utils import concept_checks
from tests.notebook_suite import GradedNotebookSuite, Mutant, mutant

ASSIGNMENT = "assignment1"
NOTEBOOK = "features"

CONCEPT_POINTS = {
    "concept_true_false": concept_checks.max_score(true_false=2),
    "concept_multiple_select": concept_checks.max_score(multiple_select=1),
    "concept_numeric": concept_checks.max_score(numeric=2, numeric_points=1),
}
CODE_CELLS = {"linear_svm_on_features", "two_layer_net_on_features"}
ACCURACY_CELLS = {"accuracy_features"}
TOTAL_POINTS = 16

CLASSIFIER = "a1/linear_classifier.py"
NET = "a1/two_layer_net.py"
LAYERS = "a1/layers.py"

# (file, text in the reference, replacement, graded cells that must fail)
MUTANT_TABLE = [
    pytest.param(
        CLASSIFIER, "y_pred = np.argmax(X @ self.W, axis=1)", "y_pred = np.argmax(X @ self.W, axis=0)",
        {"linear_svm_on_features"},
        id="predict-argmax-over-examples"),
    pytest.param(
        CLASSIFIER, "y_batch = y[indices]",
        "y_batch = y[np.random.choice(num_train, batch_size, replace=True)]",
        {"linear_svm_on_features"},
        id="train-labels-drawn-apart-from-images"),
    pytest.param(
        CLASSIFIER, "self.W -= learning_rate * grad", "self.W += learning_rate * grad",
        {"linear_svm_on_features"},
        id="train-steps-uphill"),
    pytest.param(
        NET, "np.random.randn(input_dim, hidden_dim)", "np.random.randn(3 * 32 * 32, hidden_dim)",
        {"two_layer_net_on_features"},
        id="net-assumes-image-input"),
    pytest.param(
        NET, '        grads["W1"] += self.reg * W1\n', "",
        {"two_layer_net_on_features"},
        id="net-no-regularization-gradient-W1"),
    pytest.param(
        NET, "affine_relu_backward(dhidden, hidden_cache)", "affine_backward(dhidden, hidden_cache[0])",
        {"two_layer_net_on_features"},
        id="net-backward-skips-relu-mask"),
    pytest.param(
        LAYERS, "db = np.sum(dout, axis=0)", "db = np.mean(dout, axis=0)",
        {"two_layer_net_on_features"},
        id="affine_backward-db-averaged-not-summed"),
]


class TestFeatures(GradedNotebookSuite):
    ASSIGNMENT, PACKAGE, NOTEBOOK = "assignment1", "a1", NOTEBOOK
    CODE_CELLS = CODE_CELLS
    CONCEPT_POINTS = CONCEPT_POINTS
    ACCURACY_CELLS = ACCURACY_CELLS
    TOTAL_POINTS = TOTAL_POINTS
    MUTANTS = [mutant(row.id, *row.values) for row in MUTANT_TABLE]
    # Minibatches drawn with another random call: the hidden tests check what the
    # batches are, not which random numbers made them.
    ALTERNATIVES = [Mutant("sgd_batches_drawn_with_randint",
                           [(CLASSIFIER, "np.random.choice(num_train, batch_size, replace=True)",
                             "np.random.randint(num_train, size=batch_size)")], ()),
                    # The initial weights drawn in another order and layout.
                    Mutant("net-weights-drawn-another-way", [(NET, (
                        '        self.params["W1"] = weight_scale * np.random.randn(input_dim, hidden_dim)\n'
                        '        self.params["b1"] = np.zeros(hidden_dim)\n'
                        '        self.params["W2"] = weight_scale * np.random.randn(hidden_dim, num_classes)\n'
                        '        self.params["b2"] = np.zeros(num_classes)\n'), (
                        '        self.params["W2"] = np.random.normal(0.0, weight_scale, (num_classes, hidden_dim)).T.copy()\n'
                        '        self.params["W1"] = np.random.normal(0.0, weight_scale, (hidden_dim, input_dim)).T.copy()\n'
                        '        self.params["b1"], self.params["b2"] = np.zeros(hidden_dim), np.zeros(num_classes)\n'))], ())]
