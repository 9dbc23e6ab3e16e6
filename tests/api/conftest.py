import pytest

from apps.api import tokens
from apps.api.enums import Scope

ALL_SCOPES = [Scope.READ, Scope.WRITE_POSTS, Scope.WRITE_EVENTS, Scope.REVIEW]


def bearer(raw: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.fixture
def make_token(db):
    """``make_token(user, scopes=[...])`` -> the raw token string."""

    def make(user, scopes=ALL_SCOPES, **kwargs):
        return tokens.create_personal_token(
            user=user,
            name=kwargs.pop("name", f"script di {user.username}"),
            scopes=scopes,
            **kwargs,
        )[1]

    return make
