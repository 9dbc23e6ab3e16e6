# PA Planner: `make run` starts everything, `make test` checks everything.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test test-fast test-browser lint format migrate demo messages bench vendor clean

$(STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e ".[dev]"
	@touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo --if-empty
	@echo
	@echo "PA Planner: http://127.0.0.1:8000/"
	@echo "Demo users (password 'demo'): redattore (Redazione), approvatore (Approvatori), amministratore (Amministratori)"
	@echo "Ctrl-C stops the web server, the Celery worker and beat."
	@echo
	exec $(VENV)/bin/honcho start -f Procfile

migrate: $(STAMP)
	$(PY) manage.py migrate --noinput

demo: $(STAMP)
	$(PY) manage.py load_demo

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

messages: $(STAMP)
	$(PY) manage.py makemessages -l it -l en --ignore=.venv --ignore=var --ignore=static/vendor
	$(PY) manage.py compilemessages --ignore=.venv

# The whole suite: lint, migrations, unit, integration, system (real Celery) and browser tests.
# Everything but the system tests runs on TEST_WORKERS processes (pytest-xdist: one per core);
# the system tests, which time real worker and beat processes, run after them one at a time.
# BROWSER_TESTS=no leaves the browser out (.ci/run's second database, see there). A pytest run
# that selects no test (exit code 5, e.g. PYTEST_ARGS=tests/planning for the system part) passes.
TEST_WORKERS ?= 2
BROWSER_TESTS ?= yes
WITHOUT_BROWSER := $(if $(filter no,$(BROWSER_TESTS)), and not browser,)
test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	PA_PLANNER_VAR_DIR=$${PA_PLANNER_VAR_DIR:-var/test} $(PY) manage.py makemigrations --check --dry-run
	$(if $(WITHOUT_BROWSER),,bash scripts/ensure-browser.sh)
	$(PY) -m pytest -n $(TEST_WORKERS) -m "not system$(WITHOUT_BROWSER)" $(PYTEST_ARGS) || [ $$? -eq 5 ]
	$(PY) -m pytest -m "system$(WITHOUT_BROWSER)" $(PYTEST_ARGS) || [ $$? -eq 5 ]

# Without the browser and the real-process tests: the quick loop while coding.
test-fast: $(STAMP)
	$(PY) -m pytest -n $(TEST_WORKERS) -m "not browser and not system" $(PYTEST_ARGS)

test-browser: $(STAMP)
	bash scripts/ensure-browser.sh
	$(PY) -m pytest -m browser $(PYTEST_ARGS)

bench: $(STAMP)
	@for script in bench/bench_*.py; do echo "== $$script"; $(PY) $$script || exit 1; done

vendor:
	bash scripts/vendor-refresh.sh

clean:
	rm -rf var/test test-artifacts
