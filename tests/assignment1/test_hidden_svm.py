"""The graded cells of assignment1/svm.ipynb: they pass on the reference solution,
catch typical bugs (each mutant fails exactly the cells listed for it), give nothing to
the untouched release, and the notebook runs top to bottom in quick mode."""

import time

import nbformat
import pytest

from tests.graded_cells import (blank_concept_answers, copy_assignment, failing, plant_bug,
                                run_graded_cells, stub_package)

NOTEBOOK = "svm"
SVM = "a1/linear_svm.py"
LINEAR = "a1/linear_classifier.py"

CODE_CELLS = {
    "test_svm_naive_loss",
    "test_svm_naive_grad",
    "test_svm_vectorized_loss",
    "test_svm_vectorized_grad",
    "test_linear_classifier",
}
CONCEPT_CELLS = {
    "test_svm_concepts_true_false": 4.0,
    "test_svm_concepts_multiple_select": 4.0,
    "test_svm_concepts_numeric": 2.0,
}

# (id, file, old text, new text, the graded cells that must fail)
MUTANTS = [
    ("naive_counts_correct_class", SVM,
     "            if j == y[i]:\n                continue\n",
     "",
     {"test_svm_naive_loss"}),
    ("naive_not_averaged", SVM,
     "    loss /= num_train\n    dW /= num_train\n",
     "",
     {"test_svm_naive_loss", "test_svm_naive_grad"}),
    ("naive_reg_gradient_missing", SVM,
     "    dW += 2 * reg * W\n",
     "",
     {"test_svm_naive_grad"}),
    ("naive_correct_class_gradient_missing", SVM,
     "                dW[:, y[i]] -= X[i]\n",
     "",
     {"test_svm_naive_grad"}),
    ("vectorized_counts_correct_class", SVM,
     "    margins[rows, y] = 0\n",
     "",
     {"test_svm_vectorized_loss", "test_svm_vectorized_grad"}),
    ("vectorized_loss_not_averaged", SVM,
     "loss = np.sum(margins) / num_train + reg * np.sum(W * W)",
     "loss = np.sum(margins) + reg * np.sum(W * W)",
     {"test_svm_vectorized_loss"}),
    ("vectorized_gradient_not_averaged", SVM,
     "dW = X.T @ dscores / num_train + 2 * reg * W",
     "dW = X.T @ dscores + 2 * reg * W",
     {"test_svm_vectorized_grad"}),
    ("vectorized_reg_gradient_halved", SVM,
     "dW = X.T @ dscores / num_train + 2 * reg * W",
     "dW = X.T @ dscores / num_train + reg * W",
     {"test_svm_vectorized_grad"}),
    ("vectorized_correct_class_counted_once", SVM,
     "dscores[rows, y] = -np.sum(dscores, axis=1)",
     "dscores[rows, y] = -1",
     {"test_svm_vectorized_grad"}),
    ("sgd_steps_uphill", LINEAR,
     "self.W -= learning_rate * grad",
     "self.W += learning_rate * grad",
     {"test_linear_classifier"}),
    ("sgd_labels_not_paired_with_examples", LINEAR,
     "y_batch = y[indices]",
     "y_batch = y[np.random.choice(num_train, batch_size, replace=True)]",
     {"test_linear_classifier"}),
    ("sgd_same_batch_every_time", LINEAR,
     "indices = np.random.choice(num_train, batch_size, replace=True)",
     "indices = np.arange(batch_size)",
     {"test_linear_classifier"}),
    ("predict_argmax_over_examples", LINEAR,
     "y_pred = np.argmax(X @ self.W, axis=1)",
     "y_pred = np.argmax(X @ self.W, axis=0)",
     {"test_linear_classifier"}),
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
