"""The graded cells of Dropout.ipynb judge the way they should.

- the reference solution passes every graded cell and gets full concept points;
- each planted bug (a plausible wrong implementation) fails exactly the cells listed
  with it, and every other cell still passes;
- the release state (every solution region stubbed, concept answers blank) gets no
  autograded points;
- the notebook runs top to bottom in quick mode, as nbgrader runs it (slow).

This notebook has no ``accuracy_`` cell: its training run is an experiment to look at,
not a model to hand in.
"""

import pytest

from cs_utils import concept_checks
from tests.notebook_suite import GradedNotebookSuite, mutants_from_table
ASSIGNMENT = "assignment2"
NOTEBOOK = "Dropout"

CONCEPT_POINTS = {
    "concept_true_false": concept_checks.max_score(true_false=2),
    "concept_multiple_select": concept_checks.max_score(multiple_select=1),
    "concept_numeric": concept_checks.max_score(numeric=2, numeric_points=1),
}
CODE_CELLS = {"dropout_forward", "dropout_backward", "fc_net_dropout"}
ACCURACY_CELLS = set()
TOTAL_POINTS = 18

LAYERS = "a2/layers.py"
NET = "a2/fc_net.py"

# (file, [(text in the reference, replacement), ...], graded cells that must fail)
MUTANT_TABLE = [
    pytest.param(
        LAYERS, [("mask = ((rng.rand(*x.shape) < p) / p).astype(x.dtype)",
                  "mask = (rng.rand(*x.shape) < p).astype(x.dtype)")],
        {"dropout_forward", "fc_net_dropout"},
        id="dropout-not-inverted"),
    pytest.param(
        LAYERS, [("mask = ((rng.rand(*x.shape) < p) / p).astype(x.dtype)",
                  "mask = ((rng.rand(*x.shape) >= p) / p).astype(x.dtype)")],
        {"dropout_forward", "fc_net_dropout"},
        id="dropout-p-read-as-drop-probability"),
    pytest.param(
        LAYERS, [("        dx = dout * mask\n",
                  "        p = dropout_param[\"p\"]\n"
                  "        dx = dout * (np.random.rand(*dout.shape) < p) / p\n")],
        {"dropout_backward", "fc_net_dropout"},
        id="dropout-backward-draws-a-new-mask"),
    pytest.param(
        LAYERS, [("        # What does inverted dropout do at test time?\n"
                  "        ### BEGIN SOLUTION\n        out = x\n",
                  "        # What does inverted dropout do at test time?\n"
                  "        ### BEGIN SOLUTION\n        out = x * (rng.rand(*x.shape) < p) / p\n")],
        {"dropout_forward", "fc_net_dropout"},
        id="dropout-active-in-test-mode"),
    pytest.param(
        LAYERS, [("        # What does inverted dropout do at test time?\n"
                  "        ### BEGIN SOLUTION\n        out = x\n",
                  "        # What does inverted dropout do at test time?\n"
                  "        ### BEGIN SOLUTION\n        out = x * p\n")],
        {"dropout_forward", "fc_net_dropout"},
        id="dropout-scales-at-test-time-too"),
    pytest.param(
        NET, [("            if self.use_dropout:\n                dout = dropout_backward(dout, dropout_cache)\n", "")],
        {"fc_net_dropout"},
        id="net-skips-dropout-in-backward"),
]


class TestDropout(GradedNotebookSuite):
    ASSIGNMENT, PACKAGE, NOTEBOOK = "assignment2", "a2", NOTEBOOK
    CODE_CELLS = CODE_CELLS
    CONCEPT_POINTS = CONCEPT_POINTS
    ACCURACY_CELLS = ACCURACY_CELLS
    TOTAL_POINTS = TOTAL_POINTS
    MUTANTS = mutants_from_table(MUTANT_TABLE)
