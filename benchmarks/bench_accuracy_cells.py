"""Accuracy cells: does each bound separate the reference from the bugs, whatever the seed?

    python -m benchmarks accuracy_cells [--seeds 20] [--cells NAME ...] [--variants NAME ...]
                                        [--edit OLD NEW] [--keep]

An accuracy cell is an autograded cell that compares an accuracy reached by training
with a threshold. This benchmark runs each one as it is graded (quick mode,
``NBGRADER_EXECUTION=autograde``, generated dataset unless ``COURSE_DATASET`` says
otherwise) for many training seeds, with the reference solution and with planted bugs,
and prints per value the minimum, median and maximum over the seeds, the threshold and
the gap:

- for the reference, and for a bug the cell is not meant to see (``expect`` pass: it
  leaves training good enough, and a test cell of its own catches it),
  gap = worst seed - threshold;
- for a bug that damages training (``expect`` fail), gap = threshold - best seed.

The verdict is "ok" when the gap is at least ``MIN_GAP`` and at least two standard
deviations of that variant's spread over the seeds: then neither a correct solution
nor a bug sits near the bound, and a bound that is crossed grades the code, not the
seed. Cells that are not graded (any more) are measured too, to show why.

How a run is built, so that it follows the notebook as it changes: the assignment
folder is copied to a temporary folder, one copy per variant, and the bug is planted in
the copy's package (or in a cell of the copy's notebook). A subprocess reads the copied
notebook and executes its code cells up to and including the accuracy cell, skipping
the other autograded test cells (self-contained by the course's conventions). Cells
above the first training cell run once; the training cells down to the accuracy cell
run once per seed, from a copy of that state, with every ``np.random.seed(k)`` of the
training cells replaced by ``np.random.seed(k + seed)``: seed 0 is the notebook as it
is. As under nbgrader, a cell that raises does not stop the run. After the accuracy
cell has run, pass or fail, its value and threshold variables are read. A
self-contained test cell that trains (``linear_svm_on_features``) runs alone, reseeded
the same way, with its asserts recorded instead of raised. ``--edit`` changes the text
of a cell in every copy, to try a quick-mode setting before changing the notebook.
"""

import argparse
import ast
import contextlib
import io
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
MIN_GAP = 0.02
SEED_CALL = re.compile(r"np\.random\.seed\(\s*(\d+)\s*\)")
RESULT_MARK = "@@result "
ALL = ("*",)


@dataclass(frozen=True)
class Bug:
    """A plausible wrong implementation, and the values of the cell it must fail.

    changes: ((file relative to the assignment, or "cell:<grade_id>", old, new), ...).
    fails: labels of the values that must fall below their bound (ALL: every value);
    every other value must stay above it.
    """

    name: str
    changes: tuple
    fails: tuple = ()
    note: str = ""

    def expect(self, label):
        return "fail" if self.fails == ALL or label in self.fails else "pass"


@dataclass(frozen=True)
class AccuracyCell:
    """A cell to measure. ``values``: ((label, value variable, threshold variable),
    ...) read after a cell that reads notebook state has run (threshold None: the cell
    is not graded, it prints the value); for a self-contained cell, None: its
    ``assert name > number`` lines are the values. ``grade_id`` None: the code cell
    right after the last training cell (one without nbgrader metadata)."""

    name: str
    assignment: str
    notebook: str
    grade_id: str
    training_cells: tuple
    values: tuple | None
    bugs: tuple = ()

    @property
    def self_contained(self):
        return self.values is None


A1_LAYERS, A1_NET = "a1/layers.py", "a1/two_layer_net.py"
A1_SVM, A1_CLASSIFIER = "a1/linear_svm.py", "a1/linear_classifier.py"
A2_LAYERS, A2_NET, A2_OPTIM = "a2/layers.py", "a2/fc_net.py", "a2/optim.py"


def _decay_every_iteration(grade_id, text):
    """The decay applied after every iteration instead of every epoch (20 iterations
    an epoch in quick mode): a plausible tuning mistake, planted in the training cell."""
    return (f"cell:{grade_id}", text, f"{text} ** 20")


A1_NET_SEVERE = (
    Bug("softmax-gradient-not-averaged",
        ((A1_LAYERS, "    dx[rows, y] -= 1\n    dx /= num_train\n", "    dx[rows, y] -= 1\n"),)),
    Bug("relu_backward-multiplies-by-output",
        ((A1_LAYERS, "dx = dout * (x > 0)", "dx = dout * np.maximum(0, x)"),)),
)
A1_NET_MODERATE = (
    Bug("net-backward-skips-relu-mask",
        ((A1_NET, "affine_relu_backward(dhidden, hidden_cache)",
          "affine_backward(dhidden, hidden_cache[0])"),)),
)
A1_NET_HARMLESS = (
    Bug("net-no-regularization-gradient",
        ((A1_NET, '        grads["W2"] += self.reg * W2\n        grads["W1"] += self.reg * W1\n', ""),)),
    Bug("affine_backward-db-averaged-not-summed",
        ((A1_LAYERS, "db = np.sum(dout, axis=0)", "db = np.mean(dout, axis=0)"),)),
)
SVM_STEPS_UPHILL = Bug("svm-train-steps-uphill",
                       ((A1_CLASSIFIER, "self.W -= learning_rate * grad",
                         "self.W += learning_rate * grad"),))
SVM_LABELS_APART = Bug("svm-train-labels-drawn-apart-from-images",
                       ((A1_CLASSIFIER, "y_batch = y[indices]",
                         "y_batch = y[np.random.choice(num_train, batch_size, replace=True)]"),))
SVM_COUNTS_CORRECT = Bug("svm-counts-correct-class", ((A1_SVM, "    margins[rows, y] = 0\n", ""),),
                         note="the demo's planted bug")

CELLS = (
    AccuracyCell(
        "two_layer_net", "assignment1", "two_layer_net", "accuracy_best_model",
        training_cells=("hyperparameter_search",),
        values=(("best_model", "val_accuracy", "threshold"),),
        bugs=tuple(Bug(b.name, b.changes, ALL) for b in A1_NET_SEVERE + A1_NET_MODERATE)
        + A1_NET_HARMLESS
        + (Bug("lr-decay-every-iteration",
               (_decay_every_iteration("hyperparameter_search", "lr_decay=0.95"),), ALL),)),
    AccuracyCell(
        "features", "assignment1", "features", "accuracy_features",
        training_cells=("svm_search", "net_search"),
        values=(("best_svm", "svm_accuracy", "svm_threshold"),
                ("best_net", "net_accuracy", "net_threshold")),
        # The moderate net bugs cost 0.02-0.05 here, too little to be told from the
        # seed's spread: the bound lets them pass, two_layer_net_on_features fails them.
        bugs=(Bug(SVM_LABELS_APART.name, SVM_LABELS_APART.changes, ("best_svm",)),
              Bug(SVM_STEPS_UPHILL.name, SVM_STEPS_UPHILL.changes, ("best_svm",)),
              Bug("svm-gradient-not-averaged",
                  ((A1_SVM, "dW = X.T @ dscores / num_train + 2 * reg * W",
                    "dW = X.T @ dscores + 2 * reg * W"),)),
              SVM_COUNTS_CORRECT,
              Bug("svm-regularization-gradient-without-2",
                  ((A1_SVM, "dW = X.T @ dscores / num_train + 2 * reg * W",
                    "dW = X.T @ dscores / num_train + reg * W"),)))
        + tuple(Bug(b.name, b.changes, ("best_net",)) for b in A1_NET_SEVERE[:1])
        + A1_NET_SEVERE[1:] + A1_NET_MODERATE + A1_NET_HARMLESS
        + (Bug("lr-decay-every-iteration",
               (_decay_every_iteration("net_search", "lr_decay=0.95"),)),)),
    AccuracyCell(
        "linear_svm_on_features", "assignment1", "features", "linear_svm_on_features",
        training_cells=("linear_svm_on_features",), values=None,
        bugs=(Bug(SVM_LABELS_APART.name, SVM_LABELS_APART.changes, ALL),
              Bug(SVM_STEPS_UPHILL.name, SVM_STEPS_UPHILL.changes, ALL),
              SVM_COUNTS_CORRECT)),
    # Not graded: no bound separates the reference from the update rules with a bug
    # (their accuracies overlap in quick mode); the cell only prints the accuracy.
    AccuracyCell(
        "fully_connected_nets", "assignment2", "FullyConnectedNets", None,
        training_cells=("best_model_training",),
        values=(("best_model", "val_accuracy", None),),
        bugs=(
            Bug("adam-without-bias-correction",
                ((A2_OPTIM, "m_hat = m / (1 - beta1 ** t)\n    v_hat = v / (1 - beta2 ** t)",
                  "m_hat = m\n    v_hat = v"),), ALL),
            Bug("adam-first-moment-not-corrected",
                ((A2_OPTIM, "m_hat = m / (1 - beta1 ** t)", "m_hat = m"),),
                note="the demo's planted bug"),
            Bug("adam-moments-not-kept-in-config",
                ((A2_OPTIM, 'config["m"], config["v"], config["t"] = m, v, t',
                  'config["t"] = t'),), ALL),
            Bug("net-does-not-pass-gradient-down",
                ((A2_NET, 'dout, grads[f"W{layer}"], grads[f"b{layer}"] = affine_relu_backward(dout, layer_cache)',
                  '_, grads[f"W{layer}"], grads[f"b{layer}"] = affine_relu_backward(dout, layer_cache)'),),
                ALL),
            Bug("relu_backward-multiplies-by-output",
                ((A2_LAYERS, "dx = dout * (x > 0)", "dx = dout * np.maximum(0, x)"),), ALL),
            Bug("lr-decay-every-iteration",
                (_decay_every_iteration("best_model_training", "lr_decay=pick(0.95, 0.9)"),), ALL),
            Bug("net-no-regularization-gradient",
                ((A2_NET, 'for layer in range(1, L + 1):\n            grads[f"W{layer}"] += self.reg',
                  'for layer in ():\n            grads[f"W{layer}"] += self.reg'),)),
            Bug("kaiming-without-the-factor-2",
                ((A2_NET, "std = np.sqrt(2.0 / fan_in)", "std = np.sqrt(1.0 / fan_in)"),)),
            Bug("dropout-not-scaled",
                ((A2_LAYERS, "mask = ((rng.rand(*x.shape) < p) / p).astype(x.dtype)",
                  "mask = (rng.rand(*x.shape) < p).astype(x.dtype)"),),
                note="quick mode trains without dropout"),
            Bug("batchnorm-batch-statistics-at-test-time",
                ((A2_LAYERS, "out = gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta",
                  "out = gamma * (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + eps) + beta"),),
                note="quick mode trains without batch normalization"),
        )),
)


# -- the worker: runs in a subprocess, in the copied assignment folder ------------------

def _cells(notebook_path):
    with open(notebook_path, encoding="utf-8") as handle:
        cells = json.load(handle)["cells"]
    out = []
    for cell in cells:
        if cell["cell_type"] != "code":
            continue
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        meta = cell.get("metadata", {}).get("nbgrader", {})
        out.append({"id": meta.get("grade_id"), "test": bool(meta.get("grade")), "source": source})
    return out


def _edit(cells, grade_id, old, new):
    """Replace ``old`` by ``new`` in the cell ``grade_id`` (None: the one cell holding it)."""
    matches = [c for c in cells if (c["id"] == grade_id if grade_id else old in c["source"])]
    where = f"cell {grade_id}" if grade_id else "the code cells"
    if len(matches) != 1 or matches[0]["source"].count(old) != 1:
        raise SystemExit(f"{where}: expected {old!r} exactly once")
    matches[0]["source"] = matches[0]["source"].replace(old, new)


def _reseed(source, seed, grade_id):
    if not SEED_CALL.search(source):
        raise SystemExit(f"training cell {grade_id} calls no np.random.seed(<number>): "
                         "its training is not reproducible")
    return SEED_CALL.sub(lambda m: f"np.random.seed({int(m.group(1)) + seed})", source)


def _run_cell(source, namespace, name):
    import matplotlib.pyplot as plt

    try:
        exec(compile(source, f"<cell {name}>", "exec"), namespace)
    finally:
        plt.close("all")


class _RecordAsserts(ast.NodeTransformer):
    """``assert name > number, ...`` becomes ``_record_value("name", name, number)``; any
    other assert becomes ``_record_check(test)``: the cell runs to its end."""

    def visit_Assert(self, node):
        test = node.test
        if (isinstance(test, ast.Compare) and len(test.ops) == 1
                and isinstance(test.ops[0], (ast.Gt, ast.GtE)) and isinstance(test.left, ast.Name)
                and isinstance(test.comparators[0], ast.Constant)
                and isinstance(test.comparators[0].value, (int, float))):
            call = ast.Call(ast.Name("_record_value", ast.Load()),
                            [ast.Constant(test.left.id), test.left, test.comparators[0]], [])
        else:
            call = ast.Call(ast.Name("_record_check", ast.Load()), [test], [])
        return ast.copy_location(ast.Expr(call), node)


def _run_self_contained(source, seed, grade_id):
    tree = ast.fix_missing_locations(_RecordAsserts().visit(ast.parse(_reseed(source, seed, grade_id))))
    values, checks = [], []
    namespace = {"__name__": "__main__",
                 "_record_value": lambda name, value, bound: values.append((name, value, bound)),
                 "_record_check": lambda ok: checks.append(bool(ok))}
    result = {"seed": seed, "errors": [], "values": {}, "thresholds": {}}
    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        try:
            exec(compile(tree, f"<cell {grade_id}>", "exec"), namespace)
        except Exception as exc:  # noqa: BLE001 (a planted bug may break the cell)
            result["errors"].append(f"{type(exc).__name__}: {exc}"[:200])
    result["seconds"] = time.perf_counter() - started
    for number, (name, value, bound) in enumerate(values, 1):
        result["values"][f"{name}#{number}"] = _number(value)
        result["thresholds"][f"{name}#{number}"] = _number(bound)
    result["passed"] = (not result["errors"] and all(checks)
                        and all(v > b for _, v, b in values))
    return result


def run_worker(spec):
    """Execute the notebook of ``spec`` for each seed; print one result line per seed."""
    folder = Path(spec["folder"])
    os.chdir(folder)
    sys.path.insert(0, str(folder))
    warnings.simplefilter("ignore")
    cells = _cells(folder / f"{spec['notebook']}.ipynb")
    for grade_id, old, new in spec["edits"]:
        _edit(cells, grade_id, old, new)
    ids = [c["id"] for c in cells]
    training = spec["training_cells"]
    if spec["grade_id"] is None:
        end = max(ids.index(gid) for gid in training) + 1
        spec["grade_id"] = ids[end]
    else:
        end = ids.index(spec["grade_id"])
    out = sys.stdout
    if spec["values"] is None:
        for seed in spec["seeds"]:
            result = _run_self_contained(cells[end]["source"], seed, spec["grade_id"])
            print(RESULT_MARK + json.dumps(result), file=out, flush=True)
        return
    start = min(ids.index(gid) for gid in training)
    prefix = [c for c in cells[:start] if not c["test"]]
    block = [c for i, c in enumerate(cells[start:end + 1], start) if not c["test"] or i == end]
    namespace = {"__name__": "__main__"}
    prefix_errors = []
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        for number, cell in enumerate(prefix):
            try:
                _run_cell(cell["source"], namespace, cell["id"] or number)
            except Exception as exc:  # noqa: BLE001 (a planted bug may break a cell)
                prefix_errors.append(f"{cell['id'] or number}: {type(exc).__name__}")
    for _, value, threshold in spec["values"]:
        namespace.pop(value, None)
        if threshold:
            namespace.pop(threshold, None)
    for seed in spec["seeds"]:
        state = dict(namespace)
        result = {"seed": seed, "errors": list(prefix_errors), "passed": False}
        started = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            for number, cell in enumerate(block):
                source = cell["source"]
                if cell["id"] in training:
                    source = _reseed(source, seed, cell["id"])
                last = number == len(block) - 1
                try:
                    _run_cell(source, state, cell["id"] or number)
                    result["passed"] = result["passed"] or last
                except Exception as exc:  # noqa: BLE001
                    if not (last and isinstance(exc, AssertionError)):
                        result["errors"].append(f"{cell['id'] or number}: {type(exc).__name__}: {exc}"[:200])
        result["seconds"] = time.perf_counter() - started
        result["values"] = {label: _number(state.get(value)) for label, value, _ in spec["values"]}
        result["thresholds"] = {label: _number(state.get(thr)) if thr else None
                                for label, _, thr in spec["values"]}
        print(RESULT_MARK + json.dumps(result), file=out, flush=True)


def _number(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


# -- the coordinator -------------------------------------------------------------------

def prepare_copy(cell, bug, root):
    """Copy the assignment into ``root`` and plant ``bug``; return (folder, cell edits)."""
    folder = Path(root) / cell.assignment
    shutil.copytree(REPO_ROOT / cell.assignment, folder,
                    ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    edits = []
    for target, old, new in (bug.changes if bug else ()):
        if target.startswith("cell:"):
            edits.append((target[len("cell:"):], old, new))
            continue
        path = folder / target
        text = path.read_text()
        if text.count(old) != 1:
            raise SystemExit(f"bug {bug.name}: expected {old!r} once in {target}, "
                             f"found it {text.count(old)} times; update the bug")
        path.write_text(text.replace(old, new))
    return folder, edits


def measure(cell, bug, seeds, extra_edits, keep=False):
    """One result dict per seed for one variant (bug None: the reference)."""
    root = tempfile.mkdtemp(prefix=f"bench-accuracy-{cell.name}-")
    try:
        folder, edits = prepare_copy(cell, bug, root)
        spec = {"folder": str(folder), "notebook": cell.notebook, "grade_id": cell.grade_id,
                "training_cells": list(cell.training_cells),
                "values": None if cell.values is None else [list(v) for v in cell.values],
                "edits": [list(e) for e in list(extra_edits) + edits], "seeds": list(seeds)}
        env = dict(os.environ, NBGRADER_EXECUTION="autograde", MPLBACKEND="Agg",
                   PYTHONPATH=os.pathsep.join(filter(None, [str(REPO_ROOT),
                                                            os.environ.get("PYTHONPATH")])))
        env.setdefault("COURSE_DATASET", "generated")
        for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            env.setdefault(variable, "1")
        proc = subprocess.run([sys.executable, "-m", "benchmarks.bench_accuracy_cells",
                               "--worker", json.dumps(spec)],
                              cwd=folder, env=env, capture_output=True, text=True)
        results = [json.loads(line[len(RESULT_MARK):]) for line in proc.stdout.splitlines()
                   if line.startswith(RESULT_MARK)]
        if proc.returncode != 0 or len(results) != len(seeds):
            raise SystemExit(f"{cell.name} / {bug.name if bug else 'reference'}: the run failed\n"
                             f"{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}")
        return results
    finally:
        if keep:
            print(f"  kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)


def summarize(cell, variant, bug, results):
    """Table rows for one variant: one per value of the cell."""
    passes = f"{sum(r['passed'] for r in results)}/{len(results)}"
    labels = list(dict.fromkeys(label for r in results for label in r["values"]))
    rows = []
    for label in labels:
        expect = bug.expect(label) if bug else "pass"
        values = [r["values"].get(label) for r in results]
        missing = sum(v is None for v in values)
        measured = sorted(v for v in values if v is not None)
        thresholds = {r["thresholds"].get(label) for r in results} - {None}
        threshold = thresholds.pop() if len(thresholds) == 1 else None
        row = dict(cell=f"{cell.name}.{label}", variant=variant, expect=expect, low=None,
                   median=None, high=None, sd=0.0, threshold=threshold, missing=missing,
                   passes=passes)
        if measured:
            row.update(low=measured[0], median=statistics.median(measured), high=measured[-1],
                       sd=statistics.stdev(measured) if len(measured) > 1 else 0.0)
        if threshold is None:
            row.update(gap=None, ok=True, verdict="not graded")
            rows.append(row)
            continue
        if expect == "fail":
            # A run that produced no value (the training crashed) fails the cell too.
            row["gap"] = threshold - row["high"] if measured else float("inf")
        else:
            row["gap"] = row["low"] - threshold if measured and not missing else float("-inf")
        row["ok"] = row["gap"] >= max(MIN_GAP, 2 * row["sd"])
        row["verdict"] = "ok" if row["ok"] else "NOT CLEAN"
        rows.append(row)
    return rows


def _fmt(value):
    return "-" if value is None else f"{value:.3f}"


def _fmt_gap(gap):
    if gap is None:
        return "-"
    return "no value" if abs(gap) == float("inf") else f"{gap:+.3f}"


def print_table(rows):
    from benchmarks import format_table

    header = ["cell", "variant", "expect", "min", "median", "max", "sd", "threshold",
              "gap", "no value", "cell passes", "verdict"]
    table = [[r["cell"], r["variant"], r["expect"], _fmt(r["low"]), _fmt(r["median"]),
              _fmt(r["high"]), f"{r['sd']:.3f}", _fmt(r["threshold"]),
              _fmt_gap(r["gap"]), str(r["missing"]), r["passes"], r["verdict"]] for r in rows]
    print(format_table(header, table))


def separation(rows):
    """Per value: the lowest seed that must pass, the highest seed that must fail."""
    lines = []
    for name in dict.fromkeys(r["cell"] for r in rows):
        group = [r for r in rows if r["cell"] == name]
        must_pass = [r["low"] for r in group if r["expect"] == "pass" and r["low"] is not None]
        must_fail = [r["high"] for r in group if r["expect"] == "fail" and r["high"] is not None]
        if not must_pass:
            continue
        line = f"{name}: lowest seed that must pass {min(must_pass):.3f}"
        if must_fail:
            low, high = min(must_pass), max(must_fail)
            line += f", highest seed that must fail {high:.3f}, " + (
                f"midpoint {(low + high) / 2:.3f}" if low > high else "they overlap: no bound separates them")
        lines.append(line)
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks accuracy_cells",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20, help="training seeds per variant")
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--cells", nargs="+", choices=[c.name for c in CELLS],
                        default=[c.name for c in CELLS])
    parser.add_argument("--variants", nargs="+", metavar="NAME",
                        help="only these variants ('reference' or bug names)")
    parser.add_argument("--edit", nargs=2, action="append", default=[], metavar=("OLD", "NEW"),
                        help="replace OLD by NEW in the one code cell of the notebook that "
                             "holds it, in every copy (repeatable; use with --cells)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary copies")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        run_worker(json.loads(args.worker))
        return 0
    if args.seeds < 2:
        parser.error("--seeds must be at least 2")
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    print(f"Accuracy cells in quick mode, seeds {seeds.start}..{seeds.stop - 1}; "
          f"load average {os.getloadavg()[0]:.1f}")
    rows = []
    for cell in CELLS:
        if cell.name not in args.cells:
            continue
        extra = [(None, old, new) for old, new in args.edit]
        for name, bug in [("reference", None)] + [(b.name, b) for b in cell.bugs]:
            if args.variants and name not in args.variants:
                continue
            started = time.perf_counter()
            results = measure(cell, bug, seeds, extra, keep=args.keep)
            new = summarize(cell, name, bug, results)
            rows += new
            print(f"  {cell.name} / {name}: "
                  + ", ".join(f"{r['cell'].split('.', 1)[1]} {_fmt(r['low'])}..{_fmt(r['high'])}"
                              for r in new)
                  + f"  ({statistics.mean(r['seconds'] for r in results):.1f} s a seed, "
                    f"{time.perf_counter() - started:.0f} s)", flush=True)
    print()
    print_table(rows)
    print()
    for line in separation(rows):
        print(line)
    return 0 if all(r["ok"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
