"""A receiver of PA Planner's outgoing event webhooks (apps/webhooks), as another system of the
Comune would write it: it checks the HMAC-SHA256 signature of the raw body and refuses a
timestamp older than five minutes, then records each event once per ``Idempotency-Key``."""

import hashlib
import hmac
import time

from .base import ChannelServer, RecordedRequest, Reply

MAX_AGE_SECONDS = 300


class EventReceiverServer(ChannelServer):
    kind = "webhook_events"
    default_token = "whsec_receiver-secret-0123456789"
    path = "/hooks/eventi"

    def __init__(self, **kwargs):
        self._reset_state()
        super().__init__(**kwargs)

    def _reset_state(self):
        self.by_key: dict[str, dict] = {}

    @property
    def url(self) -> str:
        return self.base_url + self.path

    def signature_ok(self, request: RecordedRequest) -> bool:
        expected = (
            "sha256=" + hmac.new(self.token.encode(), request.body, hashlib.sha256).hexdigest()
        )
        return hmac.compare_digest(request.header("x-pa-planner-signature") or "", expected)

    def fresh(self, request: RecordedRequest) -> bool:
        stamp = request.header("x-pa-planner-timestamp") or ""
        body_stamp = request.json.get("sent_at") if isinstance(request.json, dict) else None
        return (
            stamp.isdigit()
            and stamp == body_stamp
            and abs(time.time() - int(stamp)) <= MAX_AGE_SECONDS
        )

    def handle(self, request: RecordedRequest) -> Reply:
        if request.method != "POST" or request.path != self.path:
            return Reply(404, {"error": "not found"})
        if not self.signature_ok(request):
            return Reply(401, {"error": "invalid signature"})
        if not self.fresh(request):
            return Reply(401, {"error": "stale or missing timestamp"})
        key = request.header("idempotency-key") or ""
        if key not in self.by_key:
            self.by_key[key] = request.json
            self.items.append({"id": key, "text": request.json.get("event"), **request.json})
        return Reply(200, {"ok": True})

    def events(self) -> list[str]:
        with self._lock:
            return [item["event"] for item in self.items]
