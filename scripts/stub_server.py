#!/usr/bin/env python3
"""Stand-ins for the brief's threat-intel, api-gateway and audit-trail
services, on 127.0.0.1 only, so the example playbook runs on one machine.

POST /v1/enrich {"indicator": ...} -> {"ip", "features", "reputation"}
    (indicators starting with "10." score low, everything else high)
POST /v1/block  {"ip", "reason"}   -> {"status": "blocked", "ip"}
POST /v1/log    {...}              -> {"status": "logged"}
"""
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            return self.reply(400, {"error": "body is not JSON"})
        if self.path == "/v1/enrich":
            ind = str(body.get("indicator", ""))
            low = ind.startswith("10.")
            return self.reply(200, {
                "ip": ind,
                "features": [0.1, 0.2, 0.05] if low else [0.9, 0.8, 0.95],
                "reputation": 0.12 if low else 0.93,
            })
        if self.path == "/v1/block":
            return self.reply(200, {"status": "blocked", "ip": body.get("ip")})
        if self.path == "/v1/log":
            return self.reply(200, {"status": "logged"})
        return self.reply(404, {"error": "no such path"})

    def reply(self, code, obj):
        data = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 18080
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    # Port 0 picks a free port; say which, for scripts and tests.
    print(f"listening on {server.server_address[1]}", flush=True)
    server.serve_forever()
