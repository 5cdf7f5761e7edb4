# Borough: `make run` serves the embedded default, `make test` runs the whole suite.
# Each target creates .venv and installs what changed, and nothing else.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PY_STAMP := $(VENV)/.borough-installed
NODE_STAMP := node_modules/.borough-installed
ASSETS := themes/static/build
ASSETS_STAMP := $(ASSETS)/.built
SCSS := $(wildcard themes/default/scss/*.scss)

# Where `make run` listens (`PORT=8911 make run`); without BOROUGH_BASE_URL, Borough's links
# (payments, emails) name this address too. See docs/running.md, "The base URL".
HOST ?= 127.0.0.1
PORT ?= 8000
# Test processes: more than this 2-core machine's cores, as many tests wait on a database, a
# browser or a server they started. On a quiet machine both cores stay busy with 4: four clean
# .ci/run with 4 took 463-510 s of tests (948-1,041 CPU s), three with 5 took 455-514 s.
TEST_WORKERS ?= 4

.PHONY: run test install assets lint bench bench-http bench-inbox bench-builder clean

run: install
	$(PY) -m borough serve --demo --host $(HOST) --port $(PORT)

# The suite runs in parallel (pytest-xdist): TEST_WORKERS=0 runs it in this one process.
# Python caches compiled modules even where the environment says not to (PYTHONDONTWRITEBYTECODE,
# set on this machine): the suite starts a hundred processes (test workers, servers, commands),
# and compiling Borough's modules again in each cost about 0.8 s of CPU.
test: install
	env -u PYTHONDONTWRITEBYTECODE $(PY) -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

install: $(PY_STAMP) $(ASSETS_STAMP)

$(PY):
	$(PYTHON) -m venv $(VENV)

$(PY_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $@

$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || { \
	  echo "make: npm is missing. Borough's front-end assets (govuk-frontend, htmx, sass) come from npm:"; \
	  echo "      install Node.js and npm (Debian: apt-get install -y nodejs npm), then run make again."; \
	  exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(ASSETS_STAMP): $(NODE_STAMP) $(SCSS) themes/build.py | $(PY)
	$(PY) themes/build.py
	@touch $@

assets: $(ASSETS_STAMP)

lint: install
	$(PY) -m ruff check .
	$(PY) -m mypy
	$(VENV)/bin/lint-imports

bench: install
	$(PY) -m bench

# Real server processes under a real load generator (Debian's wrk, installed here if missing).
bench-http: install
	@command -v wrk >/dev/null 2>&1 || { echo "make: installing wrk (Debian)"; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null || { \
	  echo "make: could not install wrk: apt-get install -y wrk, then run make bench-http again"; exit 1; }; }
	$(PY) -m bench.http $(BENCH_ARGS)

bench-inbox: install
	$(PY) -m bench.inbox

bench-builder: install
	$(PY) -m bench.builder

clean:
	rm -rf $(VENV) node_modules $(ASSETS) var
