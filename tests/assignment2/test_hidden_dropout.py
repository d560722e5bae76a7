"""The graded cells of Dropout.ipynb judge the way they should.

- the reference solution passes every graded cell and gets full concept points;
- each planted bug (a plausible wrong implementation) fails exactly the cells listed
  with it, and every other cell still passes;
- each correct implementation written another valid way (another way of drawing the
  mask, another seeding of the layers) keeps full marks: the hidden tests check the
  kept fraction, the 1/p scaling and the network's own masks, never one random stream;
- the release state (every solution region stubbed, concept answers blank) gets no
  autograded points;
- the notebook runs top to bottom in quick mode, as nbgrader runs it (slow).

This notebook has no ``accuracy_`` cell: its training run is an experiment to look at,
not a model to hand in.
"""

import pytest

from cs_utils import concept_checks
from tests.notebook_suite import GradedNotebookSuite, alternatives_from_table, mutants_from_table

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
MASK = "mask = ((rng.rand(*x.shape) < p) / p).astype(x.dtype)"
NET_DROPOUT = "                out, dropout_cache = dropout_forward(out, self.dropout_param)\n"

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
    pytest.param(
        LAYERS, [(MASK, "generator = np.random.RandomState(dropout_param.get(\"seed\", 0))\n"
                        "        mask = ((generator.rand(*x.shape) < p) / p).astype(x.dtype)")],
        {"dropout_forward"},
        id="dropout-same-mask-at-every-call-without-a-seed"),
]

# Correct implementations written another valid way: (file, [(text, replacement), ...]).
ALTERNATIVE_TABLE = [
    pytest.param(LAYERS, [(MASK, "mask = (rng.binomial(1, p, size=x.shape) / p).astype(x.dtype)")],
                 id="mask-from-binomial-draws"),
    pytest.param(LAYERS, [(MASK, "mask = ((rng.random(x.shape) < p) / p).astype(x.dtype)")],
                 id="mask-from-random-below-p"),
    pytest.param(LAYERS, [(MASK, "if seed is not None:\n"
                                 "            rng = np.random.default_rng(seed)\n"
                                 "        keep = rng.random(x.shape) < p\n"
                                 "        mask = np.where(keep, 1.0 / p, 0.0).astype(x.dtype)")],
                 id="mask-from-a-seeded-generator"),
    pytest.param(NET, [(NET_DROPOUT,
                        "                layer_param = dict(self.dropout_param)\n"
                        "                if \"seed\" in layer_param:\n"
                        "                    layer_param[\"seed\"] += layer\n"
                        "                out, dropout_cache = dropout_forward(out, layer_param)\n")],
                 id="net-seeds-each-dropout-layer-differently"),
    pytest.param(NET, [('self.params[f"W{layer}"] = std * np.random.randn(fan_in, fan_out)',
                        'self.params[f"W{layer}"] = np.random.normal(0.0, std, size=(fan_out, fan_in)).T.copy()')],
                 id="weights-drawn-another-way"),
]


class TestDropout(GradedNotebookSuite):
    ASSIGNMENT, PACKAGE, NOTEBOOK = "assignment2", "a2", NOTEBOOK
    CODE_CELLS = CODE_CELLS
    CONCEPT_POINTS = CONCEPT_POINTS
    ACCURACY_CELLS = ACCURACY_CELLS
    TOTAL_POINTS = TOTAL_POINTS
    MUTANTS = mutants_from_table(MUTANT_TABLE)
    ALTERNATIVES = alternatives_from_table(ALTERNATIVE_TABLE)
