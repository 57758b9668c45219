"""WhatsApp providers behind one small interface, plus the sending rules.

Why an interface: offices reach WhatsApp either through Meta's WhatsApp
Business Cloud API (approved *template* messages sent to
``/{phone-number-id}/messages``) or through a local gateway that takes a
number and a text over HTTP, each with its own field names.  Models only
call :meth:`Provider.send` and read a :class:`Result`; which adapter runs,
its URL and token come from the deployment (``sicantik_whatsapp_*``), never
from a caller.

Every answer is classified once, here:

* ``sent``: accepted; ``provider_id`` is what delivery callbacks refer to.
* ``retry``: the service is down, slow (timeout), rate-limited (429, with
  ``Retry-After``) or failing (5xx): the message stays queued and the cron
  tries again later with backoff (:func:`backoff`).
* ``failed``: the provider refused this message for good (invalid number,
  rejected template, 4xx): no retry, the reason is logged.

Plain Python (``requests``), no Odoo: tested with pytest against the
gateway double in ``sandbox/whatsapp``.
"""

import datetime as dt
import hashlib
import hmac
import json
import re
from dataclasses import dataclass

import requests

#: Cloud API error codes that mean "this number / message will never work".
_CLOUD_PERMANENT = {100, 131008, 131009, 131026, 131051, 132000, 132001, 132012}
_CLOUD_THROTTLED = {4, 80007, 130429, 131048, 131056}
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Result:
    status: str  # sent | retry | failed
    provider_id: str = ""
    reason: str = ""
    retry_after: int = 0


class Provider:
    """Send one text (or template) to one ``+62…`` number."""

    name = "none"

    def send(self, to, text, template=None, params=()):
        """Return a :class:`Result`; never raises for transport errors."""
        raise NotImplementedError

    # shared transport ------------------------------------------------
    timeout = 10.0

    def _post(self, url, body, headers):
        try:
            return requests.post(url, json=body, headers=headers, timeout=self.timeout)
        except requests.Timeout:
            return Result("retry", reason=f"timeout after {self.timeout:g} s")
        except requests.RequestException as exc:
            return Result("retry", reason=f"unreachable: {type(exc).__name__}")

    @staticmethod
    def _retry_after(response):
        value = response.headers.get("Retry-After", "")
        return int(value) if value.isdigit() else 0

    def _classify(self, response, reason):
        """Result for a non-2xx answer."""
        if response.status_code == 429:
            return Result(
                "retry",
                reason=f"rate limited (429): {reason}"[:250],
                retry_after=self._retry_after(response),
            )
        if response.status_code >= 500:
            return Result(
                "retry", reason=f"HTTP {response.status_code}: {reason}"[:250]
            )
        return Result("failed", reason=f"HTTP {response.status_code}: {reason}"[:250])


def _json(response):
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


class CloudApiProvider(Provider):
    """WhatsApp Business Cloud API: template messages on Graph API."""

    name = "cloud"

    def __init__(self, base_url, phone_number_id, token, version="v21.0", **kw):
        self.base_url = base_url.rstrip("/")
        self.phone_number_id = phone_number_id
        self.token = token
        self.version = version
        self.language = kw.get("language") or "id"
        self.timeout = float(kw.get("timeout") or self.timeout)

    def send(self, to, text, template=None, params=()):
        if not template:
            return Result("failed", reason="no approved Cloud API template name")
        body = {
            "messaging_product": "whatsapp",
            "to": to.lstrip("+"),
            "type": "template",
            "template": {
                "name": template,
                "language": {"code": self.language},
                "components": [
                    {
                        "type": "body",
                        "parameters": [
                            {"type": "text", "text": str(p)} for p in params
                        ],
                    }
                ],
            },
        }
        url = f"{self.base_url}/{self.version}/{self.phone_number_id}/messages"
        response = self._post(url, body, {"Authorization": f"Bearer {self.token}"})
        if isinstance(response, Result):
            return response
        data = _json(response)
        if response.ok:
            messages = data.get("messages") or [{}]
            return Result("sent", provider_id=str(messages[0].get("id") or ""))
        error = data.get("error")
        error = error if isinstance(error, dict) else {"message": error}
        code = error.get("code")
        reason = f"{code}: {error.get('message') or response.reason}"
        if code in _CLOUD_THROTTLED:
            return Result(
                "retry",
                reason=f"rate limited: {reason}"[:250],
                retry_after=self._retry_after(response),
            )
        if code in _CLOUD_PERMANENT:
            return Result("failed", reason=reason[:250])
        return self._classify(response, reason)


class GatewayProvider(Provider):
    """A generic HTTP gateway: POST JSON ``{<to>: number, <message>: text}``."""

    name = "gateway"

    def __init__(self, url, token, **kw):
        self.url = url
        self.token = token
        self.field_to = kw.get("field_to") or "to"
        self.field_message = kw.get("field_message") or "message"
        self.field_id = kw.get("field_id") or "id"
        self.token_header = kw.get("token_header") or "Authorization"
        self.token_prefix = kw.get("token_prefix", "Bearer ")
        self.plus = bool(kw.get("plus", True))
        self.timeout = float(kw.get("timeout") or self.timeout)

    def send(self, to, text, template=None, params=()):
        number = to if self.plus else to.lstrip("+")
        body = {self.field_to: number, self.field_message: text}
        headers = {self.token_header: f"{self.token_prefix}{self.token}"}
        response = self._post(self.url, body, headers)
        if isinstance(response, Result):
            return response
        data = _json(response)
        if response.ok:
            return Result("sent", provider_id=str(data.get(self.field_id) or ""))
        reason = data.get("error") or data.get("message") or response.reason
        if isinstance(reason, dict):
            reason = reason.get("message") or json.dumps(reason)
        return self._classify(response, str(reason))


def build(config):
    """The provider a settings dict names (``provider`` key), or ``None``."""
    kind = (config.get("provider") or "").strip().lower()
    if kind == "cloud" and config.get("url") and config.get("phone_number_id"):
        return CloudApiProvider(
            config["url"],
            config["phone_number_id"],
            config.get("token") or "",
            version=config.get("api_version") or "v21.0",
            language=config.get("language"),
            timeout=config.get("timeout"),
        )
    if kind == "gateway" and config.get("url"):
        return GatewayProvider(
            config["url"],
            config.get("token") or "",
            field_to=config.get("field_to"),
            field_message=config.get("field_message"),
            field_id=config.get("field_id"),
            token_header=config.get("token_header"),
            timeout=config.get("timeout"),
        )
    return None


# ------------------------------------------------------------------ rules
def render(body, values):
    """Replace ``{name}`` placeholders; unknown ones stay visible as typed.

    A regular expression, not ``str.format``: a template an administrator
    edits must not reach attributes (``{x.__class__}``) or raise on braces.
    """
    return _PLACEHOLDER.sub(
        lambda m: str(values.get(m.group(1), m.group(0))), body or ""
    )


def placeholders(body):
    """Placeholder names in order of appearance (Cloud API parameter order)."""
    return _PLACEHOLDER.findall(body or "")


def backoff(attempt, base=300, cap=6 * 3600, retry_after=0):
    """Seconds before attempt ``attempt + 1``: doubling, capped, and never
    sooner than the provider's ``Retry-After``."""
    delay = min(cap, base * 2 ** max(attempt - 1, 0))
    return max(delay, int(retry_after or 0))


def parse_clock(text, default):
    try:
        hour, minute = (int(x) for x in str(text).split(":", 1))
        return dt.time(hour, minute)
    except (ValueError, TypeError):
        return default


def quiet_until(local_now, start, end):
    """``None`` outside quiet hours, else the local datetime they end.

    ``start``/``end`` are :class:`datetime.time`; the window may wrap
    midnight (21:00–07:00).  Equal times mean no quiet hours.
    """
    if start == end:
        return None
    t = local_now.time()
    if start < end:
        inside = start <= t < end
    else:
        inside = t >= start or t < end
    if not inside:
        return None
    day = local_now.date()
    if t >= end:
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, end, tzinfo=local_now.tzinfo)


# ------------------------------------------------------------ callbacks
CALLBACK_STATES = {
    "sent": "sent",
    "delivered": "delivered",
    "read": "read",
    "failed": "failed",
    "undelivered": "failed",
}


class CallbackRefused(Exception):
    """The callback is not authenticated by the shared secret."""


def parse_callback(body, headers, secret):
    """``[(provider_id, state, reason)]`` from a delivery callback.

    Two shapes: the generic gateway's ``{"id", "status", "reason"}`` (or a
    list of them) with the shared secret in ``X-Sicantik-Secret``, and the
    Cloud API webhook (``entry[].changes[].value.statuses[]``) signed with
    ``X-Hub-Signature-256: sha256=HMAC(secret, body)``.
    """
    if not secret:
        raise CallbackRefused("no callback secret configured")
    signature = headers.get("X-Hub-Signature-256") or ""
    given = headers.get("X-Sicantik-Secret") or ""
    if signature.startswith("sha256="):
        expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(signature[7:], expected):
            raise CallbackRefused("bad signature")
    elif not (given and hmac.compare_digest(given.encode(), secret.encode())):
        raise CallbackRefused("bad secret")
    try:
        data = json.loads(body or b"null")
    except ValueError as exc:
        raise ValueError("not JSON") from exc
    events = []
    if isinstance(data, dict) and "entry" in data:
        for entry in data.get("entry") or []:
            for change in entry.get("changes") or []:
                for status in (change.get("value") or {}).get("statuses") or []:
                    errors = status.get("errors") or [{}]
                    reason = errors[0].get("title") or errors[0].get("message") or ""
                    events.append((status.get("id"), status.get("status"), reason))
    else:
        for item in data if isinstance(data, list) else [data]:
            if isinstance(item, dict):
                events.append((item.get("id"), item.get("status"), item.get("reason")))
    return [
        (str(pid), CALLBACK_STATES[state], str(reason or "")[:250])
        for pid, state, reason in events
        if pid and state in CALLBACK_STATES
    ]
