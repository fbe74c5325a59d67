"""The tests' LTI platform's HTTP server (platform.py is the LMS itself): a route table, the answers a route gives,
and a threaded server on the standard library. Handlers take (req, match) and return (status, body, headers); req is
a dict: method, path, query, form, json, body, headers (lower-case names)."""

from __future__ import annotations

import html
import json
import re
import typing as t
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlparse

# (method regex, path regex, handler): platform.py's routes, and services.py's when it is mounted.
ROUTES: t.List[t.Tuple[str, re.Pattern, t.Callable[..., t.Any]]] = []


def route(method: str, pattern: str):
    def register(handler):
        ROUTES.append((method, re.compile(f"^{pattern}$"), handler))
        return handler

    return register


class HttpError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def respond(status: int, body: t.Union[str, bytes], content_type: str, headers: t.Optional[t.Dict[str, str]] = None):
    return (status, body.encode() if isinstance(body, str) else body, {"content-type": content_type, **(headers or {})})


def as_json(value: t.Any, status: int = 200):
    return respond(status, json.dumps(value), "application/json")


def redirect(url: str):
    return respond(302, "", "text/plain", {"location": url})


def auto_post(action: str, fields: t.Dict[str, str]):
    inputs = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">' for k, v in fields.items())
    page = (
        f'<!doctype html><html><body><form method="post" action="{html.escape(action)}" id="lti">{inputs}'
        '<noscript><button type="submit">Continue</button></noscript></form>'
        "<script>document.getElementById('lti').submit()</script></body></html>"
    )
    return respond(200, page, "text/html; charset=utf-8")


class Handler(BaseHTTPRequestHandler):
    def handle_any(self, method: str) -> None:
        url = urlparse(self.path)
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        content_type = self.headers.get("content-type", "")
        req = {
            "method": method,
            "path": url.path,
            "query": dict(parse_qsl(url.query)),
            "form": dict(parse_qsl(raw.decode())) if content_type.startswith("application/x-www-form-urlencoded") else {},
            "json": json.loads(raw) if raw and "json" in content_type else None,
            "body": raw,
            "headers": {k.lower(): v for k, v in self.headers.items()},
        }
        try:
            for route_method, pattern, handler in ROUTES:
                match = pattern.match(url.path)
                if match and re.fullmatch(route_method, method):
                    status, body, headers = handler(req, match)
                    break
            else:
                raise HttpError(404, f"no route for {method} {url.path}")
        except HttpError as error:
            status, body, headers = respond(error.status, json.dumps({"error": str(error)}), "application/json")
        except Exception as error:  # a bug here is a 500 the test sees, with its words
            status, body, headers = respond(500, json.dumps({"error": f"{type(error).__name__}: {error}"}), "application/json")
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self.handle_any("GET")

    def do_POST(self) -> None:
        self.handle_any("POST")

    def do_PUT(self) -> None:
        self.handle_any("PUT")

    def do_DELETE(self) -> None:
        self.handle_any("DELETE")

    def log_message(self, format: str, *args: t.Any) -> None:  # quiet: the test reads /control/records
        pass


def serve(host: str, port: int) -> None:
    ThreadingHTTPServer((host, port), Handler).serve_forever()
