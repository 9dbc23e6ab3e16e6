"""The outbox: publishes nowhere, only records. The demo uses it so ``make run`` shows the
whole path (approved -> queued -> sending -> sent) without any credentials.

Records are kept in memory (``OutboxAdapter.records``, for tests) and written to the log.
Publishing the same delivery twice records it once: resending is always safe.
"""

import logging
import threading

from .base import Adapter, PublishRequest, PublishResult

logger = logging.getLogger("apps.publishing.adapters")
MAX_RECORDS = 1000


class OutboxAdapter(Adapter):
    kind = "outbox"
    can_reconcile = True
    supports_delete = True
    records: dict[str, PublishRequest] = {}
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
