# Xã Số — the two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV        := .venv
VENV_RASA   := .venv-rasa
PY          := $(VENV)/bin/python
PY_RASA     := $(VENV_RASA)/bin/python
XASO        := $(VENV)/bin/xaso
CHROMIUM    ?= /usr/bin/chromium
PIP_FLAGS   := --disable-pip-version-check -q
# Gateway-side test workers (pytest-xdist): its tests mostly wait on databases and processes, so two workers on two
# cores finish in about half the time; TEST_WORKERS=0 runs them in this process (a debugger, -x, -k).
TEST_WORKERS ?= 2
XDIST       := -n $(TEST_WORKERS) --dist loadgroup --no-loadscope-reorder

.PHONY: help run run-cluster test test-fast test-gateway test-rasa coverage train model-for-tests lint format bench venvs browser clean audit

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

venvs: $(VENV)/.installed $(VENV_RASA)/.installed

$(VENV)/.installed: requirements/app.in requirements/dev.in requirements/app.lock.txt pyproject.toml
	@echo "==> Môi trường .venv (Python >= 3.11): cài thư viện cho cổng API, kênh, phát thanh, kiểm thử"
	@test -x $(PY) || "$$(scripts/find-python.sh 3.11)" -m venv $(VENV)
	$(PY) -m pip install $(PIP_FLAGS) -r requirements/app.in -r requirements/dev.in -c requirements/app.lock.txt
	$(PY) -m pip install $(PIP_FLAGS) --no-deps -e .
	@touch $@

$(VENV_RASA)/.installed: requirements/rasa.in requirements/rasa-dev.in requirements/rasa.lock.txt
	@echo "==> Môi trường .venv-rasa (Python 3.10): Rasa 3.6, underthesea, máy chủ action (~2 phút lần đầu)"
	@test -x $(PY_RASA) || "$$(scripts/find-python.sh 3.10)" -m venv $(VENV_RASA)
	$(PY_RASA) -m pip install $(PIP_FLAGS) -r requirements/rasa.in -r requirements/rasa-dev.in -c requirements/rasa.lock.txt
	@touch $@

browser: ## install Debian's Chromium for the browser tests (needs root or sudo)
	@if [ ! -x "$(CHROMIUM)" ]; then \
	  echo "==> Cài Chromium (Debian) cho kiểm thử trình duyệt"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; \
	fi

train: venvs ## train the Rasa model if nlu_data/ or bot/ changed since the last training
	$(XASO) train

model-for-tests: venvs
	@# The tests check the model of the data as it is now: trained without the promotion gate (it compares with a model
	@# in use, which a fresh clone has not), never swapped live; tests/actions/test_first_replies.py holds it to the
	@# held-out floors instead.
	$(XASO) train --no-gate --no-swap

run: venvs ## install what is missing, train if needed, start Rasa, actions and the gateway (Ctrl-C stops all)
	$(XASO) run

run-cluster: venvs ## the production shape on this machine under supervisord: PostgreSQL + Redis (must be running), 2 Rasa, 2 gateway workers; a dead process is restarted
	$(XASO) run --cluster

# PostgreSQL and Redis on 127.0.0.1 are used when they answer, exactly as in CI (.ci/run runs `make test`); a variable
# already set wins. A configured service that is down then fails its tests instead of skipping them.
test test-rasa test-gateway coverage: export TEST_DATABASE_URL ?= $(shell scripts/test-services.sh database)
test test-rasa test-gateway coverage: export TEST_REDIS_URL ?= $(shell scripts/test-services.sh redis)

test: ## the whole suite: Rasa-side tests, then gateway, channels, broadcast, browser
	@# Side by side where one step alone leaves a core idle: the two environments install together, and the lint runs
	@# while the model trains (TensorFlow keeps about one and a third of the two cores busy).
	$(MAKE) --no-print-directory -j2 venvs
	$(MAKE) --no-print-directory browser
	$(MAKE) --no-print-directory -j2 model-for-tests lint
	@echo "==> Dịch vụ kiểm thử: PostgreSQL $${TEST_DATABASE_URL:-(không có)}, Redis $${TEST_REDIS_URL:-(không có)}"
	$(MAKE) --no-print-directory test-rasa test-gateway

test-rasa:
	@echo "==> Kiểm thử phía Rasa (.venv-rasa): thành phần NLU, actions, rasa data validate"
	$(PY_RASA) -m pytest -p no:cacheprovider tests/bot tests/actions

test-gateway:
	@echo "==> Kiểm thử cổng API, kênh, phát thanh, giao diện (.venv, $(TEST_WORKERS) tiến trình)"
	$(PY) -m pytest -p no:cacheprovider $(XDIST) --durations=15

test-fast: venvs ## the inner loop: gateway-side unit and in-process tests on SQLite (no Rasa, browser or extra servers)
	@echo "==> Kiểm thử nhanh (.venv, SQLite, không Rasa/trình duyệt/tiến trình phụ)"
	TEST_DATABASE_URL= TEST_REDIS_URL= $(PY) -m pytest -p no:cacheprovider $(XDIST) -q -m "not slow and not rasa and not browser"

coverage: venvs browser model-for-tests ## make test-gateway's tests with line coverage of the code they run in-process (var/coverage.json)
	@# Processes the tests start (gateways, xaso commands, Rasa) are not measured: the figure compares two versions of
	@# the suite, it is not the share of the product that is tested.
	$(PY) -m pytest -p no:cacheprovider $(XDIST) -q --cov --cov-report=term:skip-covered --cov-report=json:var/coverage.json

lint: venvs ## ruff (lint + format check), mypy, the import layers (import-linter), docs/settings.md against the settings
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	PYTHONPATH=$(CURDIR) $(VENV)/bin/lint-imports --no-cache
	$(XASO) settings table --check

format: venvs
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: venvs train ## run the benchmarks (BENCH=name to pick some); figures go to benchmarks/results/ and the README
	$(PY) benchmarks/run_all.py $(BENCH)

audit: venvs ## known vulnerabilities in both lock files (pip-audit; needs its vulnerability service, so not in `make test`)
	@echo "==> Rà soát lỗ hổng đã biết (docs/security.md liệt kê các lỗ hổng đã biết và cách xử lý)"
	$(VENV)/bin/pip-audit --disable-pip --no-deps --progress-spinner off -r requirements/app.lock.txt
	$(VENV)/bin/pip-audit --disable-pip --no-deps --progress-spinner off -r requirements/rasa.lock.txt

clean: ## remove trained models and the embedded database (keeps the environments)
	rm -rf models var
