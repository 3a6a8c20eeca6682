"""A stand-in for your application: sends one SMS through smsmock's iP.1
API and waits for its final delivery report, which the emulator posts back
to this service by its compose service name."""

import json
import os
import queue
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

reports = queue.Queue()


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - the name http.server calls
        body = self.rfile.read(int(self.headers["Content-Length"] or 0))
        reports.put(json.loads(body))
        self.send_response(200)  # iP.1 counts only a 200 as received
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_):
        pass


server = ThreadingHTTPServer(("0.0.0.0", int(os.environ.get("LISTEN_PORT", "3000"))), Receiver)
threading.Thread(target=server.serve_forever, daemon=True).start()

batch = {"sender": "Acme", "recipients": ["46701234567"], "body": "Your code is 482913",
         "deliveryReportUrl": os.environ["REPORTS_TO"]}
request = urllib.request.Request(
    os.environ["SMS_API"] + "/v2/batches", data=json.dumps(batch).encode(), method="POST",
    headers={"Authorization": f"Bearer {os.environ['SMS_API_KEY']}",
             "Content-Type": "application/json"})
with urllib.request.urlopen(request, timeout=10) as response:
    print("sent:", response.status, json.load(response)["id"])

while True:
    report = reports.get(timeout=60)
    print("delivery report:", report["code"])
    if report["code"] >= 200:
        break
