"""Progress bars that work in notebooks and terminals and never write to stderr.

nbgrader gives zero to a test cell that writes anything to stderr, and tqdm's text bar
writes there by default. In a Jupyter kernel the bar is tqdm's widget (its text
fallback, when ipywidgets is missing, goes to stdout); in a terminal it is a text bar
on stdout.
"""

import sys
import warnings


def in_jupyter_kernel():
    """True inside a Jupyter kernel (JupyterLab, Notebook, Colab, nbgrader)."""
    if "ipykernel" not in sys.modules:
        return False
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def progress_bar(iterable=None, **kwargs):
    """``tqdm(iterable, **kwargs)`` drawn where it belongs; see the module docstring.

    Pass ``disable=True`` to draw nothing (the iterable is still iterated).
    """
    if in_jupyter_kernel():
        # tqdm.auto warns on stderr when ipywidgets is missing: silence it.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from tqdm.auto import tqdm
    else:
        from tqdm import tqdm
    kwargs.setdefault("dynamic_ncols", True)
    return tqdm(iterable, file=sys.stdout, **kwargs)
