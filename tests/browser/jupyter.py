"""JupyterLab on 127.0.0.1 with a fresh token, and Debian's Chromium to look at it.

Shared by the browser tests. Needs /usr/bin/chromium (.ci/install-browser.sh) and the
playwright package (requirements-instructor.txt); playwright's own browser download is
never used. Without them a test skips, except in CI (CI=true), where it fails.
"""

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
SERVER_START_SECONDS = 90
# What quick mode would turn into static figures: the browser must get live widgets.
QUICK_MODE_VARIABLES = ("CI", "COURSE_QUICK", "NBGRADER_EXECUTION", "COURSE_STATIC_EXPLORERS",
                        "MPLBACKEND")


def missing_or_fail(reason):
    """Skip on a developer's machine; fail in CI, which must run the browser tests."""
    if os.environ.get("CI", "").lower() not in ("", "0", "false", "no"):
        pytest.fail(f"{reason} (CI must run the browser tests: see .ci/install-browser.sh)")
    pytest.skip(reason)


def load_playwright():
    """playwright's sync_playwright, or a skip (a failure in CI) naming what is missing."""
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


def quiet_home(home):
    """A user config folder (what ~/.jupyter is to a student) with no news pop-up and
    no update check, which would cover the screenshots. Returns the environment
    variables that point Jupyter at it."""
    home.mkdir(parents=True, exist_ok=True)
    (home / "jupyter_server_config.py").write_text(
        "c.LabApp.news_url = None\n"
        "c.LabApp.check_for_updates_class = 'jupyterlab.NeverCheckForUpdate'\n"
        "c.LabApp.extension_manager = 'readonly'\n")
    settings = home / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True, exist_ok=True)
    (settings / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
    return {"JUPYTER_CONFIG_DIR": str(home), "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
            "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
            "JUPYTERLAB_SETTINGS_DIR": str(home / "settings")}


@contextmanager
def jupyter_lab(cwd, home, log_path, env=None, extra_args=()):
    """Run ``jupyter lab`` in ``cwd`` (its root folder) with the user config folder
    ``home``, plus ``env`` variables; yields (base_url, token). Always shut down."""
    token, port = secrets.token_hex(24), free_port()
    environment = {k: v for k, v in os.environ.items() if k not in QUICK_MODE_VARIABLES}
    environment.update(quiet_home(home))
    environment.update(env or {})
    command = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ip=127.0.0.1",
               f"--port={port}", "--port-retries=0", f"--ServerApp.token={token}",
               *extra_args]
    if os.geteuid() == 0:
        command.append("--allow-root")     # CI runs as root
    with open(log_path, "w") as log:
        server = subprocess.Popen(command, cwd=cwd, env=environment, stdout=log,
                                  stderr=subprocess.STDOUT)
        base_url = f"http://127.0.0.1:{port}"
        try:
            wait_for_server(base_url, token, server, log_path)
            yield base_url, token
        finally:
            stop(server)


def wait_for_server(base_url, token, server, log_path):
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"jupyter lab exited:\n{Path(log_path).read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{base_url}/api/status?token={token}", timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.5)
    pytest.fail(f"jupyter lab did not answer in {SERVER_START_SECONDS} s:\n"
                f"{Path(log_path).read_text()[-3000:]}")


def stop(server):
    """Stop a Jupyter server the way a user does: ^C, and a second ^C if it asks."""
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


def http_status(url):
    """The HTTP status code of a GET of ``url`` (redirects not followed)."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(url, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
