# Two commands for a newcomer: `make demo` and `make test`. Everything else is set up on demand.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.stamp-install
QM := resources/translations/console_zh_CN.qm
TS := resources/translations/console_zh_CN.ts
DEMO_PORT ?= 8765

.PHONY: demo test setup system-packages lint unit integration ui bench translations translations-update clean package package-test

setup: system-packages $(STAMP) $(QM)

system-packages:
	@bash installer/system-packages.sh

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	@touch $@

$(QM): $(TS) | $(STAMP)
	$(VENV)/bin/pyside6-lrelease -silent $(TS) -qm $(QM)

# The .ts is the source of truth: translate it in Qt Linguist (pyside6-linguist $(TS)).
translations: $(QM)

# After adding or changing strings: pyside6-lupdate merges them into the .ts (keeping every
# translation), pyside6-lrelease rebuilds the .qm, and each zh_CN message left to translate is
# listed (exit 1 while any is).
translations-update: $(STAMP)
	$(PY) resources/translations/update.py

demo: setup
	@$(PY) installer/run_demo.py --port $(DEMO_PORT)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

# The whole suite, including tests/package against a freshly built bundle and .deb.
test: setup lint package
	QT_QPA_PLATFORM=offscreen $(VENV)/bin/pytest -q

bench: setup
	$(PY) bench/alert_latency.py

# The Linux package: PyInstaller one-folder bundle + .deb in build/package/ (installer/README.md).
# PyInstaller comes from the `package` extra, installed into .venv on first use.
PKG_STAMP := $(VENV)/.stamp-package
$(PKG_STAMP): pyproject.toml | $(STAMP)
	$(PY) -m pip install -q -e '.[test,package]'
	@touch $@

package: setup $(PKG_STAMP)
	$(PY) installer/build_package.py

# Launches the built bundle against a real backend and checks the .deb (`make test` builds the
# package and runs these with everything else).
package-test: package
	QT_QPA_PLATFORM=offscreen $(VENV)/bin/pytest -q tests/package -p no:cacheprovider

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache $(QM)

schemas: $(STAMP)
	$(PY) -m console.protocol.schema docs/schema
