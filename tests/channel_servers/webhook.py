"""A receiver of the generic webhook: checks the HMAC signature, dedupes by Idempotency-Key."""

import hashlib
import hmac

from .base import ChannelServer, RecordedRequest, Reply


class WebhookServer(ChannelServer):
    kind = "webhook"
    default_token = "webhook-shared-secret-0123456789"

    def __init__(self, **kwargs):
        self._reset_state()
        super().__init__(**kwargs)

    def _reset_state(self):
        self.by_key: dict[str, dict] = {}

    @property
    def config(self):
        return {"url": self.base_url + "/hooks/pa-planner", "read_timeout": 3}

    def signature_ok(self, request: RecordedRequest) -> bool:
        expected = (
            "sha256=" + hmac.new(self.token.encode(), request.body, hashlib.sha256).hexdigest()
        )
        return hmac.compare_digest(request.header("x-pa-planner-signature") or "", expected)

    def handle(self, request: RecordedRequest) -> Reply:
        if request.method != "POST" or request.path != "/hooks/pa-planner":
            return Reply(404, {"error": "not found"})
        if not self.signature_ok(request):
            return Reply(401, {"error": "invalid signature"})
        if not isinstance(request.json, dict) or not request.json.get("text"):
            return Reply(422, {"error": "text is required"})
        key = request.header("idempotency-key") or ""
        if key in self.by_key:
            return Reply(200, self.by_key[key])
        item_id = f"wh-{self.next_id()}"
        answer = {"id": item_id, "url": f"{self.base_url}/news/{item_id}"}
        self.items.append({"id": item_id, "text": request.json["text"], "payload": request.json})
        self.by_key[key] = answer
        return Reply(201, answer)
