"""Optimizer race: surface gradients checked numerically, the reference rules' first
steps by hand and the behaviour each rule is known for, and the race with rules that
are not written yet or fail."""

import importlib.util
import types

import numpy as np
import pytest

from cs_utils.explorers.optimizer_race import (RULES, SURFACES, draw_race,
                                               optimizer_race_explorer, race, run_rule,
                                               student_rules)
from cs_utils.gradient_check import eval_numerical_gradient
from tests.conftest import add_assignment_to_path
from tests.cs_utils.released_stubs import released_module

add_assignment_to_path("assignment2")
from a2 import optim  # noqa: E402  (the reference solutions)

ALL_RULES = {name: getattr(optim, function_name) for name, function_name in RULES.items()}


@pytest.mark.parametrize("name", list(SURFACES))
def test_surface_gradients_match_numerical_ones(name):
    surface = SURFACES[name]
    for point in ([0.3, -0.7], [-1.2, 1.1], list(surface.start)):
        w = np.array(point)
        numerical = eval_numerical_gradient(lambda v: surface.value(v[0], v[1]), w.copy(),
                                            verbose=False, h=1e-6)
        np.testing.assert_allclose(surface.gradient(w), numerical, rtol=1e-6, atol=1e-8)


def test_first_steps_by_hand():
    # The bowl starts at (-4, 1.5), where its gradient (w0, 10 w1) is (-4, 15).
    steps = race(ALL_RULES, "ill-conditioned bowl", 0.1, 1)
    np.testing.assert_allclose(steps["SGD"][1], [-3.6, 0.0], atol=1e-12)
    np.testing.assert_allclose(steps["momentum"][1], [-3.6, 0.0], atol=1e-12)  # zero velocity
    # The course's Nesterov stores the look-ahead point: u + (1 + 0.9) v, v = -lr g.
    np.testing.assert_allclose(steps["Nesterov"][1], [-4 + 1.9 * 0.4, 1.5 - 1.9 * 1.5],
                               atol=1e-12)
    np.testing.assert_allclose(steps["AdaGrad"][1], [-3.9, 1.4], atol=1e-12)  # lr per coordinate
    np.testing.assert_allclose(steps["RMSProp"][1], [-3.0, 0.5], atol=1e-6)   # lr / sqrt(0.01)
    np.testing.assert_allclose(steps["Adam"][1], [-3.9, 1.4], atol=1e-12)     # bias-corrected


def test_second_steps_by_hand():
    lr = 0.1
    path = run_rule(optim.sgd_momentum, "ill-conditioned bowl", lr, 2, {"momentum": 0.9})
    # v1 = (0.4, -1.5); at w1 = (-3.6, 0) the gradient is (-3.6, 0): v2 = 0.9 v1 + (0.36, 0).
    np.testing.assert_allclose(path[2], [-3.6 + 0.36 + 0.36, 0.0 - 1.35], atol=1e-12)
    path = run_rule(optim.adam, "ill-conditioned bowl", lr, 2)
    g1, g2 = np.array([-4.0, 15.0]), np.array([-3.9, 14.0])
    m = (0.9 * 0.1 * g1 + 0.1 * g2) / (1 - 0.81)
    v = (0.999 * 0.001 * g1 ** 2 + 0.001 * g2 ** 2) / (1 - 0.999 ** 2)
    np.testing.assert_allclose(path[2], np.array([-3.9, 1.4]) - lr * m / (np.sqrt(v) + 1e-8))


def test_everyone_reaches_the_bottom_of_the_bowl_with_a_fitting_rate():
    paths = race(ALL_RULES, "ill-conditioned bowl", 0.05, 300)
    assert list(paths) == list(RULES)
    for name, path in paths.items():
        assert path.shape == (301, 2), name
        if name != "AdaGrad":                 # its steps shrink: it is still on its way
            assert np.linalg.norm(path[-1]) < 0.05, name
    assert np.linalg.norm(paths["AdaGrad"][-1]) < np.linalg.norm(paths["AdaGrad"][0])


def test_sgd_diverges_when_the_rate_exceeds_two_over_the_curvature():
    # The bowl's steep direction has curvature 10: SGD diverges for lr > 0.2.
    path = run_rule(optim.sgd, "ill-conditioned bowl", 0.25, 300)
    assert len(path) < 301
    assert np.all(np.isfinite(path))
    assert len(run_rule(optim.sgd, "ill-conditioned bowl", 0.15, 300)) == 301


def test_saddle_and_local_minimum():
    saddle = race(ALL_RULES, "saddle", 0.05, 100)
    for name in ("SGD", "Adam"):
        assert abs(abs(saddle[name][-1, 1]) - np.sqrt(2)) < 0.05, name  # found a minimum
    # SGD lingers near the saddle: its loss is still near 0 (the saddle's) at step 30.
    sgd_loss = SURFACES["saddle"].value(*saddle["SGD"][30])
    assert -0.2 < sgd_loss < 0.2
    valleys = race(ALL_RULES, "local minimum", 0.05, 100)
    assert valleys["SGD"][-1, 0] == pytest.approx(0.96, abs=0.02)        # stuck in the shallow one
    assert valleys["momentum"][-1, 0] == pytest.approx(-1.04, abs=0.02)  # rolled on to the deep one


def test_a_rule_that_changes_w_in_place_does_not_move_the_drawn_path():
    def sgd_in_place(w, dw, config):
        w -= config["learning_rate"] * dw
        return w, config

    np.testing.assert_array_equal(run_rule(sgd_in_place, "saddle", 0.1, 5),
                                  run_rule(optim.sgd, "saddle", 0.1, 5))


def test_bad_arguments_and_summary():
    with pytest.raises(ValueError, match="surface"):
        run_rule(optim.sgd, "bowl", 0.1, 10)
    with pytest.raises(ValueError, match="learning_rate"):
        run_rule(optim.sgd, "saddle", 0.0, 10)
    _, summary = draw_race(ALL_RULES, "ill-conditioned bowl", 0.25, 50)
    assert "SGD diverged" in summary and "Adam diverged" not in summary


def not_written(w, dw, config=None):
    raise NotImplementedError("not yet")


def broken_adagrad(w, dw, config=None):
    return w - dw[5], config                 # IndexError: w has two entries


def legend_of(figure):
    return [text.get_text() for text in figure.axes[0].get_legend().get_texts()]


def test_unwritten_and_broken_rules_stay_out_and_are_named(capsys):
    partial = types.SimpleNamespace(sgd=optim.sgd, sgd_momentum=optim.sgd_momentum,
                                    sgd_nesterov_momentum=optim.sgd_nesterov_momentum,
                                    adagrad=broken_adagrad, rmsprop=not_written,
                                    adam=not_written)
    rules, _, failures = student_rules(partial)
    assert list(rules) == ["SGD", "momentum", "Nesterov"]
    assert sorted(failures) == ["AdaGrad", "Adam", "RMSProp"]
    figure = optimizer_race_explorer(partial, static=True)
    assert legend_of(figure) == ["SGD", "momentum", "Nesterov"]
    out = capsys.readouterr().out
    assert "Not in the race until written in a2/optim.py: rmsprop, adam." in out
    assert ("Left out of the race: broken_adagrad raised IndexError: index 5 is out of "
            "bounds for axis 0 with size 2: fix it and run this cell again.") in out
    # The racers run exactly as they do on their own.
    np.testing.assert_allclose(figure.axes[0].get_lines()[0].get_xydata(),
                               run_rule(optim.sgd, "ill-conditioned bowl", 0.05, 100))


def test_the_released_stub_races_sgd_alone(tmp_path, capsys):
    stub = released_module(tmp_path, "assignment2/a2/optim.py")
    figure = optimizer_race_explorer(stub, static=True)
    assert legend_of(figure) == ["SGD"]
    assert ("Not in the race until written in a2/optim.py: sgd_momentum, "
            "sgd_nesterov_momentum, adagrad, rmsprop, adam." in capsys.readouterr().out)


def test_all_written_means_no_note(capsys):
    figure = optimizer_race_explorer(optim, static=True)
    assert legend_of(figure) == list(RULES)
    assert capsys.readouterr().out == ""


def test_without_any_racer_the_panel_says_what_to_write(capsys):
    nothing = types.SimpleNamespace(**{name: not_written for name in RULES.values()})
    figure = optimizer_race_explorer(nothing, static=True)
    assert not figure.axes
    assert "Write sgd in a2/optim.py first, then run this cell again." in capsys.readouterr().out


@pytest.mark.skipif(importlib.util.find_spec("ipywidgets") is None,
                    reason="ipywidgets is not installed")
def test_live_race_shows_the_note_under_the_title(tmp_path):
    stub = released_module(tmp_path, "assignment2/a2/optim.py")
    box = optimizer_race_explorer(stub, static=False)
    note = box.children[1]
    assert "explorer-note" in note._dom_classes
    assert "Not in the race until written in a2/optim.py: sgd_momentum," in note.value
    assert box.children[-2].value.startswith("final loss: SGD ")
