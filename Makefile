# Clickar — two commands on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
DEBIAN_PACKAGES := chromium fonts-noto-cjk fonts-ipaexfont-gothic poppler-utils librsvg2-bin
export CLICKAR_BROWSER ?= /usr/bin/chromium

.PHONY: run test install install-test vendor system-deps db screenshots bench eval-chat e2e clean

$(VENV)/.stamp-app: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[postgres,redis,serve]'
	touch $@

$(VENV)/.stamp-test: $(VENV)/.stamp-app pyproject.toml
	$(PY) -m pip install --quiet -e '.[postgres,redis,serve,test]'
	touch $@

node_modules/.stamp: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

static/vendor/htmx.min.js: node_modules/.stamp scripts/build-vendor.mjs
	npm run --silent build

install: $(VENV)/.stamp-app static/vendor/htmx.min.js
install-test: $(VENV)/.stamp-test static/vendor/htmx.min.js system-deps

# Debian packages the tests need (browser for e2e, Japanese fonts, pdftoppm).
system-deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

db: install
	$(FLASK) db upgrade
	$(FLASK) demo seed

run: db
	$(FLASK) run --host 127.0.0.1 --port 5000

test: install-test
	$(PY) -m pytest -q -n 2 --dist loadgroup tests e2e

e2e: install-test
	$(PY) -m pytest -q e2e

screenshots: install-test
	$(PY) -m e2e.screenshots docs/screenshots

eval-chat: install-test
	$(PY) -m clickar.help.evaluate

bench: install-test
	$(PY) -m clickar.bench | tee reports/bench-latest.txt

clean:
	rm -rf $(VENV) node_modules static/vendor instance reports
