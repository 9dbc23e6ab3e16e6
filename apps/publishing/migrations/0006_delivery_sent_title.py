"""Deliveries record the public title they went out with.

Before this, the post's internal title went out as the website headline, the newsletter
subject, the LinkedIn link card's title and the webhook's ``title``. What already went out
keeps what it sent: those deliveries record the internal title as their sent title, and
their variants take it as their public title. Variants not sent stay without a public title
(the editor's checks ask for one where the channel needs it).
"""

from django.db import migrations, models

# The kinds that sent the post's title (apps.channels.kinds, as of this migration).
TITLED_KINDS = ("website", "newsletter", "linkedin", "webhook")


def keep_what_was_sent(apps, schema_editor):
    Delivery = apps.get_model("publishing", "Delivery")
    Variant = apps.get_model("planning", "Variant")
    sent = (
        Delivery.objects.filter(sent_at__isnull=False, variant__channel__kind__in=TITLED_KINDS)
        .exclude(variant__channel__kind="linkedin", variant__post__link="")
        .select_related("variant__post")
    )
    for delivery in sent.iterator():
        title = delivery.variant.post.title[:200]
        Delivery.objects.filter(pk=delivery.pk).update(sent_title=title)
        Variant.objects.filter(pk=delivery.variant_id, public_title="").update(public_title=title)


class Migration(migrations.Migration):
    dependencies = [
        ("publishing", "0005_waited_for_reconnect"),
        ("planning", "0005_variant_public_title"),
    ]

    operations = [
        migrations.AddField(
            model_name="delivery",
            name="sent_title",
            field=models.CharField(blank=True, max_length=200, verbose_name="titolo inviato"),
        ),
        migrations.RunPython(keep_what_was_sent, migrations.RunPython.noop),
    ]
