"""Static files under content-hashed names, served compressed; compressed HTML.

`static_url("css/app.css")` → `/static/css/app.1a2b3c4d.css`. The name carries
the first 8 hex digits of the file's SHA-256, so the response may be cached for
a year (`immutable`): a changed file gets a new name. Unhashed `/static/…`
names keep working with a short cache, for anything that still asks for them.

Each file is read, hashed and compressed (gzip, and brotli when the `brotli`
extra is installed, as the app lock does) once per process and kept in memory; a file
whose size or mtime changes is read again, so a running dev server picks up an
edited stylesheet under its new name. `ASSET_VERSION` (config) is one hash
over every hashed file: the service worker is rendered with it, so each
deploy that changes a static file installs a new worker.

Dynamic text responses (HTML pages, partials, JSON) over 1 KB are gzipped when
the client accepts it; streamed or already-encoded responses are left alone.
Every response whose body could depend on it says `Vary: Accept-Encoding`.
"""
from __future__ import annotations

import gzip
import hashlib
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path

from flask import current_app, request, url_for

try:  # the optional `brotli` extra (pyproject.toml); requirements/app.txt has it
    import brotli  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - depends on the machine
    brotli = None

IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=300"
MIN_COMPRESS = 1024            # bytes: smaller bodies are not worth a Content-Encoding
MAX_IN_MEMORY = 2 * 1024 * 1024  # larger files are served by Flask's own static view

HASHED_NAME = re.compile(r"^(?P<stem>.+)\.(?P<digest>[0-9a-f]{8})(?P<ext>\.[A-Za-z0-9]+)$")

MIMETYPES = {
    ".css": "text/css", ".js": "text/javascript", ".mjs": "text/javascript",
    ".json": "application/json", ".webmanifest": "application/manifest+json",
    ".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
    ".webp": "image/webp", ".ico": "image/x-icon", ".gif": "image/gif", ".woff2": "font/woff2",
    ".txt": "text/plain", ".html": "text/html", ".xml": "application/xml", ".map": "application/json",
    ".pdf": "application/pdf",
}
TEXT_TYPES = frozenset({
    "text/css", "text/javascript", "application/javascript", "application/json",
    "application/manifest+json", "image/svg+xml", "text/plain", "text/html", "application/xml",
})


@dataclass(frozen=True)
class Asset:
    """One static file, read once: its bytes, digest and precompressed variants."""

    name: str
    mimetype: str
    body: bytes
    sha256: str
    gzip: bytes | None
    br: bytes | None
    stamp: tuple[int, int]

    @property
    def digest(self) -> str:
        return self.sha256[:8]

    @property
    def hashed_name(self) -> str:
        folder, _, base = self.name.rpartition("/")
        stem, dot, ext = base.rpartition(".")
        if not dot or not stem:
            return self.name  # no extension to keep: served under its plain name
        return f"{folder}/{stem}.{self.digest}.{ext}" if folder else f"{stem}.{self.digest}.{ext}"

    def encoded(self, accept) -> tuple[bytes, str | None]:
        """The smallest variant the client accepts: (body, Content-Encoding or None)."""
        if self.br is not None and accept["br"]:
            return self.br, "br"
        if self.gzip is not None and accept["gzip"]:
            return self.gzip, "gzip"
        return self.body, None


def _read(path: Path, name: str, stamp: tuple[int, int]) -> Asset:
    body = path.read_bytes()
    mimetype = MIMETYPES.get(path.suffix.lower(), "application/octet-stream")
    gz = br = None
    if mimetype in TEXT_TYPES and len(body) >= MIN_COMPRESS // 2:
        gz = gzip.compress(body, compresslevel=9, mtime=0)
        gz = gz if len(gz) < len(body) else None
        if brotli is not None:
            br = brotli.compress(body, quality=11)
            br = br if len(br) < len(body) else None
    return Asset(name=name, mimetype=mimetype, body=body, sha256=hashlib.sha256(body).hexdigest(),
                 gzip=gz, br=br, stamp=stamp)


# Shared by every app in the process (tests build many): a file is read again only when it changes.
_CACHE: dict[Path, Asset] = {}
_LOCK = threading.Lock()


class Assets:
    """The static folder as a table of Asset, keyed by their plain names."""

    def __init__(self, folder: str | os.PathLike, watch: bool = True):
        self.folder = Path(folder).resolve()
        self.table: dict[str, Asset] = {}
        # watch: every lookup checks the file on disk (an edited file is served at once, as a
        # developer expects). Staging and production deploy files with the code and restart,
        # so there a name found once is answered from the table: no path work, no stat().
        self.watch = watch
        for path in sorted(self.folder.rglob("*")):
            name = path.relative_to(self.folder).as_posix()
            if path.is_file() and not any(part.startswith(".") for part in name.split("/")):
                self.get(name)

    def get(self, name: str) -> Asset | None:
        """The asset for a plain name (re-read when the file changed), or None."""
        if not self.watch and (known := self.table.get(name)) is not None:
            return known
        path = (self.folder / name).resolve()
        if self.folder not in path.parents:
            return None
        try:
            st = path.stat()
        except OSError:
            self.table.pop(name, None)
            return None
        if not path.is_file() or st.st_size > MAX_IN_MEMORY:
            return None
        stamp = (st.st_size, st.st_mtime_ns)
        with _LOCK:
            asset = _CACHE.get(path)
            if asset is None or asset.stamp != stamp or asset.name != name:
                asset = _CACHE[path] = _read(path, name, stamp)
        self.table[name] = asset
        return asset

    @property
    def version(self) -> str:
        h = hashlib.sha256()
        for name in sorted(self.table):
            h.update(f"{name}\0{self.table[name].sha256}\n".encode())
        return h.hexdigest()[:12]

    def resolve(self, filename: str) -> tuple[Asset | None, bool]:
        """(asset, hashed) for a requested name; hashed only when the digest is the current one."""
        asset = self.get(filename)
        if asset is not None:
            return asset, False
        match = HASHED_NAME.match(filename)
        if match:
            asset = self.get(match["stem"] + match["ext"])
            if asset is not None:
                return asset, asset.digest == match["digest"]
        return None, False


def static_url(filename: str) -> str:
    """URL of a static file under its content-hashed name (plain name if it is not a known asset)."""
    asset = current_app.extensions["clickar_assets"].get(filename)
    return url_for("static", filename=asset.hashed_name if asset else filename)


def _send(asset: Asset, cache_control: str):
    body, encoding = asset.encoded(request.accept_encodings)
    response = current_app.response_class(body, mimetype=asset.mimetype)
    response.headers["Cache-Control"] = cache_control
    if asset.gzip is not None or asset.br is not None:
        response.vary.add("Accept-Encoding")
    if encoding:
        response.headers["Content-Encoding"] = encoding
    response.set_etag(asset.sha256[:16] + (f"-{encoding}" if encoding else ""))
    return response.make_conditional(request)


def _compress(response):
    """gzip a dynamic text response over 1 KB when the client accepts it."""
    if (request.endpoint == "static"
            or response.direct_passthrough
            or response.is_streamed
            or "Content-Encoding" in response.headers
            or response.status_code < 200
            or 300 <= response.status_code < 400  # a redirect's few bytes (/r/CODE's 302)
            or response.status_code in (204, 206)
            or response.mimetype not in TEXT_TYPES):
        return response
    response.vary.add("Accept-Encoding")
    if not request.accept_encodings["gzip"]:
        return response
    data = response.get_data()
    if len(data) < MIN_COMPRESS:
        return response
    response.set_data(gzip.compress(data, compresslevel=6, mtime=0))
    response.headers["Content-Encoding"] = "gzip"
    etag, weak = response.get_etag()
    if etag and not weak:
        response.set_etag(etag, weak=True)
    return response


def init_app(app) -> None:
    assets = Assets(app.static_folder, watch=app.config["ENV_NAME"] not in ("staging", "production"))
    app.extensions["clickar_assets"] = assets
    app.config.setdefault("ASSET_VERSION", assets.version)
    app.add_template_global(static_url)
    plain_static = app.view_functions["static"]

    def static(filename: str):
        asset, hashed = assets.resolve(filename)
        if asset is None:
            return plain_static(filename=filename)
        return _send(asset, IMMUTABLE if hashed else SHORT)

    app.view_functions["static"] = static
    # First in the list = last to run: compress what every other after_request produced.
    app.after_request_funcs.setdefault(None, []).insert(0, _compress)
