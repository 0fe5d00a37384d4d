"""The host allow-list of api/security.py, without a server."""

from __future__ import annotations

import socket

import pytest
from api.security import allowed_hosts, host_name
from api.settings import Settings


@pytest.mark.parametrize("given, name", [("localhost:7860", "localhost"), ("LocalHost.", "localhost"),
                                         ("[::1]:80", "[::1]"), ("[::1]", "[::1]"), ("127.0.0.1", "127.0.0.1"),
                                         ("example.org.:8080", "example.org")])
def test_host_name(given, name):
    assert host_name(given) == name


def test_default_hosts_are_loopback_and_the_bound_address(tmp_path):
    hosts = allowed_hosts(Settings(data_dir=tmp_path, host="192.168.1.5", token="t"))
    assert hosts == {"localhost", "127.0.0.1", "[::1]", "192.168.1.5"}


def test_every_interface_adds_this_machine(tmp_path):
    hosts = allowed_hosts(Settings(data_dir=tmp_path, host="0.0.0.0", token="t"))
    assert socket.gethostname().lower() in hosts and "localhost" in hosts


def test_listed_hosts_replace_the_defaults_and_star_allows_any(tmp_path):
    assert allowed_hosts(Settings(data_dir=tmp_path, allowed_hosts=["polydub.lan.", "::1"])) == {"polydub.lan", "[::1]"}
    assert allowed_hosts(Settings(data_dir=tmp_path, allowed_hosts=["*"])) is None


@pytest.mark.parametrize("token", ["", "   ", "\t\n"])
def test_blank_token_is_refused(tmp_path, token):
    with pytest.raises(ValueError, match="token is blank"):
        Settings(data_dir=tmp_path, token=token)


def test_spaces_around_a_token_are_not_part_of_it(tmp_path):
    assert Settings(data_dir=tmp_path, token=" s3cret \n").token == "s3cret"
