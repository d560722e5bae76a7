"""What every explorer shares: live widgets when they can be shown, a static figure otherwise.

An explorer is three things: a list of controls (``controls.py``), a ``draw`` function
that takes one value per control and returns ``(figure, summary)`` -- a matplotlib
``Figure`` and one line of text -- and a call to :func:`show_explorer`.

Live (JupyterLab or Notebook with ipywidgets): sliders and dropdowns above a readout
line and the figure as a PNG image; every change redraws. The display also carries a
PNG of the first drawing, which is what a front end without ipywidgets shows (and
what a PDF or HTML export of the saved notebook contains).

Static: the figure for the default settings, drawn once, with its summary printed.
Explorers are static when

- ``static=True`` is passed, or ``COURSE_STATIC_EXPLORERS=1`` is set (use it when you
  execute a notebook to export it to PDF);
- the notebook runs in quick mode (nbgrader validate/autograde, CI; see
  :func:`cs_utils.notebook.is_quick_mode`), where no one can move a slider;
- the code does not run in a Jupyter kernel, or ipywidgets is not installed.

Explorers that show what a graded function does run the student's own implementation,
passed in by the notebook. They describe it with a :class:`StudentCode` record, and
``show_explorer`` runs its probe on a tiny input before drawing anything: while the
code is not written yet (it raises NotImplementedError) or fails, the explorer shows a
panel that says so instead of its figure.
"""

import base64
import html
import io
import os
import textwrap
import traceback
from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure

from cs_utils.notebook import is_quick_mode
from cs_utils.progress import in_jupyter_kernel

STATIC_VARIABLE = "COURSE_STATIC_EXPLORERS"
_FIGURE_DPI = 80


def wants_static_figure(static=None, environ=None):
    """Whether an explorer should draw its static figure (see the module docstring).

    Inputs:
    - static: True or False forces the choice; None decides from the environment.
    - environ: a mapping of environment variables (os.environ by default).
    """
    if static is not None:
        return bool(static)
    environ = os.environ if environ is None else environ
    if environ.get(STATIC_VARIABLE, "").lower() in ("1", "true", "yes"):
        return True
    if is_quick_mode(environ) or not in_jupyter_kernel():
        return True
    try:
        import ipywidgets  # noqa: F401
    except ImportError:
        return True
    return False


def initial_settings(controls, overrides):
    """The starting value of every control: its default unless ``overrides`` names it.

    Inputs:
    - controls: a list of rows, each a list of controls.
    - overrides: dict of control name -> value (checked against the control).

    Returns a dict of control name -> value, in the order of the controls.
    """
    by_name = {control.name: control for row in controls for control in row}
    unknown = sorted(set(overrides) - set(by_name))
    if unknown:
        raise ValueError(f"unknown setting(s) {unknown}; this explorer has {list(by_name)}")
    return {name: control.check(overrides.get(name, control.default))
            for name, control in by_name.items()}


def figure_png(figure):
    """The PNG bytes of a matplotlib Figure."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=_FIGURE_DPI)
    return buffer.getvalue()


# --------------------------------------------------------------------------- student code


class WrongResult(Exception):
    """Student code returned something an explorer cannot use; the message says what."""


def _described(value):
    """A few words for what a function returned ("None", "an array of shape (3,)")."""
    if value is None:
        return "None"
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    if isinstance(value, tuple):
        return f"a tuple of {len(value)}"
    return f"a {type(value).__name__}"


def result_array(value, shape, function):
    """``value`` (what ``function`` returned) as a numpy array of ``shape``.

    Raises WrongResult, naming ``function``, for anything else (None, a list of the
    wrong length, an array of another shape).
    """
    array = None if value is None else np.asarray(value)
    if array is None or array.shape != tuple(shape) or array.dtype == object:
        raise WrongResult(f"{function} returned {_described(value)}, where an array of "
                          f"shape {tuple(shape)} was expected")
    return array


def result_tuple(value, length, function):
    """``value`` (what ``function`` returned), checked to be a tuple of ``length`` items."""
    if not isinstance(value, tuple) or len(value) != length:
        raise WrongResult(f"{function} returned {_described(value)}, where a tuple of "
                          f"{length} was expected")
    return value


def result_number(value, function):
    """``value`` (what ``function`` returned) as a float; WrongResult if it is no number."""
    if value is None or np.ndim(value) != 0:
        raise WrongResult(f"{function} returned {_described(value)}, where a number was "
                          f"expected")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise WrongResult(f"{function} returned {_described(value)}, where a number was "
                          f"expected") from None


def result_dict(value, function):
    """``value`` (what ``function`` returned), checked to be a dict."""
    if not isinstance(value, dict):
        raise WrongResult(f"{function} returned {_described(value)}, where a dict was "
                          f"expected")
    return value


@dataclass(frozen=True)
class StudentCode:
    """The student's code an explorer runs, and a tiny run that shows whether it works.

    - description: what the student writes, and where, as the panels name it:
      "compute_distances_no_loops and predict_labels in a1/knn.py".
    - probe: a function of no arguments that runs the code on a tiny input, raising
      whatever the code raises (WrongResult for a result the explorer cannot use).
    - functions: the student's functions (or methods) that the explorer calls; an
      error raised inside one of them is reported under its name.
    """

    description: str
    probe: object
    functions: tuple = ()

    def failure(self):
        """The exception the probe raises, or None when the code runs."""
        try:
            self.probe()
        except Exception as error:   # whatever student code raises is reported, not hidden
            return error
        return None

    def raised_in(self, error):
        """The name of the innermost of ``functions`` that ``error`` passed through, or None."""
        codes = {function.__code__: function.__name__ for function in self.functions
                 if hasattr(function, "__code__")}
        name = None
        for frame, _ in traceback.walk_tb(error.__traceback__):
            name = codes.get(frame.f_code, name)
        return name

    def comes_from(self, error):
        """Whether ``error`` is the student code's doing (not a bad setting of a control)."""
        return isinstance(error, (NotImplementedError, WrongResult)) \
            or self.raised_in(error) is not None

    def explain(self, error):
        """The panel text for ``error``, raised while the student code ran."""
        if isinstance(error, NotImplementedError):
            return f"Write {self.description} first, then run this cell again."
        if isinstance(error, WrongResult):
            return f"{error}: fix it and run this cell again."
        name = self.raised_in(error) or f"Running {self.description}"
        detail = str(error).strip()
        what = f"{type(error).__name__}: {detail}" if detail else type(error).__name__
        return f"{name} raised {what}: fix it and run this cell again."


# --------------------------------------------------------------------------- showing


def show_explorer(title, controls, draw, static=None, settings=None, student_code=None,
                  note=None):
    """Show an explorer live or as a static figure, and return what was shown.

    Inputs:
    - title: a short heading shown above the controls (and printed when static).
    - controls: a list of rows, each a list of controls from ``controls.py``.
    - draw: function taking one keyword argument per control and returning
      ``(figure, summary)``; a ValueError it raises (a setting that makes no sense)
      is shown in the readout line instead of a figure.
    - static: see :func:`wants_static_figure`.
    - settings: dict of control name -> starting value, overriding the defaults.
    - student_code: a StudentCode that draw runs, a list of them, or None. Their
      probes run first, in order; at the first that raises, a panel says what to write
      or to fix, and nothing is drawn.
    - note: a line shown under the title (printed when static), or None.

    Returns the matplotlib Figure (static) or the ipywidgets box (live); the panel is
    a Figure holding its text (static) or a box holding it (live). Inside IPython it is
    also displayed: end the notebook line with ``;``.
    """
    values = initial_settings(controls, settings or {})
    static = wants_static_figure(static)
    codes = (student_code,) if isinstance(student_code, StudentCode) else \
        tuple(student_code or ())
    for code in codes:
        failure = code.failure()
        if failure is not None:
            return _show_problem(title, code.explain(failure), static)
    if static:
        return _show_static(title, draw, values, codes, note)
    return _show_live(title, controls, draw, values, codes, note)


def _explanation(codes, error):
    """The panel text for ``error`` if the student's code (one of ``codes``) caused it,
    else None. The code whose function raised it explains it."""
    for code in codes:
        if code.raised_in(error) is not None:
            return code.explain(error)
    for code in codes:
        if code.comes_from(error):
            return code.explain(error)
    return None


def _show_problem(title, message, static):
    """The panel that stands in for an explorer whose student code cannot run yet."""
    if static:
        print(f"{title}: {message}")
        figure = Figure(figsize=(7.0, 1.6))
        figure.text(0.5, 0.5, "\n".join(textwrap.wrap(message, 80)), ha="center",
                    va="center", fontsize=11, color="#b00")
        return figure
    ipywidgets = _ipywidgets()
    panel = ipywidgets.HTML(f"<div style='padding:8px 12px;border:1px solid #b00;"
                            f"border-radius:4px;color:#b00'>{html.escape(message)}</div>")
    panel.add_class("explorer-problem")
    box = ipywidgets.VBox([ipywidgets.HTML(f"<b>{html.escape(title)}</b>"), panel])
    box.add_class("course-explorer")
    if _in_ipython():
        from IPython.display import display

        bundle = box._repr_mimebundle_()
        bundle["text/plain"] = message   # what a front end without ipywidgets shows
        display(bundle, raw=True)
    return box


def _show_static(title, draw, values, codes, note):
    try:
        figure, summary = draw(**values)
    except Exception as error:
        message = _explanation(codes, error)
        if message is None:
            raise
        return _show_problem(title, message, static=True)
    if _in_ipython():
        from IPython.display import Image, display

        print(f"{title} (static figure; run the notebook in Jupyter to move the controls)")
        if note:
            print(note)
        display(Image(data=figure_png(figure)))
        print(summary)
    elif note:
        print(note)
    return figure


def _readout_error(error, codes):
    """What the readout shows when a drawing fails: the student code's panel text, or a
    bad setting's ValueError. Anything else is a fault of the explorer: re-raised."""
    message = _explanation(codes, error)
    if message is not None:
        return message
    if isinstance(error, ValueError):
        return str(error)
    raise error


def _ipywidgets():
    try:
        import ipywidgets
    except ImportError as error:
        raise RuntimeError("live explorers need ipywidgets: pip install ipywidgets") from error
    return ipywidgets


def _show_live(title, controls, draw, values, codes, note):
    ipywidgets = _ipywidgets()
    widgets = {control.name: control.widget(values[control.name])
               for row in controls for control in row}
    readout = ipywidgets.HTML(layout=ipywidgets.Layout(margin="4px 0"))
    readout.add_class("explorer-readout")
    image = ipywidgets.Image(format="png")
    image.add_class("explorer-figure")

    def redraw(change=None):
        current = {name: widget.value for name, widget in widgets.items()}
        try:
            figure, summary = draw(**current)
        except Exception as error:
            message = _readout_error(error, codes)
            readout.value = f"<b style='color:#b00'>{html.escape(message)}</b>"
            return
        image.value = figure_png(figure)
        image.width = str(int(figure.get_figwidth() * _FIGURE_DPI))   # not stretched
        readout.value = html.escape(summary)

    for widget in widgets.values():
        widget.observe(redraw, names="value")
    redraw()

    header = [ipywidgets.HTML(f"<b>{html.escape(title)}</b>")]
    if note:
        line = ipywidgets.HTML(f"<i>{html.escape(note)}</i>")
        line.add_class("explorer-note")
        header.append(line)
    rows = [ipywidgets.HBox([widgets[control.name] for control in row]) for row in controls]
    box = ipywidgets.VBox([*header, *rows, readout, image])
    box.add_class("course-explorer")
    if _in_ipython():
        from IPython.display import display

        bundle = box._repr_mimebundle_()
        if image.value:   # what a front end without ipywidgets shows
            bundle["image/png"] = base64.b64encode(image.value).decode("ascii")
        display(bundle, raw=True)
    return box


def _in_ipython():
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    return get_ipython() is not None
