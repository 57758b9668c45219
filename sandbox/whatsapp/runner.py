"""Start the WhatsApp gateway double as a subprocess on a free port.

A separate process, like ``sandbox.bsre.runner``: the code under test talks
to it over real sockets, and a "slow" fault blocks the double, not the test.
Standard library only, so Odoo tests and pytest can both import it.
"""

import json
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from .app import DEFAULT_TOKEN

_IMPORT_ROOT = Path(__file__).resolve().parents[2]


class RunningGateway:
    def __init__(self, url, token, process):
        self.url = url
        self.token = token
        self.process = process

    def _call(self, method, path, data=None):
        body = None if data is None else json.dumps(data).encode()
        request = urllib.request.Request(
            self.url + path,
            data=body,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def reset(self):
        return self._call("POST", "/_sandbox/reset", {})

    def faults(self, **knobs):
        return self._call("POST", "/_sandbox/faults", knobs)

    def config(self, **fields):
        return self._call("POST", "/_sandbox/config", fields)

    def messages(self):
        return self._call("GET", "/_sandbox/messages")["messages"]

    def attempts(self):
        return self._call("GET", "/_sandbox/messages")["attempts"]

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_gateway(token=DEFAULT_TOKEN, timeout=30):
    ready = Path(tempfile.mkdtemp(prefix="wa-sandbox-")) / "url"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sandbox.whatsapp",
            "--port",
            "0",
            "--token",
            token,
            "--ready-file",
            str(ready),
        ],
        cwd=_IMPORT_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + timeout
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError("WhatsApp sandbox exited at start")
        if ready.is_file() and ready.read_text():
            return RunningGateway(ready.read_text().strip(), token, process)
        time.sleep(0.1)
    process.kill()
    raise RuntimeError("WhatsApp sandbox not ready in time")
