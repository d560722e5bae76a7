"""The graded cells of RNN_Captioning.ipynb judge the way they should.

- the reference solution passes every graded cell and gets full concept points;
- each planted bug (a plausible wrong implementation) fails exactly the cells listed
  with it, and every other cell still passes;
- the release state (every solution region stubbed, concept answers blank) gets no
  autograded points;
- the notebook runs top to bottom in quick mode, as nbgrader runs it (slow).

CaptioningRNN.loss is built from the layers, so a bug in a layer's backward pass (or in
the loss) also fails the ``captioning_rnn_loss`` cell, which checks the model's
gradients numerically and its loss against an independent computation.
"""

import pytest

from cs_utils import concept_checks
from tests.notebook_suite import GradedNotebookSuite, mutants_from_table

NOTEBOOK = "RNN_Captioning"

CONCEPT_POINTS = {
    "concept_true_false": concept_checks.max_score(true_false=2),
    "concept_multiple_select": concept_checks.max_score(multiple_select=1),
    "concept_numeric": concept_checks.max_score(numeric=2, numeric_points=1),
}
CODE_CELLS = {
    "rnn_step_forward", "rnn_step_backward", "rnn_forward", "rnn_backward",
    "word_embedding_forward", "word_embedding_backward", "temporal_affine",
    "temporal_softmax_loss", "captioning_rnn_loss", "captioning_rnn_sample",
}
TOTAL_POINTS = 35

LAYERS = "a3/rnn_layers.py"
MODEL = "a3/captioning_rnn.py"
LOSS = "correct_log_probs = log_probs[rows, y_rows] * mask_rows"
LOSS_AVERAGE = "loss = -np.sum(correct_log_probs) / N"
GRADIENT_AVERAGE = "    dx_rows /= N\n"

# (file, [(text in the reference, replacement), ...], graded cells that must fail)
MUTANT_TABLE = [
    pytest.param(
        LAYERS, [("next_h = np.tanh(x @ Wx + prev_h @ Wh + b)",
                  "next_h = np.tanh(x @ Wx + prev_h @ Wh) + b")],
        {"rnn_step_forward", "rnn_step_backward", "rnn_forward", "rnn_backward",
         "captioning_rnn_loss", "captioning_rnn_sample"},
        id="rnn-step-bias-outside-the-tanh"),
    pytest.param(
        LAYERS, [("    dWh = prev_h.T @ da\n    db = np.sum(da, axis=0)\n    ### END SOLUTION\n"
                  "    return dx, dprev_h, dWx, dWh, db\n\n\ndef rnn_forward",
                  "    dWh = prev_h.T @ dnext_h\n    db = np.sum(da, axis=0)\n    ### END SOLUTION\n"
                  "    return dx, dprev_h, dWx, dWh, db\n\n\ndef rnn_forward")],
        {"rnn_step_backward", "rnn_backward", "captioning_rnn_loss"},
        id="rnn-step-backward-dWh-skips-the-tanh"),
    pytest.param(
        LAYERS, [("dh_t = dh[:, t, :] + dprev_h\n"
                  "        dx_steps[t], dprev_h, dWx_t, dWh_t, db_t = rnn_step_backward",
                  "dh_t = dh[:, t, :]\n"
                  "        dx_steps[t], dprev_h, dWx_t, dWh_t, db_t = rnn_step_backward")],
        {"rnn_backward", "captioning_rnn_loss"},
        id="rnn-backward-hidden-gradient-not-accumulated"),
    pytest.param(
        LAYERS, [("np.add.at(dW, x, dout)", "dW[x] += dout")],
        {"word_embedding_backward", "captioning_rnn_loss"},
        id="embedding-backward-loses-repeated-words"),
    pytest.param(
        LAYERS, [(LOSS, "correct_log_probs = log_probs[rows, y_rows]"),
                 ("    dx_rows *= mask_rows[:, None]\n", "")],
        {"temporal_softmax_loss", "captioning_rnn_loss"},
        id="temporal-loss-ignores-the-mask"),
    pytest.param(
        LAYERS, [(LOSS_AVERAGE, "loss = -np.sum(correct_log_probs)"), (GRADIENT_AVERAGE, "")],
        {"temporal_softmax_loss", "captioning_rnn_loss"},
        id="temporal-loss-not-averaged-over-the-minibatch"),
    pytest.param(
        LAYERS, [(LOSS_AVERAGE, "loss = -np.sum(correct_log_probs) / (N * T)"),
                 (GRADIENT_AVERAGE, "    dx_rows /= N * T\n")],
        {"temporal_softmax_loss", "captioning_rnn_loss"},
        id="temporal-loss-averaged-over-every-time-step"),
    pytest.param(
        LAYERS, [("shifted = x_rows - np.max(x_rows, axis=1, keepdims=True)", "shifted = x_rows")],
        {"temporal_softmax_loss"},
        id="temporal-loss-overflows-without-the-max-shift"),
    pytest.param(
        MODEL, [("        h0 = features @ W_proj + b_proj\n", "        h0 = np.zeros((features.shape[0], Wh.shape[0]))\n"
                 "        _ = features @ W_proj + b_proj\n")],
        {"captioning_rnn_loss"},
        id="captioning-loss-ignores-the-image"),
    pytest.param(
        MODEL, [("            words = next_words\n",
                 "            words = np.full(N, self.start_idx)\n")],
        {"captioning_rnn_sample"},
        id="sample-feeds-a-fixed-word-instead-of-its-own"),
    pytest.param(
        MODEL, [("        words = np.full(N, self.start_idx)\n",
                 "        words = np.full(N, self.null_idx)\n")],
        {"captioning_rnn_sample"},
        id="sample-without-start-token"),
    pytest.param(
        MODEL, [("captions[:, t] = np.where(finished, self.null_idx, next_words)",
                 "captions[:, t] = next_words")],
        {"captioning_rnn_sample"},
        id="sample-end-does-not-stop-the-caption"),
]


class TestRNNCaptioning(GradedNotebookSuite):
    ASSIGNMENT, PACKAGE, NOTEBOOK = "assignment3", "a3", NOTEBOOK
    CODE_CELLS = CODE_CELLS
    CONCEPT_POINTS = CONCEPT_POINTS
    TOTAL_POINTS = TOTAL_POINTS
    MUTANTS = mutants_from_table(MUTANT_TABLE)
