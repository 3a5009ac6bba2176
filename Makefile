# Every target bootstraps its own virtualenv in .venv (only Python 3.11/3.12 and make are assumed).
# The first interpreter that actually runs and is 3.11 or 3.12 (pyenv shims may exist but not run).
PYTHON ?= $(shell for p in python3.11 python3.12 python3; do $$p -c 'import sys; sys.exit(not (3,11) <= sys.version_info[:2] < (3,13))' 2>/dev/null && { echo $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
RUNTIME := $(VENV)/.installed-runtime
STAMP := $(VENV)/.installed
SAMPLE ?= evidence_samples/晋阳市-2024

.PHONY: demo test lint format bench clean system-deps samples postgres docs build-prereqs

# durable-rules (the rule engine) compiles a C extension: say in one line what is missing
# instead of a page of pip output.
build-prereqs:
	@test -n "$(PYTHON)" || { echo "sxcheck needs Python 3.11 or 3.12 (durable-rules does not import on 3.13)"; exit 1; }
	@command -v cc >/dev/null 2>&1 || command -v gcc >/dev/null 2>&1 || { echo "sxcheck needs a C compiler to build durable-rules: apt-get install build-essential (Debian/Ubuntu)"; exit 1; }
	@$(PYTHON) -c 'import sysconfig, os, sys; sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))' \
	  || { echo "sxcheck needs the Python headers to build durable-rules: apt-get install python3-dev (Debian/Ubuntu)"; exit 1; }

# What sxcheck needs to run (make demo); the test, lint and bench tools come with make test.
$(RUNTIME): pyproject.toml
	@$(MAKE) --no-print-directory build-prereqs
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e .
	@touch $(RUNTIME)

$(STAMP): $(RUNTIME) pyproject.toml
	$(BIN)/pip install -q -e '.[dev]'
	@touch $(STAMP)

demo: $(RUNTIME)
	$(BIN)/sxcheck check "$(SAMPLE)" --report build/demo-report.json --report build/demo-report.html --report build/demo-report.docx
	@echo "reports written to build/demo-report.json, .html (open in a browser) and .docx"
	@echo "to type sxcheck yourself: . .venv/bin/activate   (then: sxcheck --help)"

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check sxcheck tests
	$(BIN)/ruff format --check sxcheck tests
	$(BIN)/mypy sxcheck
	$(BIN)/sxcheck rules validate

format: $(STAMP)
	$(BIN)/ruff format sxcheck tests
	$(BIN)/ruff check --fix sxcheck tests

# Whole processes against their floor (the ratios), then the in-process stages, the batch corpus
# and OCR: a few minutes on 2 cores. BENCH_BIG=1 adds 3,000-page checks and a province-sized
# batch corpus (tests/bench_process.py and tests/bench_batch.py say what each variable sets).
bench: $(STAMP)
	$(BIN)/python -m tests.bench_process
	$(BIN)/python -m tests.bench_memory
	$(BIN)/python -m tests.bench
	$(BIN)/python -m tests.bench_batch
	$(BIN)/python -m tests.bench_ocr

# Debian packages the report tests drive: headless Chromium (HTML), LibreOffice (DOCX -> PDF), CJK fonts;
# LibreOffice calc and impress too: .doc/.wps/.xls/.et/.ppt/.dps evidence is converted by it.
# Tesseract + chi_sim: the second OCR engine `make bench` and the OCR measurement compare.
# Needs root; where they cannot be installed those tests skip and say why.
SYSTEM_PACKAGES := chromium libreoffice-writer-nogui libreoffice-calc-nogui libreoffice-impress-nogui fonts-noto-cjk tesseract-ocr tesseract-ocr-chi-sim
system-deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -z "$$missing" ]; then echo "system packages present"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null) \
	  || echo "warning: could not install$$missing; the tests that need them will skip"; \
	else echo "warning: missing$$missing (run as root to install); the tests that need them will skip"; fi

# A local PostgreSQL on loopback for the store tests (role and database sxcheck/sxcheck_test).
# Needs root; where it cannot be installed or started the PostgreSQL tests skip and say why.
postgres:
	@if ! command -v pg_lsclusters >/dev/null && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) \
	  || echo "warning: could not install postgresql; the PostgreSQL store tests will skip"; fi
	@if command -v pg_lsclusters >/dev/null && [ "$$(id -u)" = 0 ]; then \
	  pg_lsclusters -h | while read ver name port status rest; do \
	    [ "$$status" = online ] || pg_ctlcluster $$ver $$name start || echo "warning: cannot start PostgreSQL $$ver/$$name"; done; \
	  su postgres -c "psql -qtAc \"SELECT 1 FROM pg_roles WHERE rolname='sxcheck'\"" | grep -q 1 \
	    || su postgres -c "psql -qc \"CREATE ROLE sxcheck LOGIN PASSWORD 'sxcheck'\""; \
	  su postgres -c "psql -qtAc \"SELECT 1 FROM pg_database WHERE datname='sxcheck_test'\"" | grep -q 1 \
	    || su postgres -c "createdb -O sxcheck sxcheck_test"; \
	  echo "PostgreSQL ready: postgresql+psycopg://sxcheck:sxcheck@127.0.0.1:5432/sxcheck_test"; \
	else echo "warning: PostgreSQL not available; the PostgreSQL store tests will skip"; fi

# The rule reference, the command reference and the report's JSON Schema (a test checks they are current).
docs: $(STAMP)
	$(BIN)/python -m sxcheck.docgen docs

samples: $(STAMP)
	$(BIN)/python -m tests.make_samples

clean:
	rm -rf $(VENV) build .pytest_cache .mypy_cache .ruff_cache
