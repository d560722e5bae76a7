# Two commands on a fresh machine:  `make demo` (the whole course cycle) and `make test`.
# Every target creates or reuses the virtual environment in .venv first.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
ASSIGNMENT ?= assignment1
SUBMISSIONS ?= submissions
GRADE_OPTIONS ?=

.PHONY: help venv demo test test-quick release autograde validate data benchmarks clean

help:
	@echo "make demo        release, three simulated submissions, autograde, grade table"
	@echo "make test        the full test suite (about 15 minutes)"
	@echo "make test-quick  the tests that do not execute notebooks"
	@echo "make release     write release/, the student copy of the repository"
	@echo "make autograde ASSIGNMENT=assignment1 SUBMISSIONS=dir   grade a folder of zips"
	@echo "                GRADE_OPTIONS=\"--workers 8 --dask ADDR --db URL --regrade\"  (optional)"
	@echo "make validate ASSIGNMENT=assignment1   check your notebooks before handing in"
	@echo "make data        generate the small offline datasets (images, captions)"
	@echo "make benchmarks  run the benchmarks"

$(STAMP): requirements.txt requirements-instructor.txt pyproject.toml setup.py cs_utils/_im2col_cython.pyx
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-instructor.txt
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

validate: $(STAMP)
	cd $(ASSIGNMENT) && $(abspath $(PY)) -m nbgrader validate *.ipynb

data: $(STAMP)
	$(PY) -m cs_utils.synthetic
	$(PY) -m cs_utils.synthetic_captions

benchmarks: $(STAMP)
	$(PY) -m benchmarks

clean:
	rm -rf release grading demo .pytest_cache
