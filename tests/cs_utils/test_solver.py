"""Tests for cs_utils.solver.Solver, on softmax regression over separable toy data."""

import importlib.util
import math
import os
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from cs_utils.gradient_check import eval_numerical_gradient, rel_error
from cs_utils.solver import Solver, sgd
from tests.margins import assert_within

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class SoftmaxRegression:
    """Linear scores ``X @ W + b`` with the mean cross-entropy loss; W (D, C), b (C,)."""

    def __init__(self, input_dim=2, num_classes=3):
        self.params = {"W": np.zeros((input_dim, num_classes)), "b": np.zeros(num_classes)}

    def loss(self, X, y=None):
        scores = X @ self.params["W"] + self.params["b"]
        if y is None:
            return scores
        shifted = scores - scores.max(axis=1, keepdims=True)
        probs = np.exp(shifted)
        probs /= probs.sum(axis=1, keepdims=True)
        N = X.shape[0]
        loss = -np.mean(np.log(probs[np.arange(N), y]))
        dscores = probs
        dscores[np.arange(N), y] -= 1
        dscores /= N
        return loss, {"W": X.T @ dscores, "b": dscores.sum(axis=0)}


def blobs(n_per_class, seed):
    """Three well separated Gaussian blobs in 2-D: X (3n, 2), y (3n,)."""
    rng = np.random.default_rng(seed)
    centres = np.array([[4.0, 0.0], [-2.0, 3.5], [-2.0, -3.5]])
    X = np.concatenate([c + 0.5 * rng.standard_normal((n_per_class, 2)) for c in centres])
    y = np.repeat(np.arange(3), n_per_class)
    order = rng.permutation(len(y))
    return X[order], y[order]


@pytest.fixture
def data():
    X_train, y_train = blobs(100, seed=1)     # 300 training examples
    X_val, y_val = blobs(50, seed=2)          # 150 validation examples
    return {"X_train": X_train, "y_train": y_train, "X_val": X_val, "y_val": y_val,
            "X_test": "ignored", "mean_image": None}


def accuracy(model, X, y):
    """Independent accuracy: argmax of the linear scores against the labels."""
    scores = X @ model.params["W"] + model.params["b"]
    return float(np.mean(np.argmax(scores, axis=1) == y))


def test_toy_model_gradient_is_right(data):
    model = SoftmaxRegression()
    rng = np.random.default_rng(0)
    model.params["W"] = rng.standard_normal((2, 3))
    model.params["b"] = rng.standard_normal(3)
    X, y = data["X_train"][:20], data["y_train"][:20]
    _, grads = model.loss(X, y)
    for name in ("W", "b"):
        numerical = eval_numerical_gradient(lambda _: model.loss(X, y)[0],
                                            model.params[name], verbose=False)
        assert_within(rel_error(numerical, grads[name]), 1e-7)


def test_training_lowers_the_loss_and_fits_separable_data(data):
    np.random.seed(0)
    model = SoftmaxRegression()
    solver = Solver(model, data, optim_config={"learning_rate": 0.5}, batch_size=50,
                    num_epochs=5, verbose=False)
    solver.train()

    iterations_per_epoch = 300 // 50
    assert len(solver.loss_history) == 5 * iterations_per_epoch
    assert len(solver.train_acc_history) == len(solver.val_acc_history) == 5 + 1
    # Zero weights give uniform scores: the first loss is log(3) exactly.
    assert solver.loss_history[0] == pytest.approx(math.log(3), abs=1e-12)
    assert np.mean(solver.loss_history[-6:]) < 0.2 * np.mean(solver.loss_history[:3])
    # With all weights zero, argmax picks class 0: a third of the balanced data.
    assert solver.val_acc_history[0] == pytest.approx(1 / 3)
    assert solver.val_acc_history[-1] >= 0.98
    assert solver.train_acc_history[-1] >= 0.98
    assert accuracy(model, data["X_val"], data["y_val"]) == pytest.approx(
        solver.best_val_acc)
    assert solver.best_val_acc == max(solver.val_acc_history)


def test_builtin_sgd_is_plain_gradient_descent():
    w = np.array([[1.0, -2.0], [0.5, 3.0]])
    dw = np.array([[0.1, 0.2], [-0.3, 0.4]])
    next_w, config = sgd(w.copy(), dw, {"learning_rate": 0.5})
    np.testing.assert_allclose(next_w, w - 0.5 * dw, rtol=0, atol=1e-15)
    next_w, config = sgd(w.copy(), dw)
    assert config["learning_rate"] == 1e-2
    np.testing.assert_allclose(next_w, w - 1e-2 * dw, rtol=0, atol=1e-15)


def test_one_solver_step_with_sgd_matches_a_hand_computed_update(data, tmp_path):
    """One epoch of one iteration with the default learning rate 1e-2."""
    W0 = np.random.default_rng(5).standard_normal((2, 3))
    small = {"X_train": data["X_train"][:40], "y_train": data["y_train"][:40],
             "X_val": data["X_val"], "y_val": data["y_val"]}
    np.random.seed(7)
    batch = np.random.choice(40, 40)        # what the Solver draws after the same seed
    reference = SoftmaxRegression()
    reference.params["W"] = W0.copy()
    loss, grads = reference.loss(small["X_train"][batch], small["y_train"][batch])

    model = SoftmaxRegression()
    model.params["W"] = W0.copy()
    np.random.seed(7)
    # Scoring every example (num_train_samples=None) draws no random numbers, so the
    # minibatch is the one drawn above.
    solver = Solver(model, small, batch_size=40, num_epochs=1, num_train_samples=None,
                    checkpoint_name=str(tmp_path / "one"), verbose=False)
    solver.train()
    assert solver.loss_history == [pytest.approx(loss, abs=1e-15)]
    with open(tmp_path / "one_epoch_1.pkl", "rb") as f:
        after_step = pickle.load(f)["model"].params
    np.testing.assert_allclose(after_step["W"], W0 - 1e-2 * grads["W"], rtol=0, atol=1e-15)
    np.testing.assert_allclose(after_step["b"], -1e-2 * grads["b"], rtol=0, atol=1e-15)
    assert solver.optim_configs["W"] == {"learning_rate": 1e-2}


def test_training_is_reproducible_from_the_global_seed(data):
    def run(seed):
        np.random.seed(seed)
        solver = Solver(SoftmaxRegression(), data, optim_config={"learning_rate": 0.1},
                        batch_size=20, num_epochs=2, num_train_samples=50,
                        num_val_samples=40, verbose=False)
        solver.train()
        return solver

    a, b, c = run(0), run(0), run(1)
    assert a.loss_history == b.loss_history
    assert a.train_acc_history == b.train_acc_history
    assert a.val_acc_history == b.val_acc_history
    for name in ("W", "b"):
        np.testing.assert_array_equal(a.model.params[name], b.model.params[name])
    assert a.loss_history != c.loss_history


def test_learning_rate_decays_exactly_once_per_epoch(data):
    seen = []

    def recording_sgd(w, dw, config):
        seen.append(config["learning_rate"])
        return w - config["learning_rate"] * dw, config

    np.random.seed(0)
    user_config = {"learning_rate": 0.2}
    solver = Solver(SoftmaxRegression(), data, update_rule=recording_sgd,
                    optim_config=user_config, lr_decay=0.5, batch_size=100, num_epochs=4,
                    verbose=False)
    solver.train()

    iterations_per_epoch = 3
    assert len(seen) == 2 * 4 * iterations_per_epoch       # two parameters per step
    for call, rate in enumerate(seen):
        epoch = call // (2 * iterations_per_epoch)
        assert rate == pytest.approx(0.2 * 0.5 ** epoch, rel=1e-12)
    for name in ("W", "b"):
        assert solver.optim_configs[name]["learning_rate"] == pytest.approx(
            0.2 * 0.5 ** 4, rel=1e-12)
    assert user_config == {"learning_rate": 0.2}


def test_lr_decay_without_a_learning_rate_gives_a_clear_error(data):
    def no_rate(w, dw, config):
        return w - 0.1 * dw, config

    solver = Solver(SoftmaxRegression(), data, update_rule=no_rate, lr_decay=0.9,
                    num_epochs=1, verbose=False)
    with pytest.raises(ValueError, match="learning_rate"):
        solver.train()


@pytest.mark.parametrize("returns_new_dict", [False, True])
def test_optimizer_state_is_kept_per_parameter(data, returns_new_dict):
    calls = []

    def momentum_like(w, dw, config):
        if returns_new_dict:
            config = dict(config)
        calls.append((id(config), w.shape, config.get("t", 0)))
        config["t"] = config.get("t", 0) + 1
        velocity = config.get("velocity", np.zeros_like(w))
        config["velocity"] = 0.9 * velocity - config["learning_rate"] * dw
        return w + config["velocity"], config

    np.random.seed(0)
    user_config = {"learning_rate": 0.05}
    solver = Solver(SoftmaxRegression(), data, update_rule=momentum_like,
                    optim_config=user_config, batch_size=50, num_epochs=2, verbose=False)
    solver.train()

    num_iterations = 2 * (300 // 50)
    W_calls = [c for c in calls if c[1] == (2, 3)]
    b_calls = [c for c in calls if c[1] == (3,)]
    assert len(W_calls) == len(b_calls) == num_iterations
    # Each parameter sees its own step counter 0, 1, 2, ...: nothing is shared.
    assert [c[2] for c in W_calls] == list(range(num_iterations))
    assert [c[2] for c in b_calls] == list(range(num_iterations))
    if not returns_new_dict:
        assert len({c[0] for c in W_calls}) == 1
        assert len({c[0] for c in b_calls}) == 1
        assert W_calls[0][0] != b_calls[0][0]
    configs = solver.optim_configs
    assert configs["W"] is not configs["b"]
    assert configs["W"]["velocity"].shape == (2, 3)
    assert configs["b"]["velocity"].shape == (3,)
    assert configs["W"]["t"] == configs["b"]["t"] == num_iterations
    assert user_config == {"learning_rate": 0.05}


def train_then_wreck_in_last_epoch(model, data, name, num_epochs=4, iterations_per_epoch=3):
    """Train with SGD, except that in the last epoch every update sets the weights to
    zero and the bias to favour class 0 (a third of the labels right): the best epoch is
    an earlier one. Checkpoints go to ``name``_epoch_<n>.pkl. Returns the trained Solver."""
    calls = {"n": 0}

    def wrecked_in_last_epoch(w, dw, config):
        iteration = calls["n"] // 2                 # two parameters per iteration
        calls["n"] += 1
        if iteration >= (num_epochs - 1) * iterations_per_epoch:
            return (np.array([5.0, 0.0, 0.0]) if w.ndim == 1 else np.zeros_like(w)), config
        return sgd(w, dw, config)

    np.random.seed(0)
    solver = Solver(model, data, update_rule=wrecked_in_last_epoch,
                    optim_config={"learning_rate": 0.5}, batch_size=100,
                    num_epochs=num_epochs, num_train_samples=None, checkpoint_name=name,
                    verbose=False)
    solver.train()
    return solver


def test_best_parameters_are_restored(data, tmp_path):
    num_epochs = 4
    model = SoftmaxRegression()
    name = str(tmp_path / "net")
    solver = train_then_wreck_in_last_epoch(model, data, name, num_epochs)

    assert solver.val_acc_history[-1] == pytest.approx(1 / 3)
    assert solver.best_val_acc >= 0.98
    assert solver.best_epoch == int(np.argmax(solver.val_acc_history))
    assert 1 <= solver.best_epoch < num_epochs

    def checkpointed_params(epoch):
        with open(f"{name}_epoch_{epoch}.pkl", "rb") as f:
            return pickle.load(f)["model"].params

    best = checkpointed_params(solver.best_epoch)
    for key in ("W", "b"):
        np.testing.assert_array_equal(model.params[key], best[key])
    # The restored parameters are those of the best epoch, not of a later equally
    # good one and not the wrecked final ones.
    for epoch in range(solver.best_epoch + 1, num_epochs + 1):
        assert not np.array_equal(checkpointed_params(epoch)["W"], best["W"])
    assert accuracy(model, data["X_val"], data["y_val"]) == solver.best_val_acc
    # The restored arrays are copies: changing them leaves the solver's record alone.
    model.params["W"] += 1.0
    assert not np.array_equal(model.params["W"], solver.best_params["W"])


class CentredSoftmaxRegression(SoftmaxRegression):
    """SoftmaxRegression that scores inputs centred by a running mean, kept as batch norm
    keeps its running statistics: in ``bn_params``, updated IN PLACE by every training
    call and used when scoring (``y=None``)."""

    def __init__(self):
        super().__init__()
        self.bn_params = [{"mode": "train", "running_mean": np.zeros(2)}]

    def loss(self, X, y=None):
        running_mean = self.bn_params[0]["running_mean"]
        if y is None:
            return super().loss(X - running_mean)
        running_mean *= 0.5
        running_mean += 0.5 * X.mean(axis=0)
        return super().loss(X, y)


def test_running_statistics_of_the_best_epoch_are_restored_with_its_parameters(data, tmp_path):
    num_epochs = 4
    model = CentredSoftmaxRegression()
    name = str(tmp_path / "net")
    solver = train_then_wreck_in_last_epoch(model, data, name, num_epochs)
    assert 1 <= solver.best_epoch < num_epochs

    def checkpointed_running_mean(epoch):
        with open(f"{name}_epoch_{epoch}.pkl", "rb") as f:
            return pickle.load(f)["model"].bn_params[0]["running_mean"]

    best = checkpointed_running_mean(solver.best_epoch)
    final = checkpointed_running_mean(num_epochs)
    assert not np.array_equal(best, final)
    # The statistics of the best epoch, not the final ones and not a copy that the
    # later in-place updates changed.
    np.testing.assert_array_equal(model.bn_params[0]["running_mean"], best)
    assert solver.check_accuracy(data["X_val"], data["y_val"]) == solver.best_val_acc
    # The restored statistics are copies: training on leaves the solver's record alone.
    model.loss(data["X_train"][:10], data["y_train"][:10])
    np.testing.assert_array_equal(solver.best_bn_params[0]["running_mean"], best)


def test_a_model_without_running_statistics_gets_none(data):
    np.random.seed(0)
    solver = Solver(SoftmaxRegression(), data, num_epochs=1, verbose=False)
    solver.train()
    assert solver.best_bn_params is None
    assert not hasattr(solver.model, "bn_params")


def test_checkpoints_hold_the_run_and_leave_no_temp_files(data, tmp_path):
    def my_rule(w, dw, config):
        return sgd(w, dw, config)

    stale = tmp_path / "net_epoch_1.pkl"
    stale.write_bytes(b"an older run")
    np.random.seed(0)
    solver = Solver(SoftmaxRegression(), data, update_rule=my_rule,
                    optim_config={"learning_rate": 0.3}, lr_decay=0.9, batch_size=100,
                    num_epochs=3, num_train_samples=120, num_val_samples=60,
                    checkpoint_name=str(tmp_path / "net"), verbose=False)
    solver.train()

    assert sorted(os.listdir(tmp_path)) == [f"net_epoch_{e}.pkl" for e in (1, 2, 3)]
    for epoch in (1, 2, 3):
        with open(tmp_path / f"net_epoch_{epoch}.pkl", "rb") as f:
            checkpoint = pickle.load(f)
        assert checkpoint["epoch"] == epoch
        assert checkpoint["update_rule"] == "my_rule"
        assert checkpoint["lr_decay"] == 0.9
        assert checkpoint["optim_config"] == {"learning_rate": 0.3}
        assert checkpoint["batch_size"] == 100
        assert checkpoint["num_train_samples"] == 120
        assert checkpoint["num_val_samples"] == 60
        assert checkpoint["loss_history"] == solver.loss_history[:3 * epoch]
        assert checkpoint["train_acc_history"] == solver.train_acc_history[:epoch + 1]
        assert checkpoint["val_acc_history"] == solver.val_acc_history[:epoch + 1]
        assert isinstance(checkpoint["model"], SoftmaxRegression)
        assert checkpoint["model"].params["W"].shape == (2, 3)


def test_builtin_rule_is_named_in_checkpoints(data, tmp_path):
    np.random.seed(0)
    Solver(SoftmaxRegression(), data, num_epochs=1, checkpoint_name=str(tmp_path / "c"),
           verbose=False).train()
    with open(tmp_path / "c_epoch_1.pkl", "rb") as f:
        assert pickle.load(f)["update_rule"] == "sgd"


def test_a_failed_checkpoint_leaves_nothing_behind(data, tmp_path):
    model = SoftmaxRegression()
    model.unpicklable = lambda: None            # pickling the model fails
    solver = Solver(model, data, num_epochs=1, checkpoint_name=str(tmp_path / "net"),
                    verbose=False)
    with pytest.raises((pickle.PicklingError, AttributeError, TypeError)):
        solver.train()
    assert os.listdir(tmp_path) == []


def test_no_checkpoints_without_a_name(data, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    np.random.seed(0)
    Solver(SoftmaxRegression(), data, num_epochs=1, verbose=False).train()
    assert os.listdir(tmp_path) == []


def test_unknown_options_are_named_with_the_accepted_ones(data):
    with pytest.raises(TypeError) as excinfo:
        Solver(SoftmaxRegression(), data, learning_rate=1e-3, epochs=3)
    message = str(excinfo.value)
    assert "learning_rate" in message and "epochs" in message
    for option in ("update_rule", "optim_config", "lr_decay", "batch_size", "num_epochs",
                   "num_train_samples", "num_val_samples", "checkpoint_name",
                   "print_every", "verbose"):
        assert option in message


def test_unknown_update_rule_name(data):
    # SoftmaxRegression's package (tests) has no optim module: only "sgd" is known.
    with pytest.raises(ValueError) as excinfo:
        Solver(SoftmaxRegression(), data, update_rule="adam")
    message = str(excinfo.value)
    assert message.startswith("unknown update rule 'adam'")
    assert "tests.optim (no such module)" in message
    assert "the rules Solver provides: 'sgd'" in message
    with pytest.raises(TypeError):
        Solver(SoftmaxRegression(), data, update_rule=3)


TOY_OPTIM = """
import numpy as np
from cs_utils.solver import sgd

STEP = 0.5


def sign_step(w, dw, config=None):
    config = {} if config is None else config
    return w - STEP * np.sign(dw), config


def _helper():
    return None
"""

TOY_MODELS = """
import numpy as np


class Model:
    def __init__(self):
        self.params = {"w": np.zeros(1)}

    def loss(self, X, y=None):
        if y is None:
            return np.zeros((len(X), 2))
        return 1.0, {"w": np.ones(1)}
"""


@pytest.fixture
def toy_package(tmp_path, monkeypatch):
    """Makes a package, named by the caller, with a models module and optionally an
    optim module; returns the Model class. The packages vanish after the test."""
    monkeypatch.syspath_prepend(str(tmp_path))
    made = []

    def make(name, optim_source=TOY_OPTIM):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "__init__.py").write_text("")
        (folder / "models.py").write_text(TOY_MODELS)
        if optim_source is not None:
            (folder / "optim.py").write_text(optim_source)
        made.append(name)
        return importlib.import_module(f"{name}.models").Model

    yield make
    for module in [m for m in sys.modules if m.split(".")[0] in made]:
        del sys.modules[module]


def test_a_name_selects_the_rule_of_the_models_own_optim_module(data, toy_package):
    Model = toy_package("toy_course_a")
    solver = Solver(Model(), data, update_rule="sign_step")
    optim = sys.modules["toy_course_a.optim"]
    assert solver.update_rule is optim.sign_step and solver.update_rule_name == "sign_step"
    # "sgd" too comes from the package's module (here the same function, imported).
    assert Solver(Model(), data, update_rule="sgd").update_rule is optim.sgd


def test_an_unknown_name_names_the_modules_searched_and_the_rules_found(data, toy_package):
    Model = toy_package("toy_course_b")
    with pytest.raises(ValueError) as excinfo:
        Solver(Model(), data, update_rule="adam")
    message = str(excinfo.value)
    assert "toy_course_b.optim: 'sgd', 'sign_step'; the rules Solver provides: 'sgd'" in message
    assert "_helper" not in message and "'np'" not in message and "STEP" not in message
    assert "update_rule=optim.adam" in message and "optim_module=optim" in message


def test_a_package_without_optim_module_is_named(data, toy_package):
    Model = toy_package("toy_course_c", optim_source=None)
    assert Solver(Model(), data).update_rule is sgd
    with pytest.raises(ValueError, match=r"toy_course_c\.optim \(no such module\)"):
        Solver(Model(), data, update_rule="sign_step")


def test_an_optim_module_that_fails_to_import_says_why(data, toy_package):
    Model = toy_package("toy_course_d", optim_source="import no_such_module_anywhere\n")
    with pytest.raises(ModuleNotFoundError, match="no_such_module_anywhere"):
        Solver(Model(), data, update_rule="sign_step")


def test_optim_module_is_searched_instead_of_the_models_package(data, toy_package):
    toy_package("toy_course_e")
    optim = importlib.import_module("toy_course_e.optim")
    Notebook = type("Notebook", (), dict(vars(SoftmaxRegression)))
    Notebook.__module__ = "__main__"                      # a class from a notebook cell
    with pytest.raises(ValueError, match=r"__main__\.Notebook is in no student package"):
        Solver(Notebook(), data, update_rule="sign_step")
    solver = Solver(Notebook(), data, update_rule="sign_step", optim_module=optim)
    assert solver.update_rule is optim.sign_step
    with pytest.raises(ValueError, match=r"toy_course_e\.optim: 'sgd', 'sign_step'"):
        Solver(SoftmaxRegression(), data, update_rule="adam", optim_module=optim)
    with pytest.raises(TypeError, match="optim_module must be a module"):
        Solver(SoftmaxRegression(), data, update_rule="sign_step", optim_module="toy_course_e.optim")


def test_the_solver_imports_a_student_package_only_to_look_a_name_up():
    script = textwrap.dedent(f"""
        import sys
        sys.path[:0] = [{REPO_ROOT!r}, {os.path.join(REPO_ROOT, "assignment2")!r}]
        import numpy as np
        import cs_utils.captioning_solver, cs_utils.solver
        students = lambda: sorted(m for m in sys.modules if m.split(".")[0] in ("a1", "a2", "a3"))
        assert students() == [], students()
        from a2.fc_net import FullyConnectedNet
        data = {{"X_train": np.zeros((4, 3)), "y_train": np.zeros(4, int),
                 "X_val": np.zeros((2, 3)), "y_val": np.zeros(2, int)}}
        model = FullyConnectedNet([4], input_dim=3, num_classes=2)
        cs_utils.solver.Solver(model, data, update_rule=cs_utils.solver.sgd)
        assert "a2.optim" not in sys.modules
        solver = cs_utils.solver.Solver(model, data, update_rule="adam")
        assert solver.update_rule is sys.modules["a2.optim"].adam
        print("ok")
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr


def test_missing_data_is_named(data):
    del data["y_val"]
    with pytest.raises(KeyError, match="y_val"):
        Solver(SoftmaxRegression(), data)


def test_defaults(data):
    solver = Solver(SoftmaxRegression(), data)
    assert solver.update_rule is sgd and solver.update_rule_name == "sgd"
    assert solver.optim_config == {}
    assert (solver.lr_decay, solver.batch_size, solver.num_epochs) == (1.0, 100, 10)
    assert (solver.num_train_samples, solver.num_val_samples) == (1000, None)
    assert (solver.checkpoint_name, solver.print_every, solver.verbose) == (None, 10, True)


def test_check_accuracy_against_an_independent_count(data):
    model = SoftmaxRegression()
    # Class 0 wins far right, class 1 elsewhere: classes 0 and 1 right, class 2 wrong.
    model.params["W"] = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    model.params["b"] = np.array([0.0, 0.5, 0.0])
    solver = Solver(model, data, verbose=False)
    X, y = data["X_train"][:250], data["y_train"][:250]
    expected = accuracy(model, X, y)
    assert 0.5 < expected < 0.8
    assert solver.check_accuracy(X, y) == pytest.approx(expected, abs=1e-15)
    assert solver.check_accuracy(X, y, batch_size=7) == pytest.approx(expected, abs=1e-15)
    assert solver.check_accuracy(X, y, num_samples=1000) == pytest.approx(expected,
                                                                          abs=1e-15)


class RowRecorder:
    """Predicts class 1 for rows whose first feature is positive; records rows it scores."""

    params = {}

    def __init__(self):
        self.rows = []

    def loss(self, X, y=None):
        self.rows.append(X.copy())
        return np.stack([np.zeros(len(X)), (X[:, 0] > 0).astype(float)], axis=1)


def test_check_accuracy_subsamples(data):
    X = np.arange(1, 401, dtype=float).reshape(200, 2)
    X[100:] *= -1
    y = np.ones(200, dtype=int)                    # the first 100 are predicted right
    model = RowRecorder()
    solver = Solver(model, data, verbose=False)

    np.random.seed(0)
    acc = solver.check_accuracy(X, y, num_samples=30, batch_size=8)
    rows = np.concatenate(model.rows)
    assert len(rows) == 30 and max(len(r) for r in model.rows) == 8
    assert len({tuple(r) for r in rows}) == 30      # distinct examples
    assert all(tuple(r) in {tuple(x) for x in X} for r in rows)
    assert acc == pytest.approx(np.mean(rows[:, 0] > 0))
    assert 0 < acc < 1

    np.random.seed(0)
    assert solver.check_accuracy(X, y, num_samples=30, batch_size=8) == acc
    assert solver.check_accuracy(X, y) == 0.5


@pytest.mark.parametrize("verbose", [True, False])
def test_nothing_is_written_to_stderr(data, capsys, verbose):
    np.random.seed(0)
    solver = Solver(SoftmaxRegression(), data, optim_config={"learning_rate": 0.5},
                    batch_size=50, num_epochs=2, print_every=4, verbose=verbose)
    solver.train()
    out, err = capsys.readouterr()
    assert err == ""
    if verbose:
        assert "(Epoch 0 / 2)" in out and "(Epoch 2 / 2)" in out
        assert "(Iteration 1 / 12)" in out and "(Iteration 5 / 12)" in out
        assert "(Iteration 3 / 12)" not in out
        assert "12/12" in out                       # the text progress bar, on stdout
    else:
        assert out == ""


KERNEL_CELL = textwrap.dedent('''
    import numpy as np
    from cs_utils.solver import Solver

    class Model:
        def __init__(self):
            self.params = {"W": np.zeros((2, 2))}

        def loss(self, X, y=None):
            scores = X @ self.params["W"]
            if y is None:
                return scores
            p = np.exp(scores - scores.max(axis=1, keepdims=True))
            p /= p.sum(axis=1, keepdims=True)
            p[np.arange(len(y)), y] -= 1
            return 1.0, {"W": X.T @ p / len(y)}

    np.random.seed(0)
    X = np.random.randn(200, 2)
    y = (X[:, 0] > 0).astype(int)
    data = {"X_train": X, "y_train": y, "X_val": X, "y_val": y}
    solver = Solver(Model(), data, batch_size=20, num_epochs=2, print_every=3)
    solver.train()
    print("best", solver.best_val_acc)
''')


HIDE_IPYWIDGETS = textwrap.dedent('''
    import sys
    sys.modules["ipywidgets"] = None          # as if ipywidgets were not installed
    for name in ("tqdm.auto", "tqdm.autonotebook", "tqdm.notebook"):
        sys.modules.pop(name, None)
''')


def run_in_kernel(cells, cwd):
    """Run code cells in a fresh Jupyter kernel; the iopub messages of each cell."""
    manager = pytest.importorskip("jupyter_client.manager")
    pytest.importorskip("ipykernel")
    km, kc = manager.start_new_kernel(kernel_name="python3", cwd=str(cwd))
    try:
        messages = []
        for code in cells:
            cell_messages = []
            kc.execute_interactive(code, timeout=120, output_hook=cell_messages.append)
            messages.append(cell_messages)
        return messages
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def stream_text(messages, name):
    return "".join(m["content"]["text"] for m in messages
                   if m["msg_type"] == "stream" and m["content"]["name"] == name)


def widget_displays(messages):
    return [m for m in messages if m["msg_type"] == "display_data"
            and "application/vnd.jupyter.widget-view+json" in m["content"]["data"]]


@pytest.mark.skipif(importlib.util.find_spec("ipywidgets") is None,
                    reason="ipywidgets is not installed")
def test_no_stderr_inside_a_jupyter_kernel(tmp_path):
    """What nbgrader sees: a training cell has no stderr output, widget or not."""
    cells = [f"import sys\nsys.path.insert(0, {REPO_ROOT!r})",
             KERNEL_CELL, HIDE_IPYWIDGETS, KERNEL_CELL]
    messages = run_in_kernel(cells, tmp_path)

    for cell_messages in messages:
        assert stream_text(cell_messages, "stderr") == ""
        assert [m for m in cell_messages if m["msg_type"] == "error"] == []
    with_widgets, without_widgets = messages[1], messages[3]
    assert len(widget_displays(with_widgets)) == 1
    assert "(Epoch 2 / 2)" in stream_text(with_widgets, "stdout")
    assert widget_displays(without_widgets) == []
    text = stream_text(without_widgets, "stdout")
    assert "(Epoch 2 / 2)" in text and "20/20" in text    # the text bar, on stdout
