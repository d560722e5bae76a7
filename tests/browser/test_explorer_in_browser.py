"""A real browser: JupyterLab runs a notebook that calls knn_explorer, headless Chromium
moves a slider, and the figure and the readout must change.

Needs Debian's chromium (/usr/bin/chromium, installed by .ci/install-browser.sh) and the
playwright package (requirements-instructor.txt); playwright's own browser download is never used.
Without them the test skips, except in CI (CI=true), where it fails.
"""

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
SERVER_START_SECONDS = 90
WIDGET_SECONDS = 120         # kernel start, imports and the first drawing
REDRAW_SECONDS = 60

NOTEBOOK_CELL = "from cs_utils.explorers import knn_explorer\nknn_explorer();\n"
# What quick mode would turn into a static figure: the browser must get the live widgets.
QUICK_MODE_VARIABLES = ("CI", "COURSE_QUICK", "NBGRADER_EXECUTION", "COURSE_STATIC_EXPLORERS",
                        "MPLBACKEND")

pytestmark = pytest.mark.slow


def missing_or_fail(reason):
    """Skip on a developer's machine; fail in CI, which must run this test."""
    if os.environ.get("CI", "").lower() not in ("", "0", "false", "no"):
        pytest.fail(f"{reason} (CI must run the browser test: see .ci/install-browser.sh)")
    pytest.skip(reason)


@pytest.fixture
def sync_playwright():
    if not CHROMIUM.exists():
        missing_or_fail(f"{CHROMIUM} is missing (bash .ci/install-browser.sh installs it)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing_or_fail("the playwright package is not installed (pip install playwright)")
    return sync_playwright


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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
    root, home = tmp_path / "root", tmp_path / "home"
    root.mkdir()
    home.mkdir()
    write_notebook(root / "explorer.ipynb")
    (home / "jupyter_server_config.py").write_text(
        "c.LabApp.news_url = None\n"
        "c.LabApp.check_for_updates_class = 'jupyterlab.NeverCheckForUpdate'\n"
        "c.LabApp.extension_manager = 'readonly'\n")
    # No pop-up asking whether to fetch Jupyter news (it would cover the screenshots).
    settings = home / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
    token, port = secrets.token_hex(24), free_port()
    env = {k: v for k, v in os.environ.items() if k not in QUICK_MODE_VARIABLES}
    env.update(JUPYTER_CONFIG_DIR=str(home), JUPYTER_RUNTIME_DIR=str(home / "runtime"),
               JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
               JUPYTERLAB_SETTINGS_DIR=str(home / "settings"))
    log = open(tmp_path / "jupyter.log", "w")
    command = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ip=127.0.0.1",
               f"--port={port}", "--port-retries=0", f"--ServerApp.token={token}",
               f"--ServerApp.root_dir={root}"]
    if os.geteuid() == 0:
        command.append("--allow-root")     # CI runs as root
    server = subprocess.Popen(command, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_for_server(base_url, token, server, tmp_path / "jupyter.log")
        yield base_url, token, "explorer.ipynb"
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.send_signal(signal.SIGINT)       # the second ^C skips the question
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        log.close()


def wait_for_server(base_url, token, server, log_path):
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"jupyter lab exited:\n{log_path.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{base_url}/api/status?token={token}", timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.5)
    pytest.fail(f"jupyter lab did not answer in {SERVER_START_SECONDS} s:\n"
                f"{log_path.read_text()[-3000:]}")


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
