"""A student's JupyterLab, started as the student README says, shows no instructor tools.

The folder is laid out as the release lays out a student repository
(``copy_shared_files``) plus one notebook whose graded cell passes but prints a Python
warning to stderr, and JupyterLab starts there with
``JUPYTER_CONFIG_PATH="$PWD/.jupyter" jupyter lab``. Headless Chromium then looks at
what nbgrader puts on the page: the Nbgrader menu (Formgrader, Create Assignment,
Course List), the Create Assignment sidebar, the Course and Assignment lists and their
errors, the Validate button, and Notebook 7's file page. The same folder without the
student settings is the control: there the instructor tools are on the page and
Validate fails the warning cell, so the checks are seen to catch what they look for.

Screenshots are saved in the test's tmp_path (the paths are printed; run pytest with
-s to see them).
"""

import json
import shutil

import pytest

from cs_utils.instructor.release import copy_shared_files
from tests.browser.jupyter import CHROMIUM, CHROMIUM_ARGS, http_status, jupyter_lab
from tests.instructor.toy import make_toy_assignment

pytestmark = pytest.mark.slow

PAGE_SECONDS = 120           # first page load, kernel start
VALIDATE_SECONDS = 180       # the server runs the whole notebook
PANEL_SECONDS = 5            # a list panel fetching from the server

INSTRUCTOR_ITEMS = ("Formgrader", "Create assignment", "Course List")
ERRORS = ("Error fetching courses", "exchange directory does not exist")
# Server endpoints of nbgrader's formgrader, course list and assignment list.
INSTRUCTOR_ENDPOINTS = ("formgrader", "formgraders", "courses", "assignments")

WARNING_TEST = ("import warnings\n"
                "warnings.warn('log of 0 (numpy warns like this)', RuntimeWarning)\n"
                "assert 1 + 1 == 2\n")


def write_notebook(path):
    """A notebook with one graded test cell that passes and warns on stderr."""
    grading = {"schema_version": 3, "grade": True, "solution": False, "locked": True,
               "task": False, "points": 1, "grade_id": "test_warning"}
    notebook = {
        "cells": [{"cell_type": "code", "execution_count": None, "id": "warning",
                   "metadata": {"nbgrader": grading}, "outputs": [],
                   "source": WARNING_TEST}],
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python",
                                    "name": "python3"}},
        "nbformat": 4, "nbformat_minor": 5,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(notebook))


def student_repository(tmp_path, with_settings):
    """A student repository as the release writes it, plus toy/check.ipynb; without
    ``with_settings`` its nbgrader_config.py and .jupyter folder are removed."""
    assignment = make_toy_assignment(tmp_path / "source")
    repository = tmp_path / "repository"
    repository.mkdir()
    copy_shared_files(repository, assignment)
    write_notebook(repository / "toy" / "check.ipynb")
    if not with_settings:
        (repository / "nbgrader_config.py").unlink()
        shutil.rmtree(repository / ".jupyter")
    return repository


def menu_labels(page):
    page.wait_for_selector(".lm-MenuBar-itemLabel", timeout=PAGE_SECONDS * 1000)
    return page.locator(".lm-MenuBar-itemLabel").all_inner_texts()


def open_nbgrader_menu(page):
    """Open the Nbgrader menu; return the labels of its items."""
    page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click()
    menu = page.locator("#jp-mainmenu-nbgrader")
    menu.wait_for(timeout=10_000)
    return menu.locator(".lm-Menu-itemLabel").all_inner_texts()


def observe_lab(page, base_url, token, screenshots):
    """What nbgrader shows a student in JupyterLab with the notebook open."""
    page.goto(f"{base_url}/lab/tree/toy/check.ipynb?token={token}")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=PAGE_SECONDS * 1000)
    seen = {"menus": menu_labels(page), "nbgrader_items": []}
    if "Nbgrader" in seen["menus"]:
        seen["nbgrader_items"] = open_nbgrader_menu(page)
        page.screenshot(path=str(screenshots / "nbgrader-menu.png"))
        page.keyboard.press("Escape")
        # Open the lists as a student would, to see what they say.
        for item in ("Course List", "Assignment List"):
            if item in seen["nbgrader_items"]:
                open_nbgrader_menu(page)
                page.locator("#jp-mainmenu-nbgrader .lm-Menu-itemLabel",
                             has_text=item).click()
                page.wait_for_timeout(PANEL_SECONDS * 1000)
    seen["create_assignment_panel"] = page.locator("#nbgrader-create_assignemnt").count()
    seen["validate_buttons"] = page.locator(".jp-NotebookPanel-toolbar .validate-button").count()
    seen["text"] = page.locator("body").inner_text()
    page.screenshot(path=str(screenshots / "lab.png"))
    return seen


def validate_in_lab(page, screenshots):
    """Press Validate; return the class and the text of nbgrader's result dialog."""
    # The lists opened in the control cover the notebook: bring its tab back first.
    page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab", has_text="check.ipynb").click()
    page.locator(".jp-NotebookPanel-toolbar .validate-button").click()
    message = page.wait_for_selector("#validation-message", timeout=VALIDATE_SECONDS * 1000)
    page.screenshot(path=str(screenshots / "validate.png"))
    verdict = message.get_attribute("class") or ""
    return verdict, message.inner_text()


def notebook7_menus(page, base_url, token, screenshots):
    """The menu bar of Notebook 7's file page, served by the same server."""
    page.goto(f"{base_url}/tree?token={token}")
    labels = menu_labels(page)
    page.screenshot(path=str(screenshots / "notebook7-tree.png"))
    return labels


@pytest.mark.parametrize("with_settings", [True, False],
                         ids=["student-settings", "control-without-them"])
def test_student_lab_has_validate_and_no_instructor_tools(sync_playwright, tmp_path,
                                                          with_settings):
    repository = student_repository(tmp_path, with_settings)
    screenshots = tmp_path / "screenshots"
    screenshots.mkdir()
    # The student README: JUPYTER_CONFIG_PATH="$PWD/.jupyter" jupyter lab
    readme_env = {"JUPYTER_CONFIG_PATH": str(repository / ".jupyter")}
    with jupyter_lab(repository, tmp_path / "home", tmp_path / "jupyter.log",
                     env=readme_env) as (base_url, token):
        endpoints = {name: http_status(f"{base_url}/{name}?token={token}")
                     for name in INSTRUCTOR_ENDPOINTS}
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                                 headless=True, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                seen = observe_lab(page, base_url, token, screenshots)
                verdict, verdict_text = validate_in_lab(page, screenshots)
                tree_menus = notebook7_menus(page, base_url, token, screenshots)
            finally:
                browser.close()
    print(f"\nscreenshots ({'with' if with_settings else 'without'} the student "
          f"settings): {sorted(str(p) for p in screenshots.glob('*.png'))}")

    offered = [item for item in INSTRUCTOR_ITEMS if item in seen["nbgrader_items"]]
    errors = [error for error in ERRORS if error in seen["text"]]
    assert seen["validate_buttons"] == 1
    if with_settings:
        assert offered == [] and "Nbgrader" not in seen["menus"], seen["nbgrader_items"]
        assert seen["create_assignment_panel"] == 0
        assert errors == []
        assert endpoints == {name: 404 for name in INSTRUCTOR_ENDPOINTS}
        assert "Nbgrader" not in tree_menus
        # Validate runs with the grader's settings: the warning does not fail the cell.
        assert "validation-success" in verdict, verdict_text
        assert "Success! Your notebook passes all the tests." in verdict_text
    else:
        assert offered == list(INSTRUCTOR_ITEMS), seen["nbgrader_items"]
        assert seen["create_assignment_panel"] == 1
        assert errors == list(ERRORS), seen["text"][-2000:]
        assert all(status != 404 for status in endpoints.values()), endpoints
        assert "Nbgrader" in tree_menus
        assert "validation-failed" in verdict and "RuntimeWarning" in verdict_text, \
            verdict_text
