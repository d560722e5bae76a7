# Two commands on a fresh machine:  `make demo` (the whole course cycle) and `make test`.
# Every target creates or reuses the virtual environment in .venv first.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
ASSIGNMENT ?= assignment1
SUBMISSIONS ?= submissions
GRADE_OPTIONS ?=
GRADES_OPTIONS ?=
# The lock: exact versions of every package, for Python 3.11 on Linux (`make lock`).
LOCK   := requirements-lock.txt
UV_VERSION ?= 0.13.8
LOCK_OPTIONS ?=
LATEST_VENV ?= .venv-latest
PYTEST_ARGS ?=
MATRIX_OPTIONS ?=

.PHONY: help venv demo test test-quick release autograde feedback grades validate data benchmarks clean lock test-latest numeric-matrix

help:
	@echo "make demo        release, three simulated submissions, autograde, grade table"
	@echo "make test        the full test suite (about 30 minutes)"
	@echo "make test-quick  the tests that do not execute notebooks"
	@echo "make release     write release/<assignment>/, one student repository per assignment"
	@echo "make autograde ASSIGNMENT=assignment1 SUBMISSIONS=dir   grade a folder of zips"
	@echo "                GRADE_OPTIONS=\"--workers 8 --dask ADDR --db URL --regrade\"  (optional)"
	@echo "make feedback ASSIGNMENT=assignment1   after hand grading: final feedback, reports, grade table"
	@echo "make grades ASSIGNMENT=assignment1     the grade table; GRADES_OPTIONS=\"--canvas FILE --roster EXPORT\""
	@echo "make validate ASSIGNMENT=assignment1   check your notebooks before handing in"
	@echo "make data        generate the small offline datasets (images, captions)"
	@echo "make benchmarks  run the benchmarks"
	@echo "make lock        regenerate requirements-lock.txt (LOCK_OPTIONS=--upgrade to bump every pin)"
	@echo "make test-latest the suite in $(LATEST_VENV), with the newest versions the ranges allow"
	@echo "make numeric-matrix  the numeric tests under other BLAS kernels, CPU features and numpy versions"

$(STAMP): $(LOCK) requirements.txt requirements-instructor.txt pyproject.toml setup.py cs_utils/_im2col_cython.pyx
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c $(LOCK) -r requirements-instructor.txt
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(PY) -m cs_utils.instructor demo

test: $(STAMP)
	$(PY) -m pytest

test-quick: $(STAMP)
	$(PY) -m pytest -m "not slow"

release: $(STAMP)
	$(PY) -m cs_utils.instructor release

autograde: $(STAMP)
	$(PY) -m cs_utils.instructor autograde $(ASSIGNMENT) $(SUBMISSIONS) $(GRADE_OPTIONS)

feedback: $(STAMP)
	$(PY) -m cs_utils.instructor feedback $(ASSIGNMENT)

grades: $(STAMP)
	$(PY) -m cs_utils.instructor grades $(ASSIGNMENT) $(GRADES_OPTIONS)

validate: $(STAMP)
	cd $(ASSIGNMENT) && $(abspath $(PY)) -m nbgrader validate *.ipynb

data: $(STAMP)
	$(PY) -m cs_utils.synthetic
	$(PY) -m cs_utils.synthetic_captions

benchmarks: $(STAMP)
	$(PY) -m benchmarks

# Resolves the ranges of requirements-instructor.txt (and the matrix script's own
# requirement) to exact versions with uv, for Python 3.11 on Linux whatever runs it.
# Needs only a Python with uv, not the installed environment (whose install reads the lock).
lock:
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet "uv==$(UV_VERSION)"
	$(VENV)/bin/uv pip compile requirements-instructor.txt scripts/requirements-numeric-matrix.txt \
		--python-version 3.11 --python-platform linux --no-emit-package cs-utils \
		--custom-compile-command "make lock" --output-file $(LOCK) --quiet $(LOCK_OPTIONS)

# No lock here: every package at the newest version the ranges allow.
test-latest:
	test -x $(LATEST_VENV)/bin/python || $(PYTHON) -m venv $(LATEST_VENV)
	$(LATEST_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(LATEST_VENV)/bin/python -m pip install --quiet --upgrade --upgrade-strategy eager -r requirements-instructor.txt
	$(LATEST_VENV)/bin/python -m pip freeze --exclude-editable | grep -i -E '^(numpy|matplotlib|nbgrader|dask)=='
	$(LATEST_VENV)/bin/python -m pytest $(PYTEST_ARGS)

# Builds its own throw-away environments from the lock (under /tmp); see the script.
numeric-matrix:
	$(PYTHON) scripts/numeric_matrix.py $(MATRIX_OPTIONS)

clean:
	rm -rf release grading demo .pytest_cache
