"""`ratchet view`: a read-only web server over a runs directory (standard library only).

Bound to 127.0.0.1. Every request rescans the directory, so runs that finish while the browser
is open appear on reload. Pages carry a Content-Security-Policy that forbids scripts: even a
completion that escaped escaping could not run in the page.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from ratchet.errors import UserError
from ratchet.view import pages
from ratchet.view.catalog import scan

HOST = "127.0.0.1"
POLICY = ("default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; "
          "base-uri 'none'; frame-ancestors 'none'")


def render(root: Path, path: str, query: dict[str, str]) -> tuple[int, str, bytes]:
    """(status, content type, body) for one GET request."""
    catalog = scan(root)
    html = "text/html; charset=utf-8"
    if path == "/":
        return 200, html, pages.index_page(catalog).encode()
    if path == "/favicon.ico":  # browsers ask; answer "nothing" rather than a 404 in the console
        return 204, "image/x-icon", b""
    if path == "/run" and (run := catalog.eval_run(query.get("name", ""))):
        return 200, html, pages.run_page(run, query.get("show", "all")).encode()
    if path == "/diff":
        first, second = catalog.eval_run(query.get("a", "")), catalog.eval_run(query.get("b", ""))
        if first and second:
            return 200, html, pages.diff_page(first, second).encode()
    if path == "/improve" and (improve := catalog.improve_run(query.get("name", ""))):
        return 200, html, pages.improve_page(improve).encode()
    if path == "/png" and (improve := catalog.improve_run(query.get("name", ""))):
        if query.get("file") in improve.plots:  # only a plot the run wrote, never a path
            return 200, "image/png", (improve.path / query["file"]).read_bytes()
    if path == "/comparison" and query.get("name") in catalog.comparisons:
        data = json.loads((root / query["name"] / "compare.json").read_text(encoding="utf-8"))
        return 200, html, pages.comparison_page(query["name"], data).encode()
    return 404, html, pages.not_found(f"{path} {query}").encode()


def make_handler(root: Path) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's names)
            self._respond(body_too=True)

        def do_HEAD(self) -> None:  # noqa: N802
            self._respond(body_too=False)

        def _respond(self, body_too: bool) -> None:
            url = urlparse(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            try:
                status, content_type, body = render(root, url.path, query)
            except (OSError, ValueError, KeyError) as error:  # a log being written, or torn
                status, content_type = 500, "text/plain; charset=utf-8"
                body = f"could not read the run: {type(error).__name__}".encode()
            self.send_response(HTTPStatus(status))
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Content-Security-Policy", POLICY)
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            if body_too:
                self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass  # quiet: the terminal shows the URL, not one line per request

    return Handler


def make_server(root: Path, port: int = 8000) -> ThreadingHTTPServer:
    """A server over `root` on 127.0.0.1:`port` (0: any free port), not yet serving."""
    root = Path(root)
    if not root.is_dir():
        raise UserError(f"{root} is not a directory of runs: pass the --runs directory of ratchet eval")
    try:
        return ThreadingHTTPServer((HOST, port), make_handler(root.resolve()))
    except OSError as error:
        raise UserError(f"cannot listen on {HOST}:{port} ({error.strerror}): choose another --port") from None
