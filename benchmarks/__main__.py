"""Run the benchmarks: ``python -m benchmarks`` (all) or ``python -m benchmarks NAME [options]``.

NAME is a module ``bench_NAME.py`` of this package; options after it go to that
benchmark (``python -m benchmarks conv --help`` lists them). Benchmarks are measured
on demand, never in the test suite. ``conv``: naive vs fast conv and pooling layers;
``autograde``: submissions graded per minute with 1, 2 and all workers (minutes);
``accuracy_cells``: each accuracy cell's value over 20 training seeds in quick mode, for
the reference and planted bugs, against its threshold (about 45 minutes on 2 cores).
"""

import importlib
import pkgutil
import sys
from pathlib import Path


def available():
    """Names of the benchmarks: the bench_*.py modules beside this file, sorted."""
    folder = Path(__file__).resolve().parent
    return sorted(m.name[len("bench_"):] for m in pkgutil.iter_modules([str(folder)])
                  if m.name.startswith("bench_"))


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    names = available()
    if argv and argv[0] in ("-h", "--help"):
        print(__doc__.strip())
        print(f"\nbenchmarks: {', '.join(names)}")
        return 0
    if argv and not argv[0].startswith("-"):
        name, options = argv[0], argv[1:]
        if name not in names:
            print(f"unknown benchmark {name!r}; known: {', '.join(names)}", file=sys.stderr)
            return 2
        selected = [name]
    else:
        selected, options = names, argv
    status = 0
    for name in selected:
        module = importlib.import_module(f"benchmarks.bench_{name}")
        status = module.main(options) or status
    return status


if __name__ == "__main__":
    sys.exit(main())
