"""WSGI app of the WhatsApp gateway double (both API shapes, fault knobs).

Why it exists: notification tests must cross real HTTP, with the failures
a gateway really has, and see what reached "WhatsApp".  Two endpoints:

* ``POST /send`` — a generic Indonesian-style gateway: JSON body with the
  number and the text (field names set by ``/_sandbox/config``, default
  ``to``/``message``), token in ``Authorization: Bearer …``; answers
  ``{"id": …}``.
* ``POST /<version>/<phone_number_id>/messages`` — the WhatsApp Business
  Cloud API's template send; answers ``{"messages": [{"id": "wamid…"}]}``
  and Graph-style errors.

Fault knobs (``POST /_sandbox/faults``, JSON): ``down`` (503 to every
send), ``rate_limit`` (that many next sends get 429 with ``Retry-After:
retry_after``), ``invalid`` (numbers refused as not on WhatsApp), ``delay``
(seconds before answering: "slow").  Every accepted message is recorded;
``GET /_sandbox/messages`` lists them, ``POST /_sandbox/reset`` clears all.
"""

import json
import threading
import time
import uuid

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

DEFAULT_TOKEN = "wa-sandbox-token"


class State:
    def __init__(self, token):
        self.lock = threading.Lock()
        self.token = token
        self.reset()

    def reset(self):
        with self.lock:
            self.messages = []
            self.attempts = 0
            self.faults = {
                "down": False,
                "rate_limit": 0,
                "retry_after": 30,
                "invalid": [],
                "delay": 0.0,
            }
            self.fields = {"to": "to", "message": "message"}


def _json(data, status=200, headers=None):
    return Response(
        json.dumps(data), status=status, headers=headers, mimetype="application/json"
    )


class Gateway:
    """The double's endpoints; ``state`` is shared by the server's threads."""

    urls = Map(
        [
            Rule("/send", endpoint="send", methods=["POST"]),
            Rule("/<version>/<phone_id>/messages", endpoint="cloud", methods=["POST"]),
            Rule("/_sandbox/faults", endpoint="faults", methods=["POST"]),
            Rule("/_sandbox/config", endpoint="config", methods=["POST"]),
            Rule("/_sandbox/messages", endpoint="messages", methods=["GET"]),
            Rule("/_sandbox/reset", endpoint="reset", methods=["POST"]),
        ]
    )

    def __init__(self, token):
        self.state = State(token)

    def fault(self, kind):
        """The fault response for this attempt, or ``None``."""
        state = self.state
        with state.lock:
            state.attempts += 1
            faults = dict(state.faults)
            limited = faults["rate_limit"] > 0
            if limited:
                state.faults["rate_limit"] -= 1
        if faults["delay"]:
            time.sleep(float(faults["delay"]))
        if faults["down"]:
            return _json({"error": "service unavailable"}, 503)
        if not limited:
            return None
        headers = {"Retry-After": str(int(faults["retry_after"]))}
        if kind == "cloud":
            body = {"error": {"code": 130429, "message": "Rate limit hit"}}
        else:
            body = {"error": "too many requests"}
        return _json(body, 429, headers)

    def record(self, kind, to, payload):
        """Accept a message (its id), or ``None`` for a number not on WhatsApp."""
        state = self.state
        invalid = {str(n).lstrip("+") for n in state.faults["invalid"]}
        if to.lstrip("+") in invalid:
            return None
        message_id = ("wamid." if kind == "cloud" else "gw-") + uuid.uuid4().hex
        with state.lock:
            state.messages.append(
                {"id": message_id, "kind": kind, "to": to, "payload": payload}
            )
        return message_id

    def authorized(self, request):
        return request.headers.get("Authorization") == f"Bearer {self.state.token}"

    def on_send(self, request):
        if not self.authorized(request):
            return _json({"error": "invalid token"}, 401)
        stop = self.fault("gateway")
        if stop:
            return stop
        data = request.get_json(silent=True) or {}
        fields = self.state.fields
        to = str(data.get(fields["to"]) or "")
        text = data.get(fields["message"])
        if not to or not text:
            return _json({"error": "missing number or message"}, 400)
        message_id = self.record("gateway", to, {"text": text})
        if message_id is None:
            return _json({"error": "number is not registered on WhatsApp"}, 400)
        return _json({"id": message_id, "status": "queued"})

    def on_cloud(self, request, version, phone_id):
        if not self.authorized(request):
            return _json({"error": {"code": 190, "message": "Invalid token"}}, 401)
        stop = self.fault("cloud")
        if stop:
            return stop
        data = request.get_json(silent=True) or {}
        to = str(data.get("to") or "")
        template = data.get("template") or {}
        if data.get("messaging_product") != "whatsapp" or not to or not template:
            return _json({"error": {"code": 100, "message": "Invalid parameter"}}, 400)
        params = [
            p.get("text")
            for c in template.get("components") or []
            for p in c.get("parameters") or []
        ]
        payload = {
            "template": template.get("name"),
            "language": (template.get("language") or {}).get("code"),
            "params": params,
            "phone_number_id": phone_id,
        }
        message_id = self.record("cloud", to, payload)
        if message_id is None:
            error = {"code": 131026, "message": "Message undeliverable"}
            return _json({"error": error}, 400)
        messages = [{"id": message_id}]
        return _json({"messaging_product": "whatsapp", "messages": messages})

    def on_faults(self, request):
        with self.state.lock:
            self.state.faults.update(request.get_json(silent=True) or {})
            return _json(self.state.faults)

    def on_config(self, request):
        with self.state.lock:
            self.state.fields.update(request.get_json(silent=True) or {})
            return _json(self.state.fields)

    def on_messages(self, request):
        with self.state.lock:
            return _json(
                {"attempts": self.state.attempts, "messages": self.state.messages}
            )

    def on_reset(self, request):
        self.state.reset()
        return _json({"ok": True})

    def __call__(self, environ, start_response):
        adapter = self.urls.bind_to_environ(environ)
        try:
            endpoint, args = adapter.match()
        except HTTPException as exc:
            return exc(environ, start_response)
        response = getattr(self, f"on_{endpoint}")(Request(environ), **args)
        return response(environ, start_response)


def create_app(token=DEFAULT_TOKEN):
    return Gateway(token)
