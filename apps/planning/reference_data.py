"""The three content categories of a PA editorial plan (see DOMAIN.md).

Called by the data migration and, after a transactional test's flush, by the test suite:
idempotent, through the historical ``apps`` registry it is given."""

"""Seeds the three content categories of a PA editorial plan (see DOMAIN.md)."""


CATEGORIES = [
    {
        "slug": "informativo",
        "name": "Informativo",
        "description": (
            "Orari di apertura, scadenze, modifiche alla viabilità e al traffico, "
            "avvisi sui servizi."
        ),
        "colour": "#0066CC",
        "target_share": 40,
        "position": 1,
    },
    {
        "slug": "come-fare",
        "name": "Come fare",
        "description": (
            "Spiegare come si fa qualcosa: come si calcola la TARI, come si fa la raccolta "
            "differenziata, come si prenota un appuntamento."
        ),
        "colour": "#00704A",
        "target_share": 30,
        "position": 2,
    },
    {
        "slug": "territorio",
        "name": "Territorio",
        "description": "Promuovere il territorio, la sua bellezza e le sue iniziative.",
        "colour": "#7A3E9D",
        "target_share": 30,
        "position": 3,
    },
]


def seed(apps, schema_editor=None):
    ContentCategory = apps.get_model("planning", "ContentCategory")
    for data in CATEGORIES:
        values = dict(data)
        slug = values.pop("slug")
        if not ContentCategory.objects.filter(slug=slug).exists():
            ContentCategory.objects.create(slug=slug, **values)
