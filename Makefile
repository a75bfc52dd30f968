# The two commands of the README:
#   make lab    set up .venv if needed, then open the series in JupyterLab (127.0.0.1, token on)
#   make test   set up .venv if needed, then run every test: unit, property, strict nbval, strict
#               nbval again at baseline vector code (make test-baseline), ruff
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LAB_PORT ?= 8888
# make lab LAB_LANGUAGE=zh_CN: JupyterLab's menus in Chinese (jupyterlab-language-pack-zh-CN), set
# in a settings folder of this checkout's own, so that the user's JupyterLab settings stay as they are.
LAB_LANGUAGE ?=
LAB_SETTINGS := $(VENV)/lab-settings/$(LAB_LANGUAGE)
# As root, jupyter refuses to start without --allow-root (containers, Binder-like machines).
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: lab test test-baseline lint execute lock clean chromium web-assets slides html student \
	translations translations-check

# Vendored JavaScript of `make slides`/`make html` (pinned in tools/web/package-lock.json).
WEB := build/web
WEB_STAMP := $(WEB)/node_modules/.installed

# The stamp is newer than the files it installs from, so a second run installs nothing.
$(STAMP): requirements.txt constraints.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check pip==26.3
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $(STAMP)

lab: $(STAMP)
ifneq ($(LAB_LANGUAGE),)
	mkdir -p $(LAB_SETTINGS)/@jupyterlab/translation-extension
	printf '{"locale": "%s"}\n' '$(LAB_LANGUAGE)' \
		> $(LAB_SETTINGS)/@jupyterlab/translation-extension/plugin.jupyterlab-settings
	JUPYTERLAB_SETTINGS_DIR=$(LAB_SETTINGS) $(BIN)/jupyter lab --no-browser --ip=127.0.0.1 \
		--port=$(LAB_PORT) --ServerApp.root_dir=notebooks $(ALLOW_ROOT)
else
	$(BIN)/jupyter lab --no-browser --ip=127.0.0.1 --port=$(LAB_PORT) \
		--ServerApp.root_dir=notebooks $(ALLOW_ROOT)
endif

test: $(STAMP) $(WEB_STAMP) chromium
	$(BIN)/python -m tools.translations check
	@echo "Browser tests: screenshots go to artifacts/browser/"
	$(BIN)/python -m pytest
	$(BIN)/python -m tools.baseline_nbval
	$(BIN)/ruff check .

# Strict nbval over the notebooks once more, with NumPy and PyTorch at their baseline vector code
# (ATEN_CPU_CAPABILITY=default, NPY_DISABLE_CPU_FEATURES computed for this CPU): a stored output
# that depends on this CPU's vector kernels fails here, before it lands. CONTRIBUTING.md says more.
test-baseline: $(STAMP)
	$(BIN)/python -m tools.baseline_nbval

lint: $(STAMP)
	$(BIN)/ruff check .

# Re-run every notebook in a fresh kernel and store its outputs (after editing a notebook).
execute: $(STAMP)
	$(BIN)/python tools/execute_notebooks.py notebooks/*.ipynb
	$(BIN)/python -m tools.translations build

# The Chinese edition (notebooks/zh/): build it from the English notebooks and translations/zh/,
# or check that every translation is current and notebooks/zh/ is what they build (make test does).
translations: $(STAMP)
	$(BIN)/python -m tools.translations build

translations-check: $(STAMP)
	$(BIN)/python -m tools.translations check

# Regenerate the transitive lock from the current .venv.
lock: $(STAMP)
	$(BIN)/python -m pip freeze --exclude-editable | grep -viE '^(pip|setuptools|wheel)==' \
		| sed 's/+cpu$$//' > constraints.body
	{ sed -n '1,3p' constraints.txt; cat constraints.body; } > constraints.new
	mv constraints.new constraints.txt; rm constraints.body

# The browser tests (tests/browser) drive Debian's Chromium; as root it is installed here, with
# Debian's CJK fonts so that the screenshots show the documents' Chinese quotes, not empty boxes.
chromium:
	@{ command -v chromium && dpkg -s fonts-noto-cjk; } >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium fonts-noto-cjk; \
	  else \
	    echo "Chromium or its CJK fonts are missing. Install them:" \
	         "sudo apt-get update && sudo apt-get install -y chromium fonts-noto-cjk" >&2; \
	    exit 1; \
	  fi; }

# npm ci of the pinned lock into build/web; a second run installs nothing.
$(WEB_STAMP): tools/web/package.json tools/web/package-lock.json
	@command -v npm >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y nodejs npm; \
	  else \
	    echo "npm is missing. Install it: sudo apt-get install -y nodejs npm" >&2; exit 1; \
	  fi; }
	mkdir -p $(WEB)
	cp tools/web/package.json tools/web/package-lock.json $(WEB)/
	cd $(WEB) && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $(WEB_STAMP)

web-assets: $(WEB_STAMP)

# reveal.js slides of every notebook (tools/slides.py sets the slide types), offline.
slides: $(STAMP) $(WEB_STAMP)
	$(BIN)/python -m tools.slides --out build/slides

# A static HTML site of the executed notebooks with an index page, offline.
html: $(STAMP) $(WEB_STAMP)
	$(BIN)/python -m tools.build_site --out build/site

# The student edition: every notebook without its solutions, exercise outputs cleared (tools/student.py).
student: $(STAMP)
	$(BIN)/python -m tools.student --out build/student

clean:
	rm -rf $(VENV) .hypothesis .pytest_cache .ruff_cache *.egg-info build artifacts
