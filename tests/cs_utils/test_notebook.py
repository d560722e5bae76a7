"""Tests for cs_utils.notebook: quick mode, pick() and seeding."""

import importlib
import random

import numpy as np
import pytest

import cs_utils.notebook as notebook


@pytest.mark.parametrize("environ, quick", [
    ({}, False),
    ({"NBGRADER_EXECUTION": "autograde"}, True),
    ({"NBGRADER_EXECUTION": "validate"}, True),
    ({"NBGRADER_EXECUTION": ""}, False),
    ({"CI": "true"}, True),
    ({"CI": "1"}, True),
    ({"CI": "TRUE"}, True),
    ({"CI": "false"}, False),
    ({"CI": "False"}, False),
    ({"CI": "0"}, False),
    ({"CI": ""}, False),
    ({"COURSE_QUICK": "1"}, True),
    ({"COURSE_QUICK": "true"}, True),
    ({"COURSE_QUICK": "0"}, False),
    ({"COURSE_QUICK": ""}, False),
    ({"CI": "false", "NBGRADER_EXECUTION": "autograde"}, True),
    ({"CI": "false", "COURSE_QUICK": "1"}, True),
    ({"HOME": "/home/student", "PATH": "/usr/bin"}, False),
])
def test_is_quick_mode(environ, quick):
    assert notebook.is_quick_mode(environ) is quick


def test_is_quick_mode_reads_the_process_environment(monkeypatch):
    for name in ("NBGRADER_EXECUTION", "CI", "COURSE_QUICK"):
        monkeypatch.delenv(name, raising=False)
    assert notebook.is_quick_mode() is False
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert notebook.is_quick_mode() is True


def test_quick_is_computed_at_import(monkeypatch):
    try:
        for name in ("NBGRADER_EXECUTION", "CI", "COURSE_QUICK"):
            monkeypatch.delenv(name, raising=False)
        assert importlib.reload(notebook).QUICK is False
        monkeypatch.setenv("CI", "true")
        assert importlib.reload(notebook).QUICK is True
    finally:
        monkeypatch.undo()
        importlib.reload(notebook)


def test_pick(monkeypatch):
    monkeypatch.setattr(notebook, "QUICK", True)
    assert notebook.pick(1000, 10) == 10
    assert notebook.pick([1e-3, 1e-4, 1e-5], [1e-3]) == [1e-3]
    monkeypatch.setattr(notebook, "QUICK", False)
    assert notebook.pick(1000, 10) == 1000
    assert notebook.pick([1e-3, 1e-4, 1e-5], [1e-3]) == [1e-3, 1e-4, 1e-5]


def draws():
    return random.random(), random.randint(0, 10 ** 9), tuple(np.random.rand(4))


def test_seed_everything_is_reproducible():
    notebook.seed_everything(3)
    first = draws()
    notebook.seed_everything(3)
    assert draws() == first
    notebook.seed_everything(4)
    assert draws() != first


def test_seed_everything_seeds_like_the_libraries_themselves():
    notebook.seed_everything(11)
    ours = draws()
    random.seed(11)
    np.random.seed(11)
    assert draws() == ours


def test_setup_notebook_seeds_and_announces_quick_mode(monkeypatch, capsys):
    monkeypatch.setattr(notebook, "QUICK", True)
    notebook.setup_notebook(seed=5)
    after_setup = draws()
    out, err = capsys.readouterr()
    assert "Quick mode" in out and err == ""
    notebook.seed_everything(5)
    assert draws() == after_setup

    monkeypatch.setattr(notebook, "QUICK", False)
    notebook.setup_notebook(seed=5)
    assert capsys.readouterr() == ("", "")
