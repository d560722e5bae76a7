"""The graded cells of GradientFlow.ipynb judge the way they should.

- the reference solution passes every graded cell and gets full concept points;
- each planted bug (a plausible wrong implementation) fails exactly the cells listed
  with it, and every other cell still passes;
- the release state (every solution region stubbed, concept answers blank) gets no
  autograded points;
- the notebook runs top to bottom in quick mode, as nbgrader runs it (slow).

The GRU is the assignment's extra and carries few points; its cell checks the step and
the sequence together.
"""

import pytest

from cs_utils import concept_checks
from tests.notebook_suite import GradedNotebookSuite, mutants_from_table

NOTEBOOK = "GradientFlow"

CONCEPT_POINTS = {
    "concept_true_false": concept_checks.max_score(true_false=2),
    "concept_multiple_select": concept_checks.max_score(multiple_select=1),
    "concept_numeric": concept_checks.max_score(numeric=2, numeric_points=1),
}
CODE_CELLS = {"rnn_gradient_through_time", "clip_grad_norm", "gru"}
TOTAL_POINTS = 19

LAYERS = "a3/rnn_layers.py"
CLIP = ("    scale = 1.0\n"
        "    if total_norm > max_norm:\n"
        "        scale = max_norm / total_norm\n"
        "    clipped_grads = {name: g * scale for name, g in grads.items()}\n")

# (file, [(text in the reference, replacement), ...], graded cells that must fail)
MUTANT_TABLE = [
    pytest.param(
        LAYERS, [("dh_t = dh[:, t, :] + dprev_h\n"
                  "        dx_steps[t], dprev_h, dWx_t, dWh_t, db_t = rnn_step_backward",
                  "dh_t = dh[:, t, :]\n"
                  "        dx_steps[t], dprev_h, dWx_t, dWh_t, db_t = rnn_step_backward")],
        {"rnn_gradient_through_time"},
        id="rnn-backward-hidden-gradient-not-accumulated"),
    pytest.param(
        LAYERS, [("        dx_steps[t], dprev_h, dWx_t, dWh_t, db_t = rnn_step_backward(dh_t, cache[t])\n",
                  "        dx_steps[t], dprev_h, dWx_t, dWh_t, db_t = rnn_step_backward(dh_t, cache[t])\n"
                  "        dprev_h = dh_t @ cache[t][3].T\n")],
        {"rnn_gradient_through_time"},
        id="rnn-backward-skips-the-tanh-slope-between-steps"),
    pytest.param(
        LAYERS, [(CLIP, "    clipped_grads = {name: g * min(1.0, max_norm / np.linalg.norm(g))\n"
                        "                     for name, g in grads.items()}\n")],
        {"clip_grad_norm"},
        id="clip-scales-each-array-separately"),
    pytest.param(
        LAYERS, [(CLIP, "    clipped_grads = {name: np.clip(g, -max_norm, max_norm) for name, g in grads.items()}\n")],
        {"clip_grad_norm"},
        id="clip-clips-each-number"),
    pytest.param(
        LAYERS, [(CLIP, "    scale = max_norm / total_norm\n"
                        "    clipped_grads = {name: g * scale for name, g in grads.items()}\n")],
        {"clip_grad_norm"},
        id="clip-rescales-small-gradients-up"),
    pytest.param(
        LAYERS, [(CLIP, CLIP + "    total_norm = min(total_norm, max_norm)\n")],
        {"clip_grad_norm"},
        id="clip-returns-the-norm-after-clipping"),
    pytest.param(
        LAYERS, [(CLIP, "    scale = 1.0\n"
                        "    if total_norm > max_norm:\n"
                        "        scale = max_norm / total_norm\n"
                        "    for g in grads.values():\n"
                        "        g *= scale\n"
                        "    clipped_grads = grads\n")],
        {"clip_grad_norm"},
        id="clip-modifies-the-input-in-place"),
    pytest.param(
        LAYERS, [("    n = np.tanh(xa[:, 2 * H:] + r * hn)\n", "    n = np.tanh(r * (xa[:, 2 * H:] + hn))\n")],
        {"gru"},
        id="gru-reset-gate-on-the-input-too"),
    pytest.param(
        LAYERS, [("    next_h = (1 - z) * n + z * prev_h\n    cache", "    next_h = z * n + (1 - z) * prev_h\n    cache"),
                 ("dz = dnext_h * (prev_h - n)\n    dn = dnext_h * (1 - z)",
                  "dz = dnext_h * (n - prev_h)\n    dn = dnext_h * z"),
                 ("dprev_h = dnext_h * z + dha @ Wh.T", "dprev_h = dnext_h * (1 - z) + dha @ Wh.T")],
        {"gru"},
        id="gru-update-gate-roles-swapped-consistently"),
]


class TestGradientFlow(GradedNotebookSuite):
    ASSIGNMENT, PACKAGE, NOTEBOOK = "assignment3", "a3", NOTEBOOK
    CODE_CELLS = CODE_CELLS
    CONCEPT_POINTS = CONCEPT_POINTS
    TOTAL_POINTS = TOTAL_POINTS
    MUTANTS = mutants_from_table(MUTANT_TABLE)
