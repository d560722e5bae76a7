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
"""

import base64
import html
import io
import os

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


def show_explorer(title, controls, draw, static=None, settings=None):
    """Show an explorer live or as a static figure, and return what was shown.

    Inputs:
    - title: a short heading shown above the controls (and printed when static).
    - controls: a list of rows, each a list of controls from ``controls.py``.
    - draw: function taking one keyword argument per control and returning
      ``(figure, summary)``; a ValueError it raises (a setting that makes no sense)
      is shown in the readout line instead of a figure.
    - static: see :func:`wants_static_figure`.
    - settings: dict of control name -> starting value, overriding the defaults.

    Returns the matplotlib Figure (static) or the ipywidgets box (live). Inside
    IPython it is also displayed: end the notebook line with ``;``.
    """
    values = initial_settings(controls, settings or {})
    if wants_static_figure(static):
        return _show_static(title, draw, values)
    return _show_live(title, controls, draw, values)


def _show_static(title, draw, values):
    figure, summary = draw(**values)
    if _in_ipython():
        from IPython.display import Image, display

        print(f"{title} (static figure; run the notebook in Jupyter to move the controls)")
        display(Image(data=figure_png(figure)))
        print(summary)
    return figure


def _show_live(title, controls, draw, values):
    try:
        import ipywidgets
    except ImportError as error:
        raise RuntimeError("live explorers need ipywidgets: pip install ipywidgets") from error

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
        except ValueError as error:
            readout.value = f"<b style='color:#b00'>{html.escape(str(error))}</b>"
            return
        image.value = figure_png(figure)
        image.width = str(int(figure.get_figwidth() * _FIGURE_DPI))   # not stretched
        readout.value = html.escape(summary)

    for widget in widgets.values():
        widget.observe(redraw, names="value")
    redraw()

    rows = [ipywidgets.HBox([widgets[control.name] for control in row]) for row in controls]
    box = ipywidgets.VBox([ipywidgets.HTML(f"<b>{html.escape(title)}</b>"), *rows,
                           readout, image])
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
