"""The graded cells of two_layer_net.ipynb judge the way they should.

- the reference solution passes every graded cell and gets full concept points;
- each planted bug (a plausible wrong implementation) fails exactly the cells listed
  with it, and every other cell still passes;
- the release state (every solution region stubbed, concept answers blank) gets no
  autograded points;
- the notebook runs top to bottom in quick mode, as nbgrader runs it (slow).

Cells whose grade_id starts with ``accuracy_`` read the state of the notebook (the
tuned model), so the isolated runner cannot judge them; the end-to-end run does.
"""

import pytest

from cs_utils import concept_checks
from tests.notebook_suite import GradedNotebookSuite, mutant

ASSIGNMENT = "assignment1"
NOTEBOOK = "two_layer_net"

CONCEPT_POINTS = {
    "concept_true_false": concept_checks.max_score(true_false=2),
    "concept_multiple_select": concept_checks.max_score(multiple_select=1),
    "concept_numeric": concept_checks.max_score(numeric=2, numeric_points=1),
}
CODE_CELLS = {
    "affine_forward", "affine_backward", "relu_forward", "relu_backward", "svm_loss",
    "softmax_loss", "two_layer_net_scores", "two_layer_net_loss_and_gradients",
}
ACCURACY_CELLS = {"accuracy_best_model"}
TOTAL_POINTS = 22

LAYERS = "a1/layers.py"
NET = "a1/two_layer_net.py"

# (file, text in the reference, replacement, graded cells that must fail)
MUTANT_TABLE = [
    pytest.param(
        LAYERS, "out = x.reshape(x.shape[0], -1) @ w + b", "out = x @ w + b",
        {"affine_forward", "affine_backward", "two_layer_net_scores",
         "two_layer_net_loss_and_gradients"},
        id="affine_forward-does-not-flatten-images"),
    pytest.param(
        LAYERS, "dw = x.reshape(x.shape[0], -1).T @ dout", "dw = dout.T @ x.reshape(x.shape[0], -1)",
        {"affine_backward", "two_layer_net_loss_and_gradients"},
        id="affine_backward-dw-transposed"),
    pytest.param(
        LAYERS, "dx = (dout @ w.T).reshape(x.shape)", "dx = (dout @ w).reshape(x.shape)",
        {"affine_backward", "two_layer_net_loss_and_gradients"},
        id="affine_backward-dx-without-transpose"),
    pytest.param(
        LAYERS, "dx = (dout @ w.T).reshape(x.shape)", "dx = dout @ w.T",
        {"affine_backward"},
        id="affine_backward-dx-not-reshaped"),
    pytest.param(
        LAYERS, "db = np.sum(dout, axis=0)", "db = np.mean(dout, axis=0)",
        {"affine_backward", "two_layer_net_loss_and_gradients"},
        id="affine_backward-db-averaged-not-summed"),
    pytest.param(
        LAYERS, "dx = dout * (x > 0)", "dx = dout * (x >= 0)",
        {"relu_backward"},
        id="relu_backward-passes-gradient-at-zero"),
    pytest.param(
        LAYERS, "dx = dout * (x > 0)", "dx = dout * np.maximum(0, x)",
        {"relu_backward", "two_layer_net_loss_and_gradients"},
        id="relu_backward-multiplies-by-output"),
    pytest.param(
        LAYERS, "out = np.maximum(0, x)", "x[x < 0] = 0\n    out = x",
        {"relu_forward", "relu_backward"},
        id="relu_forward-changes-its-input"),
    pytest.param(
        LAYERS, "loss = np.sum(margins) / num_train", "loss = np.sum(margins)",
        {"svm_loss"},
        id="svm_loss-not-averaged"),
    pytest.param(
        LAYERS, "loss = -np.sum(log_probs[rows, y]) / num_train", "loss = -np.sum(log_probs[rows, y])",
        {"softmax_loss", "two_layer_net_loss_and_gradients"},
        id="softmax_loss-not-averaged"),
    pytest.param(
        LAYERS, "shifted = x - np.max(x, axis=1, keepdims=True)", "shifted = x",
        {"softmax_loss"},
        id="softmax_loss-overflows"),
    pytest.param(
        NET, 'self.params["W1"] = weight_scale * np.random.randn(input_dim, hidden_dim)',
        'self.params["W1"] = 1e-3 * np.random.randn(input_dim, hidden_dim)',
        {"two_layer_net_scores"},
        id="net-ignores-weight_scale"),
    pytest.param(
        NET, '        grads["W1"] += self.reg * W1\n', "",
        {"two_layer_net_loss_and_gradients"},
        id="net-no-regularization-gradient-W1"),
    pytest.param(
        NET, '        grads["W2"] += self.reg * W2\n', "",
        {"two_layer_net_loss_and_gradients"},
        id="net-no-regularization-gradient-W2"),
    pytest.param(
        NET, "loss += 0.5 * self.reg * (", "loss += self.reg * (",
        {"two_layer_net_loss_and_gradients"},
        id="net-regularization-loss-without-half"),
    pytest.param(
        NET, "affine_relu_backward(dhidden, hidden_cache)", "affine_backward(dhidden, hidden_cache[0])",
        {"two_layer_net_loss_and_gradients"},
        id="net-backward-skips-relu-mask"),
    pytest.param(
        NET, 'grads["W1"] += self.reg * W1\n',
        'grads["W1"] += self.reg * W1\n        grads["b2"] = np.mean(dscores, axis=0)\n',
        {"two_layer_net_loss_and_gradients"},
        id="net-db2-averaged-again"),
]


class TestTwoLayerNet(GradedNotebookSuite):
    ASSIGNMENT, PACKAGE, NOTEBOOK = "assignment1", "a1", NOTEBOOK
    CODE_CELLS = CODE_CELLS
    CONCEPT_POINTS = CONCEPT_POINTS
    ACCURACY_CELLS = ACCURACY_CELLS
    TOTAL_POINTS = TOTAL_POINTS
    MUTANTS = [mutant(row.id, *row.values) for row in MUTANT_TABLE]
