# The two commands of the README:
#   make lab    set up .venv if needed, then open the series in JupyterLab (127.0.0.1, token on)
#   make test   set up .venv if needed, then run every test: unit, property, strict nbval, ruff
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LAB_PORT ?= 8888
# As root, jupyter refuses to start without --allow-root (containers, Binder-like machines).
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: lab test lint execute lock clean

# The stamp is newer than the files it installs from, so a second run installs nothing.
$(STAMP): requirements.txt constraints.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check pip==26.3
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $(STAMP)

lab: $(STAMP)
	$(BIN)/jupyter lab --no-browser --ip=127.0.0.1 --port=$(LAB_PORT) \
		--ServerApp.root_dir=notebooks $(ALLOW_ROOT)

test: $(STAMP)
	$(BIN)/python -m pytest
	$(BIN)/ruff check .

lint: $(STAMP)
	$(BIN)/ruff check .

# Re-run every notebook in a fresh kernel and store its outputs (after editing a notebook).
execute: $(STAMP)
	$(BIN)/python tools/execute_notebooks.py notebooks/*.ipynb

# Regenerate the transitive lock from the current .venv.
lock: $(STAMP)
	$(BIN)/python -m pip freeze --exclude-editable | grep -viE '^(pip|setuptools|wheel)==' \
		| sed 's/+cpu$$//' > constraints.body
	{ sed -n '1,3p' constraints.txt; cat constraints.body; } > constraints.new
	mv constraints.new constraints.txt; rm constraints.body

clean:
	rm -rf $(VENV) .hypothesis .pytest_cache .ruff_cache *.egg-info
