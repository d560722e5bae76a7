"""The graded cells of BatchNormalization.ipynb judge the way they should.

- the reference solution passes every graded cell and gets full concept points;
- each planted bug (a plausible wrong implementation) fails exactly the cells listed
  with it, and every other cell still passes;
- the release state (every solution region stubbed, concept answers blank) gets no
  autograded points;
- the notebook runs top to bottom in quick mode, as nbgrader runs it (slow).

FullyConnectedNet uses batchnorm_backward_alt (through the sandwich layer), so a bug in
the closed-form backward pass also fails the ``fc_net_batchnorm`` cell.
"""

import pytest

from cs_utils import concept_checks
from tests.notebook_suite import GradedNotebookSuite, Mutant, mutant
ASSIGNMENT = "assignment2"
NOTEBOOK = "BatchNormalization"

CONCEPT_POINTS = {
    "concept_true_false": concept_checks.max_score(true_false=2),
    "concept_multiple_select": concept_checks.max_score(multiple_select=1),
    "concept_numeric": concept_checks.max_score(numeric=3, numeric_points=1),
}
CODE_CELLS = {
    "batchnorm_forward_train", "batchnorm_forward_test", "batchnorm_backward",
    "batchnorm_backward_alt", "fc_net_batchnorm", "layernorm_forward", "layernorm_backward",
    "fc_net_layernorm",
}
TOTAL_POINTS = 24

LAYERS = "a2/layers.py"
TEST_MODE = "out = gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta"

# (file, text in the reference, replacement, graded cells that must fail)
MUTANT_TABLE = [
    pytest.param(
        LAYERS,
        "        running_mean = momentum * running_mean + (1 - momentum) * mean\n"
        "        running_var = momentum",
        "        running_var = momentum",
        {"batchnorm_forward_train"},
        id="batchnorm-train-mode-does-not-update-running-mean"),
    pytest.param(
        LAYERS, "running_var = momentum * running_var + (1 - momentum) * var",
        "running_var = momentum * running_var + (1 - momentum) * std",
        {"batchnorm_forward_train"},
        id="batchnorm-running-var-averages-the-std"),
    pytest.param(
        LAYERS, "var = np.mean(x_centered ** 2, axis=0)", "var = np.var(x, axis=0, ddof=1)",
        {"batchnorm_forward_train", "batchnorm_backward", "batchnorm_backward_alt",
         "fc_net_batchnorm"},
        id="batchnorm-unbiased-variance"),
    pytest.param(
        LAYERS, TEST_MODE,
        "out = gamma * (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + eps) + beta",
        {"batchnorm_forward_test", "fc_net_batchnorm"},
        id="batchnorm-test-mode-uses-batch-statistics"),
    pytest.param(
        LAYERS, TEST_MODE,
        TEST_MODE + "\n        running_mean = momentum * running_mean + (1 - momentum) * x.mean(axis=0)",
        {"batchnorm_forward_test", "fc_net_batchnorm"},
        id="batchnorm-test-mode-updates-running-mean"),
    pytest.param(
        LAYERS, TEST_MODE, "out = gamma * (x - running_mean) / np.sqrt(running_var) + beta",
        {"batchnorm_forward_test"},
        id="batchnorm-test-mode-without-eps"),
    pytest.param(
        LAYERS, "dx = dx_centered + dmean / N", "dx = dx_centered",
        {"batchnorm_backward"},
        id="batchnorm_backward-misses-the-path-through-the-mean"),
    pytest.param(
        LAYERS, "dx_centered += 2 * x_centered * dvar / N", "dx_centered += x_centered * dvar / N",
        {"batchnorm_backward"},
        id="batchnorm_backward-variance-path-without-factor-2"),
    pytest.param(
        LAYERS,
        "dx = (dx_hat - np.mean(dx_hat, axis=0) - x_hat * np.mean(dx_hat * x_hat, axis=0)) / std",
        "dx = (dx_hat - np.mean(dx_hat, axis=0)) / std",
        {"batchnorm_backward_alt", "fc_net_batchnorm"},
        id="batchnorm_backward_alt-misses-the-variance-term"),
    pytest.param(
        LAYERS,
        "dx = (dx_hat - np.mean(dx_hat, axis=0) - x_hat * np.mean(dx_hat * x_hat, axis=0)) / std",
        "dx = (dx_hat - x_hat * np.mean(dx_hat * x_hat, axis=0)) / std",
        {"batchnorm_backward_alt", "fc_net_batchnorm"},
        id="batchnorm_backward_alt-misses-the-mean-term"),
    pytest.param(
        LAYERS,
        "dx = (dx_hat - np.mean(dx_hat, axis=0) - x_hat * np.mean(dx_hat * x_hat, axis=0)) / std",
        "dx = (dx_hat - np.mean(dx_hat, axis=0) - x_hat * np.mean(dx_hat * x_hat, axis=0)) / std ** 2",
        {"batchnorm_backward_alt", "fc_net_batchnorm"},
        id="batchnorm_backward_alt-divides-by-the-variance"),
    pytest.param(
        LAYERS, "    mean = np.mean(x, axis=1, keepdims=True)", "    mean = np.mean(x, axis=0, keepdims=True)",
        {"layernorm_forward", "layernorm_backward", "fc_net_layernorm"},
        id="layernorm-mean-over-the-batch-axis"),
    pytest.param(
        LAYERS, "var = np.mean(x_centered ** 2, axis=1, keepdims=True)",
        "var = np.mean(x_centered ** 2, axis=0, keepdims=True)",
        {"layernorm_forward", "layernorm_backward", "fc_net_layernorm"},
        id="layernorm-variance-over-the-batch-axis"),
    pytest.param(
        LAYERS, "dx = (dx_hat - np.mean(dx_hat, axis=1, keepdims=True)",
        "dx = (dx_hat - np.mean(dx_hat, axis=0, keepdims=True)",
        {"layernorm_backward", "fc_net_layernorm"},
        id="layernorm_backward-mean-over-the-batch-axis"),
]


# The initial weights drawn another valid way (another layout of the same random numbers):
# the checks use the network's own weights, never one random stream.
WEIGHTS_DRAWN_ANOTHER_WAY = Mutant(
    "weights-drawn-another-way",
    [("a2/fc_net.py", 'self.params[f"W{layer}"] = std * np.random.randn(fan_in, fan_out)',
      'self.params[f"W{layer}"] = np.random.normal(0.0, std, size=(fan_out, fan_in)).T.copy()')], ())


class TestBatchNormalization(GradedNotebookSuite):
    ASSIGNMENT, PACKAGE, NOTEBOOK = "assignment2", "a2", NOTEBOOK
    CODE_CELLS = CODE_CELLS
    CONCEPT_POINTS = CONCEPT_POINTS
    TOTAL_POINTS = TOTAL_POINTS
    MUTANTS = [mutant(row.id, *row.values) for row in MUTANT_TABLE]
    ALTERNATIVES = [WEIGHTS_DRAWN_ANOTHER_WAY]
