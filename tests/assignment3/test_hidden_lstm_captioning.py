"""The graded cells of LSTM_Captioning.ipynb judge the way they should.

- the reference solution passes every graded cell and gets full concept points;
- each planted bug (a plausible wrong implementation) fails exactly the cells listed
  with it, and every other cell still passes;
- each correct sampler written another valid way (another way of drawing a word from
  softmax(scores / T)) keeps full marks: the sampling cell checks word frequencies,
  never one random stream;
- the release state (every solution region stubbed, concept answers blank) gets no
  autograded points;
- the notebook runs top to bottom in quick mode, as nbgrader runs it (slow).

Gate bugs are planted two ways: in the forward pass only (the backward pass then no
longer matches it, so the gradient checks fail too), and consistently in forward and
backward (the gradient checks pass; only the cells that compare values with an
independent LSTM catch it). The sampling cell compares with an independent LSTM, so
every gate bug fails it as well.
"""

import pytest

from cs_utils import concept_checks
from tests.notebook_suite import GradedNotebookSuite, alternatives_from_table, mutants_from_table

NOTEBOOK = "LSTM_Captioning"

CONCEPT_POINTS = {
    "concept_true_false": concept_checks.max_score(true_false=2),
    "concept_multiple_select": concept_checks.max_score(multiple_select=1),
    "concept_numeric": concept_checks.max_score(numeric=2, numeric_points=1),
}
CODE_CELLS = {
    "lstm_step_forward", "lstm_step_backward", "lstm_forward", "lstm_backward",
    "captioning_lstm_loss", "sample_temperature",
}
TOTAL_POINTS = 25

LAYERS = "a3/rnn_layers.py"
MODEL = "a3/captioning_rnn.py"
O_GATE = "o = sigmoid(a[:, 2 * H:3 * H])"
G_GATE = "g = np.tanh(a[:, 3 * H:])"
GATE_GRADIENTS = ("                         do * o * (1 - o),\n"
                  "                         dg * (1 - g ** 2)], axis=1)")
VALUE_CELLS = {"lstm_step_forward", "lstm_forward", "captioning_lstm_loss", "sample_temperature"}
EVERY_LSTM_CELL = set(CODE_CELLS)

# (file, [(text in the reference, replacement), ...], graded cells that must fail)
MUTANT_TABLE = [
    pytest.param(
        LAYERS, [(O_GATE, "o = sigmoid(a[:, 3 * H:])"), (G_GATE, "g = np.tanh(a[:, 2 * H:3 * H])")],
        EVERY_LSTM_CELL,
        id="lstm-gates-o-and-g-swapped-in-forward"),
    pytest.param(
        LAYERS, [(O_GATE, "o = sigmoid(a[:, 3 * H:])"), (G_GATE, "g = np.tanh(a[:, 2 * H:3 * H])"),
                 (GATE_GRADIENTS, "                         dg * (1 - g ** 2),\n"
                                  "                         do * o * (1 - o)], axis=1)")],
        VALUE_CELLS,
        id="lstm-gates-o-and-g-swapped-consistently"),
    pytest.param(
        LAYERS, [("i = sigmoid(a[:, :H])\n    f = sigmoid(a[:, H:2 * H])",
                  "f = sigmoid(a[:, :H])\n    i = sigmoid(a[:, H:2 * H])")],
        EVERY_LSTM_CELL,
        id="lstm-gates-i-and-f-swapped"),
    pytest.param(
        LAYERS, [(O_GATE, "o = np.tanh(a[:, 2 * H:3 * H])")],
        EVERY_LSTM_CELL,
        id="lstm-tanh-on-the-output-gate"),
    pytest.param(
        LAYERS, [(G_GATE, "g = sigmoid(a[:, 3 * H:])")],
        EVERY_LSTM_CELL,
        id="lstm-sigmoid-on-the-candidate"),
    pytest.param(
        LAYERS, [("next_h = o * tanh_next_c", "next_h = o * next_c")],
        EVERY_LSTM_CELL,
        id="lstm-hidden-state-without-tanh-of-the-cell"),
    pytest.param(
        LAYERS, [("dnext_c_total = dnext_c + dnext_h * o * (1 - tanh_next_c ** 2)",
                  "dnext_c_total = dnext_c")],
        {"lstm_step_backward", "lstm_backward", "captioning_lstm_loss"},
        id="lstm-step-backward-misses-the-path-through-h"),
    pytest.param(
        LAYERS, [("dh_t = dh[:, t, :] + dprev_h\n        dx_steps[t], dprev_h, dprev_c,",
                  "dh_t = dh[:, t, :]\n        dx_steps[t], dprev_h, dprev_c,")],
        {"lstm_backward", "captioning_lstm_loss"},
        id="lstm-backward-hidden-gradient-not-accumulated"),
    pytest.param(
        LAYERS, [("            dh_t, dprev_c, cache[t])", "            dh_t, 0 * dprev_c, cache[t])")],
        {"lstm_backward", "captioning_lstm_loss"},
        id="lstm-backward-drops-the-cell-gradient"),
    pytest.param(
        MODEL, [("logits = np.asarray(scores, dtype=np.float64) / temperature",
                 "logits = np.asarray(scores, dtype=np.float64) * temperature")],
        {"sample_temperature"},
        id="sample-multiplies-by-the-temperature"),
    pytest.param(
        MODEL, [("    if temperature == 0:\n        words", "    if True:\n        words")],
        {"sample_temperature"},
        id="sample-ignores-the-temperature"),
    pytest.param(
        MODEL, [("u = rng.random((scores.shape[0], 1))", "u = np.random.random((scores.shape[0], 1))")],
        {"sample_temperature"},
        id="sample-ignores-the-seed"),
    pytest.param(
        MODEL, [("        logits -= np.max(logits, axis=1, keepdims=True)\n", "")],
        {"sample_temperature"},
        id="sample-overflows-without-the-max-shift"),
]

DRAW = ("        probs = np.exp(logits)\n"
        "        probs /= np.sum(probs, axis=1, keepdims=True)\n"
        "        u = rng.random((scores.shape[0], 1))\n"
        "        words = np.sum(np.cumsum(probs, axis=1) < u, axis=1)\n"
        "        words = np.minimum(words, scores.shape[1] - 1)\n")

# Correct samplers that draw their words another way: (file, [(text, replacement), ...]).
ALTERNATIVE_TABLE = [
    pytest.param(MODEL, [(DRAW, "        words = np.argmax(logits + rng.gumbel(size=logits.shape), axis=1)\n")],
                 id="sample-with-the-gumbel-max-trick"),
    pytest.param(MODEL, [(DRAW, "        probs = np.exp(logits)\n"
                                "        probs /= np.sum(probs, axis=1, keepdims=True)\n"
                                "        u = rng.random(scores.shape[0])\n"
                                "        from_the_end = np.cumsum(probs[:, ::-1], axis=1) < u[:, None]\n"
                                "        words = scores.shape[1] - 1 - np.minimum(np.sum(from_the_end, axis=1),\n"
                                "                                                 scores.shape[1] - 1)\n")],
                 id="sample-inverting-the-distribution-from-the-last-word"),
]


class TestLSTMCaptioning(GradedNotebookSuite):
    ASSIGNMENT, PACKAGE, NOTEBOOK = "assignment3", "a3", NOTEBOOK
    CODE_CELLS = CODE_CELLS
    CONCEPT_POINTS = CONCEPT_POINTS
    TOTAL_POINTS = TOTAL_POINTS
    MUTANTS = mutants_from_table(MUTANT_TABLE)
    ALTERNATIVES = alternatives_from_table(ALTERNATIVE_TABLE)
