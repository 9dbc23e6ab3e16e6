"""The outbox: publishes nowhere, only records. The demo uses it so ``make run`` shows the
whole path (approved -> queued -> sending -> sent) without any credentials.

Records are kept in memory (``OutboxAdapter.records``, for tests) and written to the log.
Publishing the same delivery twice records it once: resending is always safe.
"""

import logging
import threading

from .base import Adapter, PublishRequest, PublishResult, ReplyRequest

logger = logging.getLogger("apps.publishing.adapters")
MAX_RECORDS = 1000


class OutboxAdapter(Adapter):
    kind = "outbox"
    can_reconcile = True
    supports_delete = True
    supports_reply = True
    moderation_actions = frozenset({"hide", "delete"})
    records: dict[str, PublishRequest] = {}
    replies: dict[str, ReplyRequest] = {}
    _lock = threading.Lock()

    def publish(self, request: PublishRequest) -> PublishResult:
        with self._lock:
            if request.idempotency_key not in self.records:
                if len(self.records) >= MAX_RECORDS:
                    self.records.pop(next(iter(self.records)))
                self.records[request.idempotency_key] = request
        logger.info(
            "Outbox: delivery %s recorded (%d caratteri)", request.delivery_id, len(request.text)
        )
        return PublishResult(external_id=f"outbox-{request.delivery_id}", url="")

    def find_existing(self, request: PublishRequest) -> PublishResult | None:
        if request.idempotency_key in self.records:
            return PublishResult(external_id=f"outbox-{request.delivery_id}", url="")
        return None

    def delete(self, *, external_id: str, config: dict, secret: str) -> None:
        logger.info("Outbox: %s deleted", external_id)

    def reply(self, request: ReplyRequest) -> PublishResult:
        """Records the answer (once per key), as ``publish`` records a post."""
        key = request.idempotency_key or request.in_reply_to
        with self._lock:
            if key not in self.replies:
                if len(self.replies) >= MAX_RECORDS:
                    self.replies.pop(next(iter(self.replies)))
                self.replies[key] = request
        logger.info("Outbox: reply recorded (%d caratteri)", len(request.text))
        return PublishResult(external_id=f"outbox-reply-{key}", url="")

    def moderate(self, *, network_id: str, action: str, config: dict, secret: str) -> None:
        logger.info("Outbox: %s %s", action, network_id)
