# Clickar: one image for the web processes, the mail worker and one-off commands
# (`flask --app wsgi …`). compose.yaml runs two web processes of it behind nginx,
# with PostgreSQL, Redis, the mail worker and Mailpit.

# --- htmx from package-lock.json (never a CDN), copied into static/vendor/
FROM node:22.14.0-bookworm-slim AS vendor
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY scripts/build-vendor.mjs scripts/
RUN node scripts/build-vendor.mjs

# --- the app: the Python of development and CI (requirements/app.txt's --python-version;
# tests/test_setup.py keeps them equal)
FROM python:3.11.7-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    CLICKAR_ENV=production \
    GUNICORN_BIND=0.0.0.0:8000
# IPAexGothic: the Japanese font of the printable flyer PDF (clickar/flyers/fonts.py).
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-ipaexfont-gothic \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 clickar
WORKDIR /app
# Every package at the version and hash of the lock (`make lock`), nothing resolved here.
COPY requirements/app.txt requirements/
RUN pip install --require-hashes -r requirements/app.txt
COPY pyproject.toml README.md ./
COPY clickar/ clickar/
# Editable, so templates/ and static/ are found beside the package (clickar.ROOT); no deps:
# they all came from the lock, and setuptools (the build backend) with them.
RUN pip install --no-deps --no-build-isolation -e .
RUN python -m clickar.help.vectors  # the AIチャット's vector cache (a build artefact, not in git)
COPY wsgi.py gunicorn.conf.py ./
COPY migrations/ migrations/
COPY templates/ templates/
COPY static/ static/
COPY --from=vendor /src/static/vendor/ static/vendor/
# The flyer scans' spool (clickar/flyers/spool.py): written by the app; compose keeps it in a volume
# that both app containers share, so a container that died leaves its scans to the other.
RUN mkdir -p instance/spool && chown -R clickar instance
USER clickar
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=4s --start-period=20s \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=3).status != 200)"]
CMD ["gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"]
