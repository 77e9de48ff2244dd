"""The connectors' HTTP client against a loopback server: retries, waits, refusals, checked JSON."""

from __future__ import annotations

import time

import pytest

from connectors.base import ConnectorError
from connectors.http import HttpClient

from .conftest import free_port
from .fakes import FakeServer, Reply

NOW = 1_700_000_000.0


def client(**options) -> HttpClient:
    waits: list[float] = []
    options.setdefault("timeout", 2)
    http = HttpClient(sleep=waits.append, clock=lambda: NOW, **options)
    http.waits = waits  # type: ignore[attr-defined]
    return http


@pytest.mark.parametrize("headers, seconds", [
    ({"retry-after": "120"}, 120),
    ({"retry-after": "Tue, 14 Nov 2023 22:13:27 GMT"}, 7),  # NOW is 22:13:20 GMT
    ({"x-ratelimit-reset": str(int(NOW) + 30)}, 30),  # X and Bluesky: epoch seconds
    ({"x-ratelimit-reset": "2023-11-14T22:14:20.000000Z"}, 60),  # Mastodon: an ISO moment
    ({"ratelimit-reset": "15"}, 15),  # a delay in seconds
    ({}, 60),
])
def test_rate_limit_wait_reads_every_header_style(headers, seconds):
    assert client().rate_limit_wait(headers) == pytest.approx(seconds, abs=1)


def test_retries_server_errors_then_succeeds(fake_server):
    answers = [Reply.json({"error": "boom"}, 502), Reply.json({"error": "boom"}, 500), Reply.json({"ok": True})]
    fake_server.route("GET", "/api")(lambda request: answers.pop(0))
    http = client()
    data, _ = http.get_json(fake_server.url("/api"))
    assert data == {"ok": True}
    assert http.waits == [0.5, 1.0]


def test_waits_as_asked_on_429_then_succeeds(fake_server):
    answers = [Reply.json({}, 429, headers={"Retry-After": "2"}), Reply.json([1])]
    fake_server.route("GET", "/api")(lambda request: answers.pop(0))
    http = client()
    assert http.get_json(fake_server.url("/api"))[0] == [1]
    assert http.waits == [2.0]


def test_gives_up_when_the_wait_is_too_long(fake_server):
    fake_server.route("GET", "/api")(lambda request: Reply.json({}, 429, headers={"Retry-After": "3600"}))
    with pytest.raises(ConnectorError) as raised:
        client(max_wait=60).get_json(fake_server.url("/api"))
    assert raised.value.kind == "rate_limit" and "3600 s" in str(raised.value)
    assert len(fake_server.requests) == 1


def test_refused_token_names_the_environment_variable(fake_server):
    fake_server.route("GET", "/api")(lambda request: Reply.json({"error": "invalid token"}, 401))
    with pytest.raises(ConnectorError) as raised:
        client(token_env="X_BEARER_TOKEN").get_json(fake_server.url("/api"))
    assert raised.value.kind == "auth" and "X_BEARER_TOKEN" in str(raised.value)
    assert len(fake_server.requests) == 1, "a refused token is not retried"


@pytest.mark.parametrize("reply, message", [
    (Reply.text("<html><h1>502 Bad Gateway</h1></html>"), "expected JSON, got text/html"),
    (Reply(200, b'{"data": [1, 2', {"Content-Type": "application/json"}), "not valid JSON"),
    (Reply.json({"error": "Record not found"}, 404), "HTTP 404"),
])
def test_bad_answers_are_clear_errors(fake_server, reply, message):
    fake_server.route("GET", "/api")(lambda request: reply)
    with pytest.raises(ConnectorError, match=message):
        client().get_json(fake_server.url("/api"))


def test_a_server_that_does_not_answer_times_out(fake_server):
    fake_server.route("GET", "/slow")(lambda request: Reply(200, b"[]", {"Content-Type": "application/json"}, delay=1.5))
    http = client(timeout=0.5, retries=1)
    with pytest.raises(ConnectorError) as raised:
        http.get_json(fake_server.url("/slow"))
    assert raised.value.kind == "network" and "timed out" in str(raised.value)
    assert http.waits == [0.5]


def test_a_closed_port_is_a_network_error():
    with pytest.raises(ConnectorError) as raised:
        client(retries=0).get_json(f"http://127.0.0.1:{free_port()}/")
    assert raised.value.kind == "network"


def test_no_request_is_sent_once_the_deadline_has_passed(fake_server):
    with pytest.raises(ConnectorError, match="the fetch ran out of time") as raised:
        client(deadline=time.monotonic() - 1).get_json(fake_server.url("/api"))
    assert raised.value.kind == "network"
    assert fake_server.requests == []


def test_the_environments_proxy_carries_every_request_but_to_the_hosts_no_proxy_names(monkeypatch):
    # The session reads the environment once per host (requests would at every request).
    with FakeServer() as direct, FakeServer() as proxy, FakeServer() as elsewhere:
        for server in (direct, proxy, elsewhere):
            server.route("GET", "/.*")(lambda request: Reply.json([]))
        for name in ("HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("HTTP_PROXY", proxy.base_url)
        monkeypatch.setenv("NO_PROXY", f"localhost:{direct.base_url.rsplit(':', 1)[1]}")
        http = client(retries=0)
        for _ in range(2):
            http.get_json(direct.base_url.replace("127.0.0.1", "localhost") + "/a")
            http.get_json(elsewhere.base_url.replace("127.0.0.1", "localhost") + "/b")
    assert [request.path for request in direct.requests] == ["/a", "/a"]
    assert [request.path for request in proxy.requests] == ["/b", "/b"] and not elsewhere.requests
