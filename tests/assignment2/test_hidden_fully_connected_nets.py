"""The graded cells of FullyConnectedNets.ipynb judge the way they should.

- the reference solution passes every graded cell and gets full concept points;
- each planted bug (a plausible wrong implementation) fails exactly the cells listed
  with it, and every other cell still passes;
- the release state (every solution region stubbed, concept answers blank) gets no
  autograded points;
- the notebook runs top to bottom in quick mode, as nbgrader runs it (slow).

Cells whose grade_id starts with ``accuracy_`` read the state of the notebook (the
trained model), so the isolated runner cannot judge them; the end-to-end run does.
"""

import pytest

from cs_utils import concept_checks
from tests.notebook_suite import GradedNotebookSuite, Mutant, mutants_from_table
ASSIGNMENT = "assignment2"
NOTEBOOK = "FullyConnectedNets"

CONCEPT_POINTS = {
    "concept_true_false": concept_checks.max_score(true_false=2),
    "concept_multiple_select": concept_checks.max_score(multiple_select=1),
    "concept_numeric": concept_checks.max_score(numeric=2, numeric_points=1),
}
CODE_CELLS = {
    "fc_net_init", "fc_net_loss_and_gradients", "sgd_momentum", "sgd_nesterov_momentum",
    "adagrad", "rmsprop", "adam",
}
ACCURACY_CELLS = set()
TOTAL_POINTS = 22

OPTIM = "a2/optim.py"
NET = "a2/fc_net.py"

# (file, [(text in the reference, replacement), ...], graded cells that must fail)
MUTANT_TABLE = [
    pytest.param(
        OPTIM, [('    config["velocity"] = v\n    ### END SOLUTION\n    return next_w, config\n\n\n'
                 'def sgd_nesterov_momentum',
                 '    ### END SOLUTION\n    return next_w, config\n\n\ndef sgd_nesterov_momentum')],
        {"sgd_momentum"},
        id="momentum-velocity-not-kept-in-config"),
    pytest.param(
        OPTIM, [("next_w = w - config[\"momentum\"] * v_prev + (1 + config[\"momentum\"]) * v",
                 "next_w = w + v")],
        {"sgd_nesterov_momentum"},
        id="nesterov-computed-as-plain-momentum"),
    pytest.param(
        OPTIM, [("cache = cache + dw * dw", "cache = dw * dw")],
        {"adagrad"},
        id="adagrad-cache-not-accumulated"),
    pytest.param(
        OPTIM, [('cache = config["decay_rate"] * cache + (1 - config["decay_rate"]) * dw * dw',
                 'cache = config["decay_rate"] * cache + dw * dw')],
        {"rmsprop"},
        id="rmsprop-cache-without-1-minus-decay"),
    pytest.param(
        OPTIM, [("m_hat = m / (1 - beta1 ** t)\n    v_hat = v / (1 - beta2 ** t)",
                 "m_hat = m\n    v_hat = v")],
        {"adam"},
        id="adam-without-bias-correction"),
    pytest.param(
        OPTIM, [('t = config["t"] + 1', 't = config["t"]'),
                ('config["m"], config["v"], config["t"] = m, v, t',
                 'config["m"], config["v"], config["t"] = m, v, t + 1')],
        {"adam"},
        id="adam-t-incremented-after-bias-correction"),
    pytest.param(
        OPTIM, [('config["m"], config["v"], config["t"] = m, v, t',
                 'config["t"] = t')],
        {"adam"},
        id="adam-moments-not-kept-in-config"),
    pytest.param(
        NET, [('std = np.sqrt(2.0 / fan_in)', 'std = np.sqrt(1.0 / fan_in)')],
        {"fc_net_init"},
        id="kaiming-without-the-factor-2"),
    pytest.param(
        NET, [("for layer in range(1, L + 1):\n            grads[f\"W{layer}\"] += self.reg",
               "for layer in (1, L):\n            grads[f\"W{layer}\"] += self.reg")],
        {"fc_net_loss_and_gradients"},
        id="net-no-regularization-gradient-for-middle-layers"),
    pytest.param(
        NET, [("for layer in range(1, L + 1):\n            W = self.params",
               "for layer in (1, L):\n            W = self.params")],
        {"fc_net_loss_and_gradients"},
        id="net-no-regularization-loss-for-middle-layers"),
    pytest.param(
        NET, [('dout, grads[f"W{layer}"], grads[f"b{layer}"] = affine_relu_backward(dout, layer_cache)',
               '_, grads[f"W{layer}"], grads[f"b{layer}"] = affine_relu_backward(dout, layer_cache)')],
        {"fc_net_loss_and_gradients"},
        id="net-does-not-pass-gradient-down-through-depth"),
]


# The initial weights drawn another valid way (another layout of the same random numbers):
# the checks use the network's own weights, never one random stream.
WEIGHTS_DRAWN_ANOTHER_WAY = Mutant(
    "weights-drawn-another-way",
    [("a2/fc_net.py", 'self.params[f"W{layer}"] = std * np.random.randn(fan_in, fan_out)',
      'self.params[f"W{layer}"] = np.random.normal(0.0, std, size=(fan_out, fan_in)).T.copy()')], ())


class TestFullyConnectedNets(GradedNotebookSuite):
    ASSIGNMENT, PACKAGE, NOTEBOOK = "assignment2", "a2", NOTEBOOK
    CODE_CELLS = CODE_CELLS
    CONCEPT_POINTS = CONCEPT_POINTS
    ACCURACY_CELLS = ACCURACY_CELLS
    TOTAL_POINTS = TOTAL_POINTS
    MUTANTS = mutants_from_table(MUTANT_TABLE)
    ALTERNATIVES = [WEIGHTS_DRAWN_ANOTHER_WAY]
