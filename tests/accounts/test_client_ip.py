"""The client address: REMOTE_ADDR unless the operator says which proxies to trust."""

import pytest
from django.test import RequestFactory

from apps.accounts.client_ip import client_ip

rf = RequestFactory()


def _request(remote="203.0.113.7", forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return rf.get("/", **extra)


def test_without_a_trusted_proxy_the_forwarded_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    settings.TRUSTED_PROXY_CIDRS = []
    assert client_ip(_request("10.0.0.2", "198.51.100.9")) == "10.0.0.2"


def test_with_one_proxy_the_address_it_appended_is_the_client(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(_request("10.0.0.2", "198.51.100.9")) == "198.51.100.9"


def test_a_forged_address_to_the_left_of_the_proxy_s_is_not_believed(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    request = _request("10.0.0.2", "1.2.3.4, 198.51.100.9")
    assert client_ip(request) == "198.51.100.9"


def test_two_proxies_skip_two_hops(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(_request("10.0.0.2", "1.2.3.4, 198.51.100.9, 10.0.0.1")) == "198.51.100.9"


def test_a_request_that_bypassed_the_proxy_keeps_its_own_address(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(_request("198.51.100.50")) == "198.51.100.50"


def test_trusted_networks_are_walked_from_the_right(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    settings.TRUSTED_PROXY_CIDRS = ["10.0.0.0/8"]
    request = _request("10.0.0.2", "1.2.3.4, 198.51.100.9, 10.1.1.1")
    assert client_ip(request) == "198.51.100.9"


def test_a_peer_outside_the_trusted_networks_is_the_client_whatever_it_forwards(settings):
    settings.TRUSTED_PROXY_CIDRS = ["10.0.0.0/8"]
    assert client_ip(_request("198.51.100.50", "1.2.3.4")) == "198.51.100.50"


@pytest.mark.parametrize("garbage", ["not-an-ip", "", " , ,", "1.2.3.4.5", "x" * 10_000])
def test_garbage_in_the_header_never_becomes_the_address(settings, garbage):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(_request("10.0.0.2", garbage)) == "10.0.0.2"


def test_ipv6_addresses_are_understood(settings):
    settings.TRUSTED_PROXY_CIDRS = ["fd00::/8"]
    assert client_ip(_request("fd00::1", "2001:db8::5")) == "2001:db8::5"
