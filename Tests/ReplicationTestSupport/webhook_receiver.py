#!/usr/bin/env python3
"""A webhook receiver for the tests: answers the first --fail POSTs with 500, then 200, and writes
every accepted request as one JSON line (its headers and body) to --log. Its port goes to
--port-file once it listens on 127.0.0.1."""
import argparse
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

parser = argparse.ArgumentParser()
parser.add_argument("--fail", type=int, default=0)
parser.add_argument("--log", required=True)
parser.add_argument("--port-file", required=True)
parser.add_argument("--port", type=int, default=0)
arguments = parser.parse_args()
lock = threading.Lock()
state = {"failures_left": arguments.fail, "attempts": 0}


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with lock:
            state["attempts"] += 1
            failing = state["failures_left"] > 0
            if failing:
                state["failures_left"] -= 1
            else:
                record = {
                    "authorization": self.headers.get("Authorization"),
                    "eventId": self.headers.get("X-Replicator-Event-Id"),
                    "contentType": self.headers.get("Content-Type"),
                    "body": json.loads(body),
                }
                with open(arguments.log, "a") as log:
                    log.write(json.dumps(record) + "\n")
        self.send_response(500 if failing else 200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", arguments.port), Handler)
with open(arguments.port_file + ".tmp", "w") as port_file:
    port_file.write(str(server.server_address[1]))
import os

os.rename(arguments.port_file + ".tmp", arguments.port_file)
server.serve_forever()
