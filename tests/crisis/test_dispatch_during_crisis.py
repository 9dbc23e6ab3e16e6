"""The publishing engine with the real gate: during a crisis only crisis communication goes out."""

import pytest

from apps.crisis_response import services
from apps.publishing import services as publishing
from apps.publishing.adapters.base import Adapter, PublishResult
from apps.publishing.enums import DeliveryState
from apps.publishing.models import Delivery

pytestmark = pytest.mark.django_db


class RecordingAdapter(Adapter):
    kind = "outbox"

    def __init__(self):
        self.published = []

    def publish(self, request):
        self.published.append(request.delivery_id)
        return PublishResult(external_id=f"ext-{request.delivery_id}")


def test_during_a_crisis_the_dispatcher_sends_crisis_communication_and_holds_the_rest(
    approver, channels, make_post, adapter_override
):
    adapter = RecordingAdapter()
    adapter_override(adapter)
    services.declare_crisis(by=approver, reason="Allerta meteo rossa")
    update = make_post(channels=channels, in_hours=-0.01, is_crisis_communication=True)
    ordinary = make_post(channels=channels, in_hours=-0.01)  # approved meanwhile

    for delivery_id in publishing.claim_due():
        publishing.send_delivery(delivery_id=delivery_id)

    sent = set(Delivery.objects.filter(state=DeliveryState.SENT).values_list("pk", flat=True))
    assert sent == set(Delivery.objects.filter(variant__post=update).values_list("pk", flat=True))
    assert set(adapter.published) == sent
    held = Delivery.objects.filter(variant__post=ordinary)
    assert {d.state for d in held} == {DeliveryState.WAITING}
    assert all("crisi" in d.last_error for d in held)
