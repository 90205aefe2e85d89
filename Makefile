# The micrograd exercise kit. Every target uses the virtual environment in .venv,
# which `make setup` creates (and any target creates on first use).

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
# nbgrader shells out to alembic, found on PATH.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

exercise ?=
force ?=

.PHONY: setup check test test-fast stubs bench clean nbgrader gradescope release

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	@# The kit runs from this folder (python -m grader ...); only its dependencies are installed.
	$(PY) -c 'import tomllib; p = tomllib.load(open("pyproject.toml", "rb"))["project"]; \
	    print("\n".join(p["dependencies"] + sum(p["optional-dependencies"].values(), [])))' \
	    > $(VENV)/requirements.txt
	$(PY) -m pip install --quiet -r $(VENV)/requirements.txt
	@command -v dot >/dev/null || echo "note: the graphviz 'dot' binary is missing (Debian: apt-get install -y graphviz)"
	touch $@

setup: $(VENV)/.installed

# The text report in the terminal; its HTML twin (graphs, training curves) in build/report.html.
# A short score is feedback, not a failure of make: only usage or internal errors (status 2) fail.
check: $(VENV)/.installed
	@$(PY) -m grader check $(exercise) --html build/report.html; test $$? -le 1

test: $(VENV)/.installed
	$(PY) -m pytest

test-fast: $(VENV)/.installed
	$(PY) -m pytest -m "not slow"

# force=1 overwrites files edited since the last run, after copying them to .stubs-backup/<time>/.
stubs: $(VENV)/.installed
	$(PY) -m grader stubs $(if $(filter 1 yes true,$(force)),--force)

# The nbgrader course in build/nbgrader/ (assignment "micrograd", release generated).
nbgrader: $(VENV)/.installed
	$(PY) -m grader nbgrader

bench: $(VENV)/.installed
	$(PY) bench/run.py

.PHONY: demo
demo: $(VENV)/.installed
	$(VENV)/bin/streamlit run demo/app.py --browser.gatherUsageStats false --client.toolbarMode minimal

clean:
	rm -rf build .pytest_cache .hypothesis

# micrograd in C: the reference run's twin, build/micrograd-c. -ffp-contract=off keeps the
# compiler from fusing a * b + c into one rounding: the numbers must be Python's, bit for bit.
# C_BUILD moves the outputs (the tests build into a temporary folder).
C_BUILD  ?= build
C_CFLAGS := -std=c11 -O2 -Wall -Wextra -ffp-contract=off

.PHONY: c

c: $(C_BUILD)/micrograd-c

C_LIB := c/micrograd.c c/float_repr.c
C_HEADERS := c/micrograd.h c/float_repr.h

$(C_BUILD)/micrograd-c: c/train.c $(C_LIB) $(C_HEADERS)
	@mkdir -p $(@D)
	$(CC) $(C_CFLAGS) -o $@ c/train.c $(C_LIB) -lm

# the engine and float_repr against micrograd_ref and Python's repr (tests/test_c.py)
$(C_BUILD)/engine-check: c/engine_check.c $(C_LIB) $(C_HEADERS)
	@mkdir -p $(@D)
	$(CC) $(C_CFLAGS) -o $@ c/engine_check.c $(C_LIB) -lm

$(C_BUILD)/float-repr-check: c/float_repr_check.c c/float_repr.c c/float_repr.h
	@mkdir -p $(@D)
	$(CC) $(C_CFLAGS) -o $@ c/float_repr_check.c c/float_repr.c

# The Gradescope autograder: build/gradescope/autograder.zip (needs PyTorch here, not in the container).
gradescope: $(VENV)/.installed
	$(PY) -m grader gradescope

# The student kit: build/student/ (exercises, grader, precomputed expectations; no answer code).
release: $(VENV)/.installed
	$(PY) -m grader release
