"""The graded cells of assignment1/knn.ipynb: they pass on the reference solution,
catch typical bugs (each mutant fails exactly the cells listed for it), give nothing to
the untouched release, and the notebook runs top to bottom in quick mode."""

import time

import nbformat
import pytest

from tests.graded_cells import (blank_concept_answers, copy_assignment, failing, plant_bug,
                                run_graded_cells, stub_package)

NOTEBOOK = "knn"
KNN = "a1/knn.py"

CODE_CELLS = {
    "test_knn_two_loops",
    "test_knn_one_loop",
    "test_knn_no_loops",
    "test_knn_predict_labels",
    "test_knn_l1_distances",
}
CONCEPT_CELLS = {
    "test_knn_concepts_true_false": 4.0,
    "test_knn_concepts_multiple_select": 4.0,
    "test_knn_concepts_numeric": 2.0,
}

# (id, file, old text, new text, the graded cells that must fail)
MUTANTS = [
    ("two_loops_transposed", KNN,
     "diff = X[i] - self.X_train[j]",
     "diff = X[j] - self.X_train[i]",
     {"test_knn_two_loops", "test_knn_l1_distances"}),
    ("two_loops_squared_distance", KNN,
     "dists[i, j] = np.sqrt(np.sum(diff * diff))",
     "dists[i, j] = np.sum(diff * diff)",
     {"test_knn_two_loops"}),
    ("one_loop_squared_distance", KNN,
     "dists[i, :] = np.sqrt(np.sum(diff * diff, axis=1))",
     "dists[i, :] = np.sum(diff * diff, axis=1)",
     {"test_knn_one_loop"}),
    ("no_loops_transposed", KNN,
     "sq = test_sq - 2.0 * (X @ self.X_train.T) + train_sq",
     "sq = test_sq.T - 2.0 * (self.X_train @ X.T) + train_sq.T",
     {"test_knn_no_loops"}),
    ("no_loops_negative_rounding", KNN,
     "dists = np.sqrt(np.maximum(sq, 0.0))",
     "dists = np.sqrt(sq)",
     {"test_knn_no_loops"}),
    ("no_loops_with_a_loop", KNN,
     "            dists = np.sqrt(np.maximum(sq, 0.0))\n",
     "            dists = np.array([np.sqrt(np.maximum(sq[i], 0.0)) for i in range(sq.shape[0])])\n",
     {"test_knn_no_loops"}),
    ("vote_tie_to_first_seen", KNN,
     "y_pred[i] = np.argmax(np.bincount(closest_y))",
     "y_pred[i] = __import__('collections').Counter(closest_y.tolist()).most_common(1)[0][0]",
     {"test_knn_predict_labels"}),
    ("vote_tie_to_larger_label", KNN,
     "y_pred[i] = np.argmax(np.bincount(closest_y))",
     "votes = np.bincount(closest_y); y_pred[i] = len(votes) - 1 - np.argmax(votes[::-1])",
     {"test_knn_predict_labels"}),
    ("k_ignored", KNN,
     'nearest = np.argsort(dists[i], kind="stable")[:k]',
     'nearest = np.argsort(dists[i], kind="stable")[:1]',
     {"test_knn_predict_labels"}),
    ("k_off_by_one", KNN,
     'nearest = np.argsort(dists[i], kind="stable")[:k]',
     'nearest = np.argsort(dists[i], kind="stable")[:k + 1]',
     {"test_knn_predict_labels"}),
    ("farthest_neighbours", KNN,
     'nearest = np.argsort(dists[i], kind="stable")[:k]',
     'nearest = np.argsort(-dists[i], kind="stable")[:k]',
     {"test_knn_predict_labels"}),
    ("l1_without_abs_in_no_loops", KNN,
     "dists[start:start + rows] = np.sum(np.abs(block), axis=2)",
     "dists[start:start + rows] = np.abs(np.sum(block, axis=2))",
     {"test_knn_l1_distances"}),
]

def test_notebook_cells_follow_the_conventions(repo_root):
    nb = nbformat.read(repo_root / "assignment1" / f"{NOTEBOOK}.ipynb", as_version=4)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    metas = [(c, c.metadata["nbgrader"]) for c in nb.cells if "nbgrader" in c.metadata]
    grade_ids = [m["grade_id"] for _, m in metas]
    assert len(grade_ids) == len(set(grade_ids)), "grade_ids must be unique"
    assert all(m["schema_version"] == 3 for _, m in metas)

    tests = {m["grade_id"]: m for c, m in metas if c.cell_type == "code" and m["grade"]}
    assert set(tests) == CODE_CELLS | set(CONCEPT_CELLS)
    for grade_id, m in tests.items():
        assert m["locked"] and not m["solution"] and m["points"] > 0, grade_id
    for grade_id, points in CONCEPT_CELLS.items():
        assert tests[grade_id]["points"] == points

    questions = [(c, m) for c, m in metas if c.cell_type == "markdown"]
    assert len(questions) >= 2, "at least two inline questions"
    for cell, m in questions:
        assert m["grade"] and m["solution"] and not m["locked"] and m["points"] > 0
        answer = cell.source.split("**Your answer:**", 1)[1]
        assert "### BEGIN SOLUTION" in answer and "### END SOLUTION" in answer

    answers = [c for c, m in metas if m["grade_id"].endswith("_answers")]
    assert len(answers) == 1 and answers[0].metadata["nbgrader"]["solution"]
    assert answers[0].source.index("tf_answers") < answers[0].source.index("### BEGIN SOLUTION")
    print(f"{NOTEBOOK}.ipynb: {sum(m.get('points', 0) for _, m in metas)} points")


def test_reference_solution_gets_full_marks(tmp_path):
    folder = copy_assignment("assignment1", tmp_path)
    results = run_graded_cells(folder, NOTEBOOK)
    assert set(results) == CODE_CELLS | set(CONCEPT_CELLS)
    for grade_id, result in results.items():
        assert result.passed, f"{grade_id}: {result.error} {result.stderr}"
        assert result.earned == result.points, grade_id
    for grade_id, points in CONCEPT_CELLS.items():
        assert results[grade_id].score == points == results[grade_id].points


@pytest.mark.parametrize("path,old,new,expected", [m[1:] for m in MUTANTS], ids=[m[0] for m in MUTANTS])
def test_mutant_fails_exactly_its_cells(tmp_path, path, old, new, expected):
    folder = copy_assignment("assignment1", tmp_path)
    plant_bug(folder, path, old, new)
    results = run_graded_cells(folder, NOTEBOOK)
    assert failing(results) == expected
    for grade_id, points in CONCEPT_CELLS.items():
        assert results[grade_id].earned == points


def test_untouched_release_scores_nothing(tmp_path):
    folder = copy_assignment("assignment1", tmp_path)
    stub_package(folder, "a1")
    blank_concept_answers(folder / f"{NOTEBOOK}.ipynb")
    results = run_graded_cells(folder, NOTEBOOK)
    assert failing(results) == CODE_CELLS
    for grade_id in CODE_CELLS:
        assert "NotImplementedError" in results[grade_id].error
    for grade_id in CONCEPT_CELLS:
        assert results[grade_id].passed and results[grade_id].earned == 0.0


@pytest.mark.slow
def test_notebook_runs_top_to_bottom_in_quick_mode(tmp_path, monkeypatch):
    from nbclient import NotebookClient

    folder = copy_assignment("assignment1", tmp_path)
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    nb = nbformat.read(folder / f"{NOTEBOOK}.ipynb", as_version=4)
    client = NotebookClient(nb, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(folder)}})
    start = time.perf_counter()
    client.execute()  # raises CellExecutionError on the first failing cell
    elapsed = time.perf_counter() - start
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("grade"):
            streams = [o for o in cell.outputs if o.output_type == "stream" and o.name == "stderr"]
            assert not streams, f"{meta['grade_id']} wrote to stderr: {streams[0].text[:300]}"
    print(f"{NOTEBOOK}.ipynb ran in {elapsed:.1f} s")
