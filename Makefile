# Clickar — two commands on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
DEBIAN_PACKAGES := chromium fonts-noto-cjk fonts-ipaexfont-gothic poppler-utils librsvg2-bin
export CLICKAR_BROWSER ?= /usr/bin/chromium

.PHONY: run test install install-test vendor system-deps db screenshots flyer-images bench eval-chat e2e clean e2e-matrix lock prerequisites

# The first step of everything that installs: make, Python 3.11+ with venv, Node.js and npm.
# One missing → make stops at once with one line naming its Debian package
# (scripts/prerequisites.sh; as root it apt-get installs them first, as system-deps does).
prerequisites:
	$(eval MISSING := $(shell scripts/prerequisites.sh '$(PYTHON)'))$(if $(MISSING),$(error $(MISSING)))

# Python packages come from the hashed locks in requirements/ (`make lock` writes them from
# pyproject.toml's ranges); the package itself is installed last, editable, without deps.
APP_EXTRAS := postgres redis serve brotli
LOCK_PYTHON := 3.11
UV_VERSION := 0.13.9
PIP_LOCKED := $(PY) -m pip install --quiet --require-hashes
$(VENV)/.stamp-app: requirements/app.txt pyproject.toml | prerequisites
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP_LOCKED) -r requirements/app.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

$(VENV)/.stamp-test: $(VENV)/.stamp-app requirements/test.txt
	$(PIP_LOCKED) -r requirements/test.txt
	touch $@

# Re-resolve the locks after a change to pyproject.toml (kept pins stay; UPGRADE=1 moves
# everything to the newest release pyproject.toml allows). uv resolves for Python
# $(LOCK_PYTHON) on every platform (--universal), whichever Python runs it.
UV := $(VENV)/bin/uv
UV_COMPILE = $(UV) pip compile --quiet --universal --python-version $(LOCK_PYTHON) --generate-hashes $(if $(UPGRADE),--upgrade)
lock: prerequisites
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	test -x $(UV) && $(UV) --version | grep -qx 'uv $(UV_VERSION)' || $(PY) -m pip install --quiet uv==$(UV_VERSION)
	$(UV_COMPILE) pyproject.toml requirements/app.in $(addprefix --extra ,$(APP_EXTRAS)) -o requirements/app.txt
	$(UV_COMPILE) pyproject.toml requirements/test.in --all-extras -c requirements/app.txt -o requirements/test.txt

# npm: `make run` needs only htmx (dependencies); the tests add axe-core (devDependencies).
# Lighthouse has its own lock in tools/lighthouse/, installed by `make lighthouse` only.
node_modules/.stamp-app: package.json package-lock.json | prerequisites
	npm ci --omit=dev --no-audit --no-fund
	touch $@

node_modules/.stamp-test: package.json package-lock.json | prerequisites
	npm ci --no-audit --no-fund
	touch $@ node_modules/.stamp-app

static/vendor/htmx.min.js: node_modules/.stamp-app scripts/build-vendor.mjs
	npm run --silent build

# The AIチャット's sentence vectors of its fixed texts: built like static/vendor/, never committed
CHAT_VECTORS := clickar/help/kb/vectors.npz
$(CHAT_VECTORS): $(VENV)/.stamp-app $(wildcard clickar/help/kb/*.toml) clickar/help/kb/examples.jsonl clickar/help/scope.py
	$(PY) -m clickar.help.vectors

install: $(VENV)/.stamp-app static/vendor/htmx.min.js $(CHAT_VECTORS)
install-test: $(VENV)/.stamp-test node_modules/.stamp-test static/vendor/htmx.min.js $(CHAT_VECTORS) system-deps

# Debian packages the tests need (browser for e2e, Japanese fonts, pdftoppm).
system-deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  if [ -n "$$SUDO" ] && ! command -v sudo >/dev/null; then \
	    echo "make test needs the Debian packages$$missing: as root, apt-get install$$missing (not root, and no sudo here)"; exit 1; fi; \
	  echo "installing Debian packages:$$missing"; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null \
	  || { echo "make test needs the Debian packages$$missing: apt-get could not install them (run $${SUDO:+sudo }apt-get install$$missing)"; exit 1; }; \
	fi

db: install
	$(FLASK) db upgrade
	$(FLASK) demo seed

run: prerequisites db
	$(FLASK) run --host 127.0.0.1 --port 5000

test: prerequisites install-test
	$(PY) -m pytest -q -n 2 --dist loadgroup tests e2e

# The e2e kit (README "For testers"). Local by default; a deployment with
#   make e2e BASE_URL=https://staging.example CLICKAR_TEST_API_TOKEN=… DEVICE="Galaxy S9+"
E2E_ENV = BASE_URL="$(BASE_URL)" CLICKAR_TEST_API_TOKEN="$(CLICKAR_TEST_API_TOKEN)" DEVICE="$(DEVICE)"
E2E_REPORT = --html=reports/e2e/report.html --self-contained-html

e2e: install-test
	$(E2E_ENV) DEVICES="$(DEVICES)" $(PY) -m pytest -q -n 2 --dist loadgroup e2e $(E2E_REPORT)

# Release check, not CI: the journeys on every mobile profile Playwright ships (or DEVICES="A,B").
e2e-matrix: install-test
	$(E2E_ENV) DEVICES="$(or $(DEVICES),mobile)" $(PY) -m pytest -q -n 2 --dist loadgroup -m every_device e2e $(E2E_REPORT)

screenshots: install-test
	$(PY) -m screenshots.journey docs/screenshots
	$(PY) -m screenshots.registration docs/screenshots
	$(PY) -m screenshots.renewal docs/screenshots
	$(PY) -m screenshots.help docs/screenshots
	$(PY) -m screenshots.flyers docs/screenshots
	$(PY) -m screenshots.a11y docs/screenshots
	$(PY) -m screenshots.narrow docs/screenshots
	$(PY) -m screenshots.reminders docs/screenshots

# The phone screens printed on the A4 flyer, from the app itself (committed: the image has no browser).
# Run it when a registration screen changes, then look at the flyer (docs/screenshots/flyer-a4.png).
flyer-images: install-test
	$(PY) -m screenshots.flyer_steps clickar/flyers/step_images

eval-chat: install-test
	$(PY) -m bench.chat_eval $(ARGS)

bench: install-test bench-deps
	mkdir -p reports
	$(PY) -m bench | tee reports/bench-latest.txt
	$(PY) -m bench invitations --letters 1000 | tee reports/bench-invitations-latest.txt
	@if [ -n "$$CLICKAR_TEST_POSTGRES_URL" ]; then $(MAKE) --no-print-directory bench-reminders; \
	else echo "make bench: the 更新のご案内 pass (make bench-reminders) needs PostgreSQL: set CLICKAR_TEST_POSTGRES_URL"; fi

# Flyer day (issue 23): Locust against gunicorn + its own PostgreSQL database, Redis, mail worker and
# SMTP sink, with faults on a schedule, then the consistency audit (exit 1 on any finding).
# Needs CLICKAR_TEST_POSTGRES_URL (a server where it may create and drop a database) and redis-server.
DURATION ?= 60
USERS ?= 30
.PHONY: loadtest
loadtest: install-test
	mkdir -p reports/loadtest
	DURATION=$(DURATION) USERS=$(USERS) FAULTS=$(FAULTS) MASTERS=$(MASTERS) TAG=$(TAG) $(PY) -m bench.loadtest

# Production-style serving (issue 10): gunicorn with gunicorn.conf.py; CLICKAR_* from the environment.
.PHONY: serve bench-scale bench-deps bench-reminders
BENCH_PACKAGES := wrk
serve: install
	$(FLASK) db upgrade
	$(VENV)/bin/gunicorn -c gunicorn.conf.py wsgi:app

# 1,000,000 contracts: CSV generated, then `flask contracts import` into PostgreSQL (CLICKAR_TEST_POSTGRES_URL).
bench-scale: install-test
	mkdir -p reports
	$(PY) -m bench scale | tee reports/bench-scale-latest.txt

# One 更新のご案内 pass over 100,000 due contracts of 1,000,000, on PostgreSQL (CLICKAR_TEST_POSTGRES_URL).
bench-reminders: install-test
	mkdir -p reports
	$(PY) -m bench reminders | tee reports/bench-reminders-latest.txt

# The load tool for `make bench` (Debian's wrk; without it the bench falls back to a Python client).
bench-deps:
	@dpkg -s $(BENCH_PACKAGES) >/dev/null 2>&1 || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(BENCH_PACKAGES) >/dev/null \
	  || echo "wrk could not be installed: make bench uses its Python client"; }

# PWA (issue 6): PNG icons from the one SVG (static/icons/icon.svg); Lighthouse on Debian's chromium.
.PHONY: icons lighthouse
icons: $(VENV)/.stamp-app
	$(PY) -m clickar.pwa.icons static/icons

LIGHTHOUSE_NPM := tools/lighthouse
$(LIGHTHOUSE_NPM)/node_modules/.stamp: $(LIGHTHOUSE_NPM)/package.json $(LIGHTHOUSE_NPM)/package-lock.json | prerequisites
	npm ci --prefix $(LIGHTHOUSE_NPM) --no-audit --no-fund
	touch $@

lighthouse: install $(LIGHTHOUSE_NPM)/node_modules/.stamp
	CHROME_PATH=$(CLICKAR_BROWSER) $(PY) scripts/lighthouse.py

clean:
	rm -rf $(VENV) node_modules $(LIGHTHOUSE_NPM)/node_modules static/vendor instance reports
