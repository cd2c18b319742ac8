from __future__ import annotations

import json

import pytest

from chalicelib.errors import UpstreamUnavailableError
from chalicelib.secrets import SecretCache

SECRET = {
    "daily_api_key": "k1",
    "hooks": {"zapier": "z", "calcom": ["old", "new"], "google": None},
    "links": {"jwt_secret": "j" * 32, "issuer": "idp", "audience": "roomlinks"},
    "signing_key": "s" * 32,
}


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_cached_until_ttl_and_refresh_on_demand() -> None:
    reads: list[str] = []
    values = [dict(SECRET), dict(SECRET, daily_api_key="k2")]

    def reader(secret_id: str) -> str:
        reads.append(secret_id)
        return json.dumps(values[min(len(reads) - 1, 1)])

    clock = Clock()
    cache = SecretCache("id", reader=reader, ttl=60, clock=clock)
    assert cache.get().daily_api_key == "k1"
    clock.now = 59
    assert cache.get().daily_api_key == "k1"
    assert len(reads) == 1
    clock.now = 61
    assert cache.get().daily_api_key == "k2"
    assert cache.refresh().daily_api_key == "k2"
    assert len(reads) == 3


def test_hook_values_may_be_lists_and_repr_hides_values() -> None:
    cache = SecretCache("id", reader=lambda _: json.dumps(SECRET))
    secret = cache.get()
    assert secret.hook_secrets("zapier") == ("z",)
    assert secret.hook_secrets("calcom") == ("old", "new")
    assert secret.hook_secrets("google") == ()
    assert secret.hook_secrets("unknown") == ()
    assert "k1" not in repr(secret) and "k1" not in str(secret)


def test_malformed_secret_is_503() -> None:
    cache = SecretCache("id", reader=lambda _: "{not json")
    with pytest.raises(UpstreamUnavailableError):
        cache.get()
