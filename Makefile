# Two commands for a newcomer: `make demo` and `make test`. Everything else is set up on demand.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.stamp-install
QM := resources/translations/console_zh_CN.qm
TS := resources/translations/console_zh_CN.ts
DEMO_PORT ?= 8765

.PHONY: demo test setup system-packages lint unit integration ui bench translations translations-update clean

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

translations: $(QM)

translations-update: $(STAMP)
	$(PY) resources/translations/update.py
	$(VENV)/bin/pyside6-lrelease -silent $(TS) -qm $(QM)

demo: setup
	@$(PY) installer/run_demo.py --port $(DEMO_PORT)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

test: setup lint
	QT_QPA_PLATFORM=offscreen $(VENV)/bin/pytest -q

bench: setup
	$(PY) bench/alert_latency.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache $(QM)

schemas: $(STAMP)
	$(PY) -m console.protocol.schema docs/schema
