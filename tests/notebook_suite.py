"""The checks every graded notebook gets, written once.

A test module describes one notebook and subclasses ``GradedNotebookSuite``::

    class TestKnn(GradedNotebookSuite):
        ASSIGNMENT, PACKAGE, NOTEBOOK = "assignment1", "a1", "knn"
        CODE_CELLS = {...}            # autograded test cells of student code
        CONCEPT_POINTS = {...}        # concept-check cells -> their points
        ACCURACY_CELLS = {...}        # cells that read notebook state (optional)
        TOTAL_POINTS = 22             # all graded points, hand-graded included
        MUTANTS = [Mutant(...), ...]  # plausible bugs and the cells that must catch them
        ALTERNATIVES = [Mutant(...)]  # correct answers written another valid way (fails empty)

and gets: the nbgrader metadata follows docs/authoring.md; the reference solution
passes every graded cell with full points, each gradient check of them ten times inside
its bound (tests/margins.py); each planted bug fails exactly the cells
listed for it, no more and no fewer; each correct implementation written another valid
way (another random-number scheme, summation order or formula) keeps full marks; the
release state (package stripped as the release strips it, concept answers blank) earns
nothing; and, marked slow, the whole notebook runs top to bottom in quick mode without
an error or a graded cell writing to stderr.
"""

from dataclasses import dataclass

import nbformat
import pytest

from tests.graded_cells import (REPO_ROOT, blank_concept_answers, copy_assignment, failing,
                                plant_bug, run_graded_cells, stub_package)
from tests.margins import MARGIN, record


@dataclass(frozen=True)
class Mutant:
    """A plausible wrong implementation: text replacements in the reference package."""

    name: str
    replacements: tuple  # ((file relative to the assignment, old text, new text), ...)
    fails: frozenset     # grade ids of the cells that must fail

    def __post_init__(self):
        object.__setattr__(self, "replacements", tuple(map(tuple, self.replacements)))
        object.__setattr__(self, "fails", frozenset(self.fails))


def mutant(name, relative_file, old, new, fails):
    """A mutant made of one replacement."""
    return Mutant(name, [(relative_file, old, new)], fails)


def mutants_from_table(table):
    """Mutants from ``pytest.param(file, [(old, new), ...], fails, id=name)`` rows: several
    replacements in one file."""
    return [Mutant(row.id, [(row.values[0], old, new) for old, new in row.values[1]],
                   row.values[2]) for row in table]


def alternatives_from_table(table):
    """Correct alternatives from ``pytest.param(file, [(old, new), ...], id=name)`` rows:
    Mutants whose ``fails`` is empty."""
    return [Mutant(row.id, [(row.values[0], old, new) for old, new in row.values[1]], ())
            for row in table]


class GradedNotebookSuite:
    ASSIGNMENT = PACKAGE = NOTEBOOK = None
    CODE_CELLS = frozenset()
    CONCEPT_POINTS = {}
    ACCURACY_CELLS = frozenset()
    TOTAL_POINTS = None
    MUTANTS = []
    ALTERNATIVES = []

    def pytest_generate_tests(self, metafunc):
        """Parametrize ``alternative`` with the class's ALTERNATIVES (tests/conftest.py
        does the same for ``mutant``)."""
        if "alternative" in metafunc.fixturenames:
            alternatives = type(self).ALTERNATIVES
            metafunc.parametrize("alternative", alternatives,
                                 ids=[a.name for a in alternatives])

    # -- helpers ---------------------------------------------------------------

    @classmethod
    def graded_cells(cls):
        return set(cls.CODE_CELLS) | set(cls.CONCEPT_POINTS) | set(cls.ACCURACY_CELLS)

    def copy(self, tmp_path):
        return copy_assignment(self.ASSIGNMENT, tmp_path)

    def run_cells(self, folder):
        return run_graded_cells(folder, self.NOTEBOOK)

    def failing_without_accuracy(self, results):
        """Accuracy cells read notebook state, which the isolated runner does not build."""
        return failing(results) - set(self.ACCURACY_CELLS)

    # -- the checks --------------------------------------------------------------

    def test_metadata_follows_the_conventions(self):
        nb = nbformat.read(REPO_ROOT / self.ASSIGNMENT / f"{self.NOTEBOOK}.ipynb",
                           as_version=4)
        assert nb.metadata["kernelspec"]["name"] == "python3"
        graded = {}
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader")
            if not meta:
                continue
            assert meta["schema_version"] == 3
            assert meta["grade_id"] not in graded, f"duplicate grade_id {meta['grade_id']}"
            graded[meta["grade_id"]] = (cell, meta)
            if meta["grade"] and cell.cell_type == "code":
                assert meta["locked"] and not meta["solution"] and meta["points"] > 0
                assert "### BEGIN SOLUTION" not in cell.source
            if meta["solution"]:
                assert "### BEGIN SOLUTION" in cell.source and "### END SOLUTION" in cell.source
            if cell.cell_type == "markdown" and meta["grade"]:
                assert meta["solution"] and not meta["locked"] and meta["points"] > 0
                answer = cell.source.split("**Your answer:**", 1)[1]
                assert "### BEGIN SOLUTION" in answer, meta["grade_id"]
        tests = {gid for gid, (c, m) in graded.items() if m["grade"] and c.cell_type == "code"}
        assert tests == self.graded_cells()
        for gid in self.CODE_CELLS:
            source = graded[gid][0].source
            assert "### BEGIN HIDDEN TESTS" in source and "### END HIDDEN TESTS" in source, gid
        for gid, points in self.CONCEPT_POINTS.items():
            assert graded[gid][1]["points"] == points, gid
            assert graded[gid][0].source.rstrip().endswith("### END HIDDEN TESTS"), gid
        questions = [g for g, (c, m) in graded.items() if c.cell_type == "markdown" and m["grade"]]
        assert len(questions) >= 2, "at least two inline questions"
        answers = [gid for gid in graded if gid.endswith("_answers")]
        assert len(answers) == 1
        blank = graded[answers[0]][0].source.split("### BEGIN SOLUTION")[0]
        assert "tf_answers" in blank and "ms_answers" in blank and "num_answers" in blank
        if self.TOTAL_POINTS is not None:
            assert sum(m["points"] for _, m in graded.values() if m["grade"]) == self.TOTAL_POINTS

    def test_reference_passes_every_graded_cell(self, tmp_path):
        # With the margin: every rel_error(...) < bound of a test cell must hold ten
        # times over here, so that it holds on every CPU (tests/margins.py).
        results = run_graded_cells(self.copy(tmp_path), self.NOTEBOOK, margin=MARGIN)
        for gid, result in results.items():
            for where, value, bound in result.bounds:
                record(f"{self.NOTEBOOK}:{gid} {where}", value, bound)
        assert set(results) == self.graded_cells()
        assert self.failing_without_accuracy(results) == set(), {
            gid: (r.error, r.stderr) for gid, r in results.items() if not r.passed}
        for gid in self.CODE_CELLS:
            assert results[gid].earned == results[gid].points, gid
        for gid, points in self.CONCEPT_POINTS.items():
            assert results[gid].score == points == results[gid].earned, gid

    def test_planted_bug_fails_exactly_its_cells(self, tmp_path, mutant):
        folder = self.copy(tmp_path)
        for relative_file, old, new in mutant.replacements:
            plant_bug(folder, relative_file, old, new)
        results = self.run_cells(folder)
        failed = self.failing_without_accuracy(results)
        assert failed == mutant.fails, {gid: results[gid].error for gid in failed ^ mutant.fails}
        for gid, points in self.CONCEPT_POINTS.items():
            assert results[gid].earned == points, gid

    def test_alternative_correct_solution_keeps_full_marks(self, tmp_path, alternative):
        assert not alternative.fails, f"{alternative.name} is listed as correct: fails must be empty"
        folder = self.copy(tmp_path)
        for relative_file, old, new in alternative.replacements:
            plant_bug(folder, relative_file, old, new)
        results = self.run_cells(folder)
        assert self.failing_without_accuracy(results) == set(), {
            gid: (r.error, r.stderr) for gid, r in results.items() if not r.passed}
        for gid in self.CODE_CELLS:
            assert results[gid].earned == results[gid].points, gid
        for gid, points in self.CONCEPT_POINTS.items():
            assert results[gid].earned == points, gid

    def test_release_state_earns_nothing(self, tmp_path):
        folder = self.copy(tmp_path)
        stub_package(folder, self.PACKAGE)
        blank_concept_answers(folder / f"{self.NOTEBOOK}.ipynb")
        results = self.run_cells(folder)
        for gid in set(self.CODE_CELLS) | set(self.ACCURACY_CELLS):
            assert not results[gid].passed, f"{gid} passes on the stubbed package"
        for gid in self.CODE_CELLS:
            assert "NotImplementedError" in results[gid].error, gid
        for gid in self.CONCEPT_POINTS:
            assert results[gid].passed and results[gid].earned == 0, gid
        assert sum(r.earned for r in results.values()) == 0

    @pytest.mark.slow
    def test_notebook_runs_top_to_bottom_in_quick_mode(self, tmp_path, monkeypatch):
        from nbclient import NotebookClient

        folder = self.copy(tmp_path)
        monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
        monkeypatch.delenv("MPLBACKEND", raising=False)
        nb = nbformat.read(folder / f"{self.NOTEBOOK}.ipynb", as_version=4)
        # Raises CellExecutionError at the first cell that fails, accuracy cells included.
        NotebookClient(nb, timeout=300, kernel_name="python3",
                       resources={"metadata": {"path": str(folder)}}).execute()
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if cell.cell_type == "code" and meta.get("grade"):
                stderr = [o.text for o in cell.outputs
                          if o.output_type == "stream" and o.name == "stderr"]
                assert not stderr, f"{meta['grade_id']} writes to stderr: {stderr[0][:300]}"

