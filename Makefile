# SICANTIK Companion — developer entry points. See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Odoo 18's source is not on PyPI: `make run`/`make test` fetch it into .odoo/18.0
# when neither ODOO_SRC nor an existing checkout has it (README.md, "Odoo 18 source").
ODOO_SRC ?= $(shell python3 tools/stack.py odoo-src)
export ODOO_SRC
PYTHON ?= $(shell command -v python3.11 || command -v python3.12 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt odoo_addons/requirements.txt $(wildcard sandbox/*/requirements.txt) | sha1sum | cut -c1-12)
# A few old sdists among Odoo's dependencies only build with setuptools < 70.
export PIP_CONSTRAINT := $(CURDIR)/tools/pip-build-constraints.txt

.PHONY: help run test lint bench bench-sandbox bench-sync bench-audit bench-docs bench-sign bench-report bench-province bench-officer check-odoo venv clean

help:
	@echo "make run    - serve SICANTIK Companion on http://localhost:8018 (local defaults)"
	@echo "make test   - run every test against real PostgreSQL, MariaDB, Redis, S3, BSrE sandbox"
	@echo "make lint   - pre-commit: ruff, ruff-format, pylint-odoo"
	@echo "make bench  - benchmarks beside their baselines; report in bench-output/report.md"
	@echo "make bench-province - the 1,000,000-permit sync (source cached between runs)"
	@echo "make bench-officer  - officer dashboard and permit list at 1,000,000 permits"

check-odoo:
	@python3 tools/stack.py check-odoo --fetch >/dev/null

venv: $(STAMP)

$(STAMP):
	@test -x "$(PY)" || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip>=23"
	$(PY) -m pip install --quiet -r requirements.txt
	@rm -f $(VENV)/.installed-*; touch $@

run: check-odoo venv
	$(PY) tools/stack.py run

test: check-odoo venv
	$(PY) tools/stack.py test

lint: venv
	$(VENV)/bin/pre-commit run --all-files --show-diff-on-failure

# Each bench writes its figures to bench-output/*.json; bench-report turns
# them into bench-output/report.md with charts. A missed target does not stop
# the other benches (the report says MISSED).
BENCH_OUT ?= bench-output
BENCH_MACHINE ?=

bench: bench-sandbox bench-sync bench-audit bench-docs bench-sign
	$(MAKE) bench-report

bench-sandbox: venv
	$(PY) tests/bench/bench_sandbox_generate.py

bench-sync: check-odoo venv
	-$(PY) tests/bench/bench_sync.py --permits 10000 --json $(BENCH_OUT)/sync-10k.json
	-$(PY) tests/bench/bench_sync.py --permits 100000 --json $(BENCH_OUT)/sync-100k.json

# A province: 1,000,000 permits, with the nightly re-check. The generated
# source is kept in MariaDB between runs (sicantik_bench_cache_1000000_1).
bench-province: check-odoo venv
	-$(PY) tests/bench/bench_sync.py --permits 1000000 --cache-source --recheck \
	  --json $(BENCH_OUT)/sync-1m.json
	-$(MAKE) bench-officer
	$(MAKE) bench-report

# The officer's dashboard and permit list at a province's size, beside the
# same calls without the addon's indexes and counters (same run, same rows).
# The filled database is kept between runs (--reuse): the fill takes minutes.
bench-officer: check-odoo venv
	-$(PY) tests/bench/bench_officer.py --permits 1000000 --reuse \
	  --json $(BENCH_OUT)/officer-1m.json

bench-report: venv
	$(PY) tests/bench/report.py --dir $(BENCH_OUT) --machine "$(BENCH_MACHINE)"

bench-audit: check-odoo venv
	$(PY) tests/bench/bench_audit.py

bench-docs: check-odoo venv
	$(PY) tests/bench/bench_docs.py

clean:
	rm -rf $(VENV) test-output bench-output

bench-sign: venv
	-$(PY) tests/bench/bench_sign.py --json $(BENCH_OUT)/sign.json

# Backups (tools/backup.py): snapshot of the Odoo database, its filestore and the
# document bucket (with the audit anchors) into BACKUP_DIR, keeping BACKUP_KEEP.
DB ?= sicantik
BACKUP_DIR ?= .local/backups
BACKUP_KEEP ?= 14
.PHONY: backup restore

backup: venv
	$(PY) tools/backup.py backup --db "$(DB)" --target "$(BACKUP_DIR)" --keep "$(BACKUP_KEEP)"

# Restores into a NEW database (never over an existing one): DB must be given.
restore: venv
	@if [ -z "$(SNAPSHOT)" ] || [ "$(origin DB)" = "file" ]; then \
	  echo "usage: make restore SNAPSHOT=$(BACKUP_DIR)/<timestamp> DB=<new database> [BUCKET_SUFFIX=-restored]"; \
	  echo "(DB must not exist yet; the snapshot's bucket is restored as <bucket>BUCKET_SUFFIX)"; \
	  exit 2; fi
	$(PY) tools/backup.py restore --snapshot "$(SNAPSHOT)" --db "$(DB)" --bucket-suffix="$(BUCKET_SUFFIX)"

# The Docker stack, built and started for real (tools/docker_test.py): installs
# and starts the engine and compose when absent, builds the images on local
# stand-ins of the unreachable registry images, checks the stack through nginx,
# tears it down. Caches (base image, wheels) in .local/docker and docker/wheelhouse.
.PHONY: docker-test wheelhouse

docker-test: check-odoo venv
	$(PY) tools/docker_test.py

# Wheels for offline image builds (docker/wheelhouse, pip --no-index).
wheelhouse: venv
	rm -f docker/wheelhouse/*.whl
	python3 -m pip wheel --quiet -w docker/wheelhouse -r odoo_addons/requirements.txt \
	  -r docker/odoo/requirements-image.txt -r sandbox/bsre/requirements.txt "async-timeout>=4.0.3"

# Offline install archive: images (docker save), wheelhouse, compose files.
BUNDLE ?= .local/docker/sicantik-companion-bundle.tar
.PHONY: bundle
bundle:
	docker/bundle.sh "$(BUNDLE)"
