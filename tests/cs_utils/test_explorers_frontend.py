"""The shared front end: when explorers go static, and that live widgets really redraw."""

import importlib.util

import pytest
from matplotlib.figure import Figure

from cs_utils.explorers import (conv_arithmetic_explorer, initialization_explorer, knn_explorer,
                                linear_classifier_explorer, optimizer_race_explorer,
                                rnn_gradient_flow_explorer)
from cs_utils.explorers.controls import ChoiceControl, FlagControl, FloatControl, IntControl
from cs_utils.explorers.frontend import initial_settings, wants_static_figure

needs_ipywidgets = pytest.mark.skipif(importlib.util.find_spec("ipywidgets") is None,
                                      reason="ipywidgets is not installed")
ALL_EXPLORERS = [knn_explorer, linear_classifier_explorer, optimizer_race_explorer,
                 initialization_explorer, conv_arithmetic_explorer, rnn_gradient_flow_explorer]


def test_static_when_forced_quick_or_outside_a_kernel():
    assert wants_static_figure(True, environ={}) is True
    assert wants_static_figure(False, environ={"NBGRADER_EXECUTION": "autograde"}) is False
    assert wants_static_figure(None, environ={"NBGRADER_EXECUTION": "validate"}) is True
    assert wants_static_figure(None, environ={"CI": "true"}) is True
    assert wants_static_figure(None, environ={"COURSE_STATIC_EXPLORERS": "1"}) is True
    # No quick mode, but pytest is no Jupyter kernel: still static.
    assert wants_static_figure(None, environ={}) is True


def test_live_in_a_kernel_unless_quick(monkeypatch):
    monkeypatch.setattr("cs_utils.explorers.frontend.in_jupyter_kernel", lambda: True)
    if importlib.util.find_spec("ipywidgets") is not None:
        assert wants_static_figure(None, environ={}) is False
    assert wants_static_figure(None, environ={"COURSE_QUICK": "1"}) is True
    assert wants_static_figure(None, environ={"COURSE_STATIC_EXPLORERS": "yes"}) is True


def test_initial_settings_checks_names_and_values():
    controls = [[IntControl("k", 3, 1, 9)], [ChoiceControl("metric", "L2", ("L1", "L2")),
                                             FloatControl("lr", 0.1, 1e-3, 1.0, log=True),
                                             FlagControl("clip", False)]]
    assert initial_settings(controls, {}) == {"k": 3, "metric": "L2", "lr": 0.1, "clip": False}
    assert initial_settings(controls, {"k": 7, "clip": True})["k"] == 7
    with pytest.raises(ValueError, match="unknown setting"):
        initial_settings(controls, {"kk": 1})
    for bad in ({"k": 10}, {"k": 2.5}, {"metric": "L3"}, {"lr": 2.0}, {"clip": 1}):
        with pytest.raises(ValueError):
            initial_settings(controls, bad)


@pytest.mark.parametrize("explorer", ALL_EXPLORERS, ids=lambda e: e.__name__)
def test_every_explorer_draws_a_static_figure(explorer):
    figure = explorer(static=True)
    assert isinstance(figure, Figure)
    assert figure.axes and figure.axes[0].has_data()


def test_static_figure_follows_the_settings():
    figure = knn_explorer(static=True, k=7, metric="L1", num_points=40)
    assert figure.axes[0].get_title() == "kNN, k = 7, L1 distance, 40 points"


@needs_ipywidgets
def test_live_explorer_redraws_when_a_control_moves():
    import ipywidgets

    box = knn_explorer(static=False)
    assert isinstance(box, ipywidgets.VBox)
    sliders = {w.description: w for w in box.children if isinstance(w, ipywidgets.HBox)
               for w in w.children}
    readout, image = box.children[-2], box.children[-1]
    assert isinstance(image, ipywidgets.Image) and bytes(image.value).startswith(b"\x89PNG")
    before_text, before_png = readout.value, bytes(image.value)
    assert before_text.startswith("k = 1, L2:")
    sliders["k"].value = 9
    assert readout.value.startswith("k = 9, L2:")
    assert bytes(image.value) != before_png
    sliders["distance"].value = "L1"
    assert readout.value.startswith("k = 9, L1:")


@needs_ipywidgets
def test_live_explorer_shows_a_bad_setting_in_the_readout():
    import ipywidgets

    box = conv_arithmetic_explorer(static=False)
    rows = [row.children for row in box.children if isinstance(row, ipywidgets.HBox)]
    input_size, first_layer = rows[0][0], {w.description: w for w in rows[1]}
    readout, image = box.children[-2], box.children[-1]
    input_size.value = 4
    assert readout.value.startswith("output 2x2x16")
    last_good = bytes(image.value)
    first_layer["kernel"].value = 7          # 7 > 4 + 2 * 1: the kernel no longer fits
    assert "does not fit" in readout.value
    assert bytes(image.value) == last_good   # the last good drawing stays
    first_layer["padding"].value = 2         # 7 <= 4 + 2 * 2 fits again
    assert readout.value.startswith("output 1x1x16")


@needs_ipywidgets
def test_live_display_carries_a_png_for_front_ends_without_widgets(monkeypatch):
    import base64

    import IPython.display

    shown = []
    monkeypatch.setattr("cs_utils.explorers.frontend._in_ipython", lambda: True)
    monkeypatch.setattr(IPython.display, "display",
                        lambda obj, raw=False: shown.append((obj, raw)))
    box = rnn_gradient_flow_explorer(static=False)
    (bundle, raw), = shown
    assert raw
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == box.model_id
    assert base64.b64decode(bundle["image/png"]) == bytes(box.children[-1].value)


def test_static_display_inside_ipython_shows_the_figure_and_the_summary(monkeypatch, capsys):
    import IPython.display

    shown = []
    monkeypatch.setattr("cs_utils.explorers.frontend._in_ipython", lambda: True)
    monkeypatch.setattr(IPython.display, "display", lambda obj: shown.append(obj))
    conv_arithmetic_explorer(static=True, input_size=8)
    (image,) = shown
    assert image.data.startswith(b"\x89PNG")
    assert "output 4x4x16, 2,768 parameters, receptive field 8" in capsys.readouterr().out
