"""Instance addresses an administrator types: only http(s), only public targets."""

import pytest
from django.test import override_settings

from apps.channels.addresses import AddressRefused, check_public, normalise_instance


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("mastodon.uno", "https://mastodon.uno"),
        ("  https://Mastodon.UNO/  ", "https://mastodon.uno"),
        ("https://social.comune.example:8443/@comune", "https://social.comune.example:8443"),
        ("http://127.0.0.1:3000", "http://127.0.0.1:3000"),
        ("mastodon.uno:443", "https://mastodon.uno:443"),
    ],
)
def test_an_instance_address_is_reduced_to_scheme_host_and_port(typed, expected):
    assert normalise_instance(typed) == expected


@pytest.mark.parametrize(
    "typed", ["data:text/html,hi", "mailto:a@b.it", "file:///etc/passwd", "https://", "http://:80"]
)
def test_what_is_not_a_web_address_is_refused(typed):
    with pytest.raises(AddressRefused):
        normalise_instance(typed)


@override_settings(PRODUCTION_MODE=True)
def test_production_wants_https():
    with pytest.raises(AddressRefused, match="https"):
        normalise_instance("http://mastodon.uno")


@override_settings(PRIVATE_HOSTS_ALLOWED=[])
@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1",
        "http://[::ffff:10.0.0.1]",
        "http://[fe80::1]",
        "http://100.64.0.1",
        "http://0.0.0.0",
        "http://localhost",
    ],
)
def test_private_loopback_link_local_and_shared_targets_are_refused(url):
    with pytest.raises(AddressRefused, match="rete interna"):
        check_public(url)


def test_a_name_that_does_not_resolve_is_refused():
    with pytest.raises(AddressRefused, match="non esiste"):
        check_public("https://no-such-host.invalid")


@override_settings(PRIVATE_HOSTS_ALLOWED=["mastodon.intranet.example", "10.1.2.3"])
def test_an_allowed_private_host_or_address_passes():
    check_public("https://mastodon.intranet.example")  # allowed by name, not resolved
    check_public("http://10.1.2.3")
