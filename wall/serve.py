"""Local preview: the built site on 127.0.0.1, under the same path as on the web host."""

from __future__ import annotations

import functools
import sys
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit


def base_path(base_url: str) -> str:
    """The path part of the public address, e.g. '/essenarbeitetzusammen/'."""
    return urlsplit(base_url).path.rstrip("/") + "/"


class PreviewHandler(SimpleHTTPRequestHandler):
    """Serves site/ below the base path and the site's own 404 page elsewhere."""

    prefix = "/"

    def do_GET(self):
        if self.path.split("?")[0] in ("/", self.prefix.rstrip("/")) and self.prefix != "/":
            self.send_response(302)
            self.send_header("Location", self.prefix)
            self.end_headers()
            return
        super().do_GET()

    def translate_path(self, path):
        if not path.startswith(self.prefix):
            return str(Path(self.directory) / "does-not-exist")
        return super().translate_path("/" + path[len(self.prefix):])

    def send_error(self, code, message=None, explain=None):
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            return super().send_error(code, message, explain)
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


def make_server(site_dir: Path, base_url: str, port: int) -> ThreadingHTTPServer:
    """A preview server bound to 127.0.0.1 only (port 0 picks a free one)."""
    handler = type("Handler", (PreviewHandler,), {"prefix": base_path(base_url)})
    return ThreadingHTTPServer(("127.0.0.1", port),
                               functools.partial(handler, directory=str(site_dir)))


def serve(site_dir: Path, base_url: str, port: int) -> None:
    """Serve until interrupted."""
    if not (site_dir / "index.html").is_file():
        raise OSError(f"{site_dir} holds no built site; run 'python generate.py build' first")
    server = make_server(site_dir, base_url, port)
    host, port = server.server_address[:2]
    print(f"serving {site_dir} at http://{host}:{port}{base_path(base_url)} (Ctrl+C stops)",
          file=sys.stderr)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
