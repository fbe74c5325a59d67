"""A webhook receiver as a Dockyard user would write one, verifying each delivery with the Standard Webhooks
reference library (PyPI standardwebhooks), for tests/integration/webhooks.test.ts.

Usage: python webhook-receiver.py PORT LOG SECRETS_JSON FAIL_FIRST
  SECRETS_JSON maps a path ("/main") to the secret it verifies with; the first FAIL_FIRST requests are answered
  503 (the receiver is "down"). Every request is logged to LOG as one JSON line: its path, webhook-id and outcome
  ("unavailable", "accepted", "duplicate" — an id accepted before, dropped as the standard says —, or "rejected"
  with the library's error). Accepted deliveries are answered 204, rejected ones 400.
"""

import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

port, log_path, secrets, fail_first = int(sys.argv[1]), sys.argv[2], json.loads(sys.argv[3]), int(sys.argv[4])
lock = threading.Lock()
requests = 0
accepted = set()
log = open(log_path, "a", encoding="utf-8")


def record(entry):
    log.write(json.dumps(entry) + "\n")
    log.flush()


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        global requests
        body = self.rfile.read(int(self.headers.get("content-length", "0"))).decode("utf-8")
        headers = {k: v for k, v in self.headers.items()}
        msg_id = self.headers.get("webhook-id")
        with lock:
            requests += 1
            entry = {"path": self.path, "id": msg_id}
            if requests <= fail_first:
                record({**entry, "outcome": "unavailable"})
                return self.answer(503, "down for maintenance")
            secret = secrets.get(self.path)
            if secret is None:
                record({**entry, "outcome": "rejected", "error": "unknown path"})
                return self.answer(404, "no such hook")
            try:
                event = Webhook(secret).verify(body, headers)
            except WebhookVerificationError as e:
                record({**entry, "outcome": "rejected", "error": str(e)})
                return self.answer(400, f"signature: {e}")
            if msg_id in accepted:
                record({**entry, "outcome": "duplicate"})
                return self.answer(204, "")
            accepted.add(msg_id)
            record({**entry, "outcome": "accepted", "event": event})
            return self.answer(204, "")

    def answer(self, status, text):
        data = text.encode("utf-8")
        self.send_response(status)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", port), Receiver)
print("listening", flush=True)
server.serve_forever()
