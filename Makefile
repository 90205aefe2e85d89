# The micrograd exercise kit. Every target uses the virtual environment in .venv,
# which `make setup` creates (and any target creates on first use).

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
# nbgrader shells out to alembic, found on PATH.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

exercise ?=
force ?=

.PHONY: setup check test test-fast stubs bench clean gradescope release

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

check: $(VENV)/.installed
	$(PY) -m grader check $(exercise)

test: $(VENV)/.installed
	$(PY) -m pytest

test-fast: $(VENV)/.installed
	$(PY) -m pytest -m "not slow"

# force=1 overwrites files edited since the last run, after copying them to .stubs-backup/<time>/.
stubs: $(VENV)/.installed
	$(PY) -m grader stubs $(if $(filter 1 yes true,$(force)),--force)

bench: $(VENV)/.installed
	$(PY) bench/run.py

clean:
	rm -rf build .pytest_cache .hypothesis

# The Gradescope autograder: build/gradescope/autograder.zip (needs PyTorch here, not in the container).
gradescope: $(VENV)/.installed
	$(PY) -m grader gradescope

# The student kit: build/student/ (exercises, grader, precomputed expectations; no answer code).
release: $(VENV)/.installed
	$(PY) -m grader release
