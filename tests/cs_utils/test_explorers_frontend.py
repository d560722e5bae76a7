"""The shared front end: when explorers go static, that live widgets really redraw, and
the panel that stands in for an explorer whose student code cannot run."""

import importlib.util

import numpy as np
import pytest
from matplotlib.figure import Figure

from cs_utils.explorers import (conv_arithmetic_explorer, initialization_explorer, knn_explorer,
                                linear_classifier_explorer, optimizer_race_explorer,
                                rnn_gradient_flow_explorer)
from cs_utils.explorers.controls import ChoiceControl, FlagControl, FloatControl, IntControl
from cs_utils.explorers.frontend import (StudentCode, WrongResult, initial_settings,
                                         result_array, result_number, result_tuple,
                                         show_explorer, wants_static_figure)
from tests.conftest import add_assignment_to_path
from tests.cs_utils.released_stubs import released_module

for _assignment in ("assignment1", "assignment2", "assignment3"):
    add_assignment_to_path(_assignment)
from a1.knn import KNearestNeighbor  # noqa: E402  (the reference solutions)
from a1.linear_svm import svm_loss_vectorized  # noqa: E402
from a1.softmax import softmax_loss_vectorized  # noqa: E402
from a2 import optim  # noqa: E402
from a3.rnn_layers import clip_grad_norm, rnn_step_backward, rnn_step_forward  # noqa: E402

needs_ipywidgets = pytest.mark.skipif(importlib.util.find_spec("ipywidgets") is None,
                                      reason="ipywidgets is not installed")
# Every explorer with the student code it runs (here the reference solutions).
ALL_EXPLORERS = [(knn_explorer, (KNearestNeighbor,)),
                 (linear_classifier_explorer, (svm_loss_vectorized, softmax_loss_vectorized)),
                 (optimizer_race_explorer, (optim,)),
                 (initialization_explorer, ()), (conv_arithmetic_explorer, ()),
                 (rnn_gradient_flow_explorer, (rnn_step_forward, rnn_step_backward,
                                               clip_grad_norm))]
KNN_FIRST = ("Write compute_distances_no_loops and predict_labels in a1/knn.py first, then "
             "run this cell again.")


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


@pytest.mark.parametrize("explorer, student_code", ALL_EXPLORERS,
                         ids=[explorer.__name__ for explorer, _ in ALL_EXPLORERS])
def test_every_explorer_draws_a_static_figure(explorer, student_code):
    figure = explorer(*student_code, static=True)
    assert isinstance(figure, Figure)
    assert figure.axes and figure.axes[0].has_data()


def test_static_figure_follows_the_settings():
    figure = knn_explorer(KNearestNeighbor, static=True, k=7, metric="L1", num_points=40)
    assert figure.axes[0].get_title() == "kNN, k = 7, L1 distance, 40 points"


@needs_ipywidgets
def test_live_explorer_redraws_when_a_control_moves():
    import ipywidgets

    box = knn_explorer(KNearestNeighbor, static=False)
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
    box = rnn_gradient_flow_explorer(rnn_step_forward, rnn_step_backward, clip_grad_norm,
                                     static=False)
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


# --------------------------------------------------------------------------- student code


class UnwrittenKnn(KNearestNeighbor):
    """A classifier whose vote is still a stub, as in the released a1/knn.py."""

    def predict_labels(self, dists, k=1):
        raise NotImplementedError("KNearestNeighbor.predict_labels: write your code here")


class BrokenKnn(KNearestNeighbor):
    """A vote that indexes past the end of the distances."""

    def predict_labels(self, dists, k=1):
        return np.array([self.y_train[dists.shape[1]] for _ in dists])


class ForgetfulKnn(KNearestNeighbor):
    """Distances computed but never returned."""

    def compute_distances_no_loops(self, X, metric="l2"):
        super().compute_distances_no_loops(X, metric)


class FailsForLargeK(KNearestNeighbor):
    """Runs for the probe's k (at most 3) and raises for k >= 9."""

    def predict_labels(self, dists, k=1):
        return super().predict_labels(dists, k) if k < 9 else self.y_train[[len(self.y_train)]]


def panel_text(figure):
    return " ".join(text.get_text() for text in figure.texts).replace("\n", " ")


def test_unwritten_code_gives_the_write_first_panel_static(capsys):
    figure = knn_explorer(UnwrittenKnn, static=True)
    assert isinstance(figure, Figure) and not figure.axes
    assert panel_text(figure) == KNN_FIRST
    assert capsys.readouterr().out == f"kNN decision regions: {KNN_FIRST}\n"


@needs_ipywidgets
def test_unwritten_code_gives_the_write_first_panel_live():
    import ipywidgets

    box = knn_explorer(UnwrittenKnn, static=False)
    assert isinstance(box, ipywidgets.VBox) and "course-explorer" in box._dom_classes
    title, panel = box.children
    assert "explorer-problem" in panel._dom_classes
    assert KNN_FIRST in panel.value
    assert not any(isinstance(child, ipywidgets.Image) for child in box.children)


@needs_ipywidgets
def test_live_panel_shows_as_text_without_ipywidgets(monkeypatch):
    import IPython.display

    shown = []
    monkeypatch.setattr("cs_utils.explorers.frontend._in_ipython", lambda: True)
    monkeypatch.setattr(IPython.display, "display",
                        lambda obj, raw=False: shown.append(obj))
    box = knn_explorer(UnwrittenKnn, static=False)
    (bundle,) = shown
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == box.model_id
    assert bundle["text/plain"] == KNN_FIRST


def test_broken_code_gives_the_error_panel_naming_the_function(capsys):
    figure = knn_explorer(BrokenKnn, static=True)
    expected = ("predict_labels raised IndexError: index 4 is out of bounds for axis 0 with "
                "size 4: fix it and run this cell again.")
    assert panel_text(figure) == expected
    assert expected in capsys.readouterr().out


@needs_ipywidgets
def test_broken_code_gives_the_error_panel_live():
    box = knn_explorer(BrokenKnn, static=False)
    assert "predict_labels raised IndexError: index 4 is out of bounds" in box.children[1].value


def test_a_missing_result_is_named(capsys):
    knn_explorer(ForgetfulKnn, static=True)
    assert ("compute_distances_no_loops returned None, where an array of shape (3, 4) was "
            "expected: fix it and run this cell again." in capsys.readouterr().out)


@needs_ipywidgets
def test_live_redraw_reports_student_errors_in_the_readout():
    import ipywidgets

    box = knn_explorer(FailsForLargeK, static=False)
    sliders = {w.description: w for row in box.children if isinstance(row, ipywidgets.HBox)
               for w in row.children}
    readout, image = box.children[-2], box.children[-1]
    last_good = bytes(image.value)
    sliders["k"].value = 9
    assert "predict_labels raised IndexError" in readout.value
    assert bytes(image.value) == last_good
    sliders["k"].value = 3
    assert readout.value.startswith("k = 3, L2:")


def test_the_released_knn_gives_the_panel(tmp_path):
    stub = released_module(tmp_path, "assignment1/a1/knn.py")
    assert panel_text(knn_explorer(stub.KNearestNeighbor, static=True)) == KNN_FIRST


def test_student_code_names_the_innermost_listed_function():
    def helper(values):
        return values[10]

    def outer(values):
        return inner(values)

    def inner(values):
        return helper(values)

    code = StudentCode("outer and inner in a0/made_up.py", lambda: outer([1, 2]),
                       (outer, inner))
    error = code.failure()
    assert isinstance(error, IndexError)
    assert code.raised_in(error) == "inner"
    assert code.explain(error) == ("inner raised IndexError: list index out of range: fix it "
                                   "and run this cell again.")
    assert StudentCode("x", lambda: None).failure() is None


def test_an_error_outside_the_listed_functions_names_the_code():
    code = StudentCode("outer in a0/made_up.py", lambda: 1 / 0, ())
    error = code.failure()
    assert not code.comes_from(error)
    assert code.explain(error) == ("Running outer in a0/made_up.py raised ZeroDivisionError: "
                                   "division by zero: fix it and run this cell again.")


def test_result_checks():
    np.testing.assert_array_equal(result_array([1.0, 2.0], (2,), "f"), [1.0, 2.0])
    assert result_number(np.float32(1.5), "f") == 1.5
    assert result_tuple((1, 2), 2, "f") == (1, 2)
    with pytest.raises(WrongResult, match=r"^f returned an array of shape \(3,\), where an "
                                          r"array of shape \(2,\) was expected$"):
        result_array(np.zeros(3), (2,), "f")
    with pytest.raises(WrongResult, match="f returned None, where a number was expected"):
        result_number(None, "f")
    with pytest.raises(WrongResult, match="f returned a tuple of 3, where a tuple of 2"):
        result_tuple((1, 2, 3), 2, "f")


def test_the_first_failing_code_of_a_list_gives_the_panel(capsys):
    def unwritten():
        raise NotImplementedError

    def draw():
        raise AssertionError("nothing may be drawn")

    codes = [StudentCode("first in a0/one.py", lambda: None),
             StudentCode("second in a0/two.py", unwritten),
             StudentCode("third in a0/three.py", unwritten)]
    show_explorer("Made up", [], draw, static=True, student_code=codes)
    assert capsys.readouterr().out == ("Made up: Write second in a0/two.py first, then run "
                                       "this cell again.\n")
