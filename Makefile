# govsim — two set-up commands: `make demo` and `make test`.
# Both create .venv with a Python >= 3.12 if it is missing and install the project.

VENV   := .venv
VPY    := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test bench docs dashboard clean-venv

# Find an interpreter that really runs and is >= 3.12: $PYTHON first, then the
# usual names, then every pyenv-installed version (pyenv shims may exist but fail).
find_python = $(shell sh ./.ci/find-python)

$(VPY):
	@PY="$(find_python)"; \
	if [ -z "$$PY" ]; then echo "govsim needs Python >= 3.12: set PYTHON=/path/to/python3.12" >&2; exit 1; fi; \
	echo "creating $(VENV) with $$PY"; "$$PY" -m venv $(VENV)

$(STAMP): $(VPY) pyproject.toml
	$(VPY) -m pip install --quiet --upgrade pip
	$(VPY) -m pip install --quiet -e ".[test]"
	@touch $(STAMP)

# The standard policy comparison at a reduced size (4 paired replications, 180 days).
demo: $(STAMP)
	$(VENV)/bin/govsim experiment experiments/policy_comparison.toml --reps 4 --days 180 --out results/demo
	@echo "open results/demo/report.md (中文: add --lang zh)"

# The workshop dashboard on http://127.0.0.1:8765 (Chinese first; a toggle switches to English).
dashboard: $(STAMP)
	$(VENV)/bin/govsim dashboard scenarios/workshop.toml --lang zh

test: $(STAMP)
	$(VPY) -m pytest -q

bench: $(STAMP)
	$(VPY) benchmarks/run_all.py

docs: $(STAMP)
	$(VPY) -m sim.docs

clean-venv:
	rm -rf $(VENV)
