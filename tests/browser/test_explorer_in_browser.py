"""A real browser: JupyterLab runs a notebook that calls knn_explorer, headless Chromium
moves a slider, and the figure and the readout must change.

Needs Debian's chromium (/usr/bin/chromium, installed by .ci/install-browser.sh) and the
playwright package (requirements-instructor.txt); playwright's own browser download is never used.
Without them the test skips, except in CI (CI=true), where it fails.
"""

import json
import os
import shutil
from pathlib import Path

import pytest

from tests.browser.jupyter import CHROMIUM, CHROMIUM_ARGS, jupyter_lab as run_jupyter_lab

WIDGET_SECONDS = 120         # kernel start, imports and the first drawing
REDRAW_SECONDS = 60

# The explorer runs Assignment 1's classifier: the reference solution, from this repository.
NOTEBOOK_CELL = ("import sys\n"
                 f"sys.path.insert(0, {str(Path(__file__).resolve().parents[2] / 'assignment1')!r})\n"
                 "from a1.knn import KNearestNeighbor\n"
                 "from cs_utils.explorers import knn_explorer\n"
                 "knn_explorer(KNearestNeighbor);\n")

pytestmark = pytest.mark.slow


def write_notebook(path):
    notebook = {
        "cells": [{"cell_type": "code", "execution_count": None, "id": "explorer",
                   "metadata": {}, "outputs": [], "source": NOTEBOOK_CELL}],
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python",
                                    "name": "python3"}},
        "nbformat": 4, "nbformat_minor": 5,
    }
    path.write_text(json.dumps(notebook))


@pytest.fixture
def jupyter_lab(tmp_path):
    """JupyterLab on 127.0.0.1 with a fresh token, serving a folder with one notebook.

    Yields (base_url, token, notebook name); the server is always shut down.
    """
    root = tmp_path / "root"
    root.mkdir()
    write_notebook(root / "explorer.ipynb")
    with run_jupyter_lab(root, tmp_path / "home", tmp_path / "jupyter.log",
                         extra_args=[f"--ServerApp.root_dir={root}"]) as (base_url, token):
        yield base_url, token, "explorer.ipynb"


def test_moving_a_slider_redraws_the_knn_explorer(jupyter_lab, sync_playwright, tmp_path):
    base_url, token, notebook = jupyter_lab
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                             args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1300})
            page.goto(f"{base_url}/lab/tree/{notebook}?token={token}")
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=WIDGET_SECONDS * 1000)
            # The status bar says "Python 3 (ipykernel) | Idle" once the kernel is up.
            page.wait_for_function(
                "() => [...document.querySelectorAll('.jp-StatusBar-TextItem')]"
                ".some(e => e.innerText.includes('| Idle'))", timeout=WIDGET_SECONDS * 1000)

            page.click(".jp-Cell .jp-InputArea-editor")
            page.keyboard.press("Shift+Enter")
            explorer = page.wait_for_selector(".course-explorer", timeout=WIDGET_SECONDS * 1000)
            readout = page.locator(".course-explorer .explorer-readout")
            figure = page.locator(".course-explorer .explorer-figure")
            page.wait_for_function(
                "() => { const img = document.querySelector('.course-explorer .explorer-figure');"
                " return img && img.naturalWidth > 0; }", timeout=WIDGET_SECONDS * 1000)
            before_text, before_src = readout.inner_text(), figure.get_attribute("src")
            assert before_text.startswith("k = 1, L2:"), before_text
            explorer.screenshot(path=str(tmp_path / "before.png"))

            # The k slider is the first one: focus its handle and press the right arrow.
            handle = page.locator(".course-explorer .widget-slider .noUi-handle").first
            handle.click()
            for _ in range(3):
                page.keyboard.press("ArrowRight")
            page.wait_for_function(
                "() => { const r = document.querySelector('.course-explorer .explorer-readout');"
                " return r && r.innerText.startsWith('k = 4,'); }",
                timeout=REDRAW_SECONDS * 1000)
            page.wait_for_function(
                "(before) => { const img = document.querySelector("
                "'.course-explorer .explorer-figure'); return img && img.src !== before"
                " && img.naturalWidth > 0; }", arg=before_src, timeout=REDRAW_SECONDS * 1000)
            after_text = readout.inner_text()
            explorer.screenshot(path=str(tmp_path / "after.png"))
        finally:
            if browser.contexts and browser.contexts[0].pages:
                browser.contexts[0].pages[0].screenshot(path=str(tmp_path / "page.png"))
            browser.close()
            keep_screenshots(tmp_path)

    assert after_text.startswith("k = 4, L2:"), after_text
    assert (tmp_path / "before.png").read_bytes() != (tmp_path / "after.png").read_bytes()


def keep_screenshots(tmp_path):
    """Copy the screenshots to $COURSE_KEEP_SCREENSHOTS, when it names a folder."""
    keep = os.environ.get("COURSE_KEEP_SCREENSHOTS")
    if keep:
        for name in ("before.png", "after.png", "page.png"):
            if (tmp_path / name).exists():
                shutil.copy(tmp_path / name, Path(keep) / name)
