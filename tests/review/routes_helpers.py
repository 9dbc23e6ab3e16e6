"""Approval routes for tests, built as an administrator would in the admin."""

from apps.review.models import ApprovalRoute, ApprovalStep, ExternalApprover, StepMode


def route(name="Due passi", *, steps, categories=(), channels=(), crisis_only=False, priority=100):
    """``steps``: dicts of ApprovalStep fields plus ``people`` and ``externals`` lists."""
    made = ApprovalRoute.objects.create(name=name, crisis_only=crisis_only, priority=priority)
    made.categories.set(categories)
    made.channels.set(channels)
    for position, spec in enumerate(steps, start=1):
        spec = dict(spec)
        people = spec.pop("people", [])
        externals = spec.pop("externals", [])
        spec.setdefault("name", f"Passo {position}")
        spec.setdefault("mode", StepMode.ANY)
        step = ApprovalStep.objects.create(route=made, position=position, **spec)
        step.people.set(people)
        step.external_approvers.set(externals)
    return made


def portavoce(email="portavoce@sindaco.esempio.it") -> ExternalApprover:
    return ExternalApprover.objects.get_or_create(
        email=email, defaults={"name": "Paola Voce", "position": "Portavoce del Sindaco"}
    )[0]
