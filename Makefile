# The micrograd exercise kit. Every target uses the virtual environment in .venv, which the
# first target to need it creates; each target installs the dependency groups it uses (from
# pyproject.toml) on first use, so `make check` installs only what grading needs.
# `make setup` installs everything, the system programs included.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
# nbgrader shells out to alembic, found on PATH.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
# graphviz's dot, Chromium, bubblewrap, valgrind, unzip: installed where possible, else the command is printed
SYSTEM_PACKAGES := tools/system-packages

exercise ?=
force ?=

.PHONY: setup system-packages check test test-fast stubs bench clean nbgrader gradescope release

$(PY):
	$(PYTHON) -m venv $(VENV)

# .venv/.installed-GROUP: the group's requirements are installed, with the project's own (base),
# in one pip run. Bytecode is compiled on first import rather than here: a quicker first `make check`.
$(VENV)/.installed-%: pyproject.toml tools/requirements.py | $(PY)
	$(PY) tools/requirements.py base $* > $(VENV)/requirements-$*.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-compile -r $(VENV)/requirements-$*.txt
	@touch $@

# Read only when `setup` is asked for: starting an interpreter to read them would cost every other
# target, `make check` included, a few tenths of a second (more behind a pyenv shim).
ifneq ($(filter setup,$(MAKECMDGOALS)),)
GROUPS := $(shell $(PYTHON) tools/requirements.py --groups)
endif

setup: system-packages $(addprefix $(VENV)/.installed-,$(GROUPS))

system-packages:
	@$(SYSTEM_PACKAGES) dot chromium bwrap valgrind unzip

# The text report in the terminal; its HTML twin (graphs, training curves) in build/report.html.
# A short score is feedback, not a failure of make: only usage or internal errors (status 2) fail.
check: $(VENV)/.installed-plots
	@$(SYSTEM_PACKAGES) dot
	@$(PY) -m grader check $(exercise) --html build/report.html; test $$? -le 1

# pytest's status goes to make as it is: 5 (no test collected) fails like a failing test
test: $(VENV)/.installed-test
	@$(SYSTEM_PACKAGES) dot chromium bwrap valgrind unzip
	$(PY) -m pytest

test-fast: $(VENV)/.installed-test
	@$(SYSTEM_PACKAGES) dot chromium bwrap valgrind unzip
	$(PY) -m pytest -m "not slow"

# force=1 overwrites files edited since the last run, after copying them to .stubs-backup/<time>/.
stubs: $(VENV)/.installed-base
	$(PY) -m grader stubs $(if $(filter 1 yes true,$(force)),--force)

# The nbgrader course in build/nbgrader/ (assignment "micrograd", release generated). PyTorch
# too: autograde checks the hidden cases' expected values against it, live.
nbgrader: $(VENV)/.installed-nbgrader $(VENV)/.installed-torch
	@$(SYSTEM_PACKAGES) bwrap
	$(PY) -m grader nbgrader

bench: $(VENV)/.installed-bench
	@$(SYSTEM_PACKAGES) dot bwrap
	$(PY) bench/run.py

.PHONY: demo
demo: $(VENV)/.installed-demo
	$(VENV)/bin/streamlit run demo/server.py --browser.gatherUsageStats false --client.toolbarMode minimal

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
gradescope: $(VENV)/.installed-torch
	$(PY) -m grader gradescope

# The student kit: build/student/ (exercises, grader, precomputed expectations; no answer code).
release: $(VENV)/.installed-base
	$(PY) -m grader release
