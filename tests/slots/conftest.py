from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

ROME = ZoneInfo("Europe/Rome")


def rome(*args) -> datetime:
    return datetime(*args, tzinfo=ROME)


@pytest.fixture
def rome_dt():
    return rome
