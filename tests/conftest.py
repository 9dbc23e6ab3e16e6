import pytest

from apps.accounts.roles import Role
from tests.factories import UserFactory


@pytest.fixture
def editor(db):
    return UserFactory(username="redattrice", role=Role.EDITOR)


@pytest.fixture
def other_editor(db):
    return UserFactory(username="altro_redattore", role=Role.EDITOR)


@pytest.fixture
def approver(db):
    return UserFactory(username="approvatrice", role=Role.APPROVER)


@pytest.fixture
def admin_user(db):
    return UserFactory(username="amministratrice", role=Role.ADMIN)


@pytest.fixture
def outsider(db):
    """Logged in, but in no role group: must see no staff data."""
    return UserFactory(username="estraneo")


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def approver_client(client, approver):
    client.force_login(approver)
    return client


@pytest.fixture
def admin_client_(client, admin_user):
    client.force_login(admin_user)
    return client
