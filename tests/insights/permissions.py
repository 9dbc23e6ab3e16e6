"""The "Risultati" pages: every member of the office (the three roles), nobody else."""

from tests.factories import ChannelFactory, PostFactory
from tests.permissions import NOT_FOUND, Access, staff


def _post(cast):
    return {"pk": PostFactory(author=cast["editor"], channels=[ChannelFactory()]).pk}


ROWS = [
    staff("insights:report"),
    staff("insights:report", query="?periodo=custom&dal=2026-01-01&al=2026-02-01&canale=1"),
    staff("insights:report_csv", make_kwargs=lambda cast: {"table": "canali"}),
    staff("insights:report_csv", make_kwargs=lambda cast: {"table": "totali"}),
    staff("insights:post", make_kwargs=_post),
    staff("insights:post_csv", make_kwargs=_post),
    staff("insights:year", make_kwargs=lambda cast: {"year": 2026}),
    staff("insights:year_pdf", make_kwargs=lambda cast: {"year": 2026}),
    Access(
        "insights:year",
        make_kwargs=lambda cast: {"year": 1900},
        editor=NOT_FOUND,
        other_editor=NOT_FOUND,
        approver=NOT_FOUND,
        admin=NOT_FOUND,
        label="a year out of range",
    ),
]
