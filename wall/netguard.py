"""HTTP sessions that connect to public addresses only, and to exactly the addresses checked.

Checking a host's addresses before a request is not enough: the HTTP library looks
the name up again when it connects, and a name server that answers with a public
address the first time and with 127.0.0.1 or 169.254.169.254 (the cloud's metadata
service) the next (DNS rebinding) gets the request into the runner's own network.
Here each new connection looks the name up once, refuses when any address is not
public, and connects to those very addresses.  Through a proxy (HTTP(S)_PROXY on a
runner behind a company proxy) the proxy looks the name up and connects: the host is
checked once before the request goes to it, which is as much as can be done from here.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests.utils import select_proxy
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NameResolutionError, NewConnectionError

from connectors.http import Session


class RefusedAddress(NewConnectionError):
    """A host that resolves to a private, loopback, link-local or reserved address, or whose
    name is malformed (a label over 63 characters, an empty one)."""

    def __init__(self, message: str):
        super().__init__(None, message)  # type: ignore[arg-type]
        self.message = message


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])  # '%eth0' scopes a link-local IPv6 address
    return ip.is_global and not ip.is_multicast


def public_session(allowed_hosts: frozenset[str], headers: dict[str, str] | None = None) -> requests.Session:
    """A session whose connections go to public addresses only.

    allowed_hosts ('host' or 'host:port', lower case) may be anywhere: a platform's own API
    host, the loopback fakes in tests.
    """
    session = Session()
    session.headers.update(headers or {})
    adapter = _PublicOnlyAdapter(allowed_hosts)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def refusal(error: requests.ConnectionError) -> str:
    """Why the request was refused for its host ('' when it failed for another reason)."""
    cause = error.args[0] if error.args else None
    for candidate in (cause, getattr(cause, "reason", None)):
        if isinstance(candidate, RefusedAddress):
            return candidate.message
    return ""


def checked_addresses(name: str, port: int) -> list[str]:
    """The addresses name resolves to; RefusedAddress when any is not public, none is given or
    the name is malformed; socket.gaierror when the name server knows no such name."""
    try:
        infos = socket.getaddrinfo(name, port, 0, socket.SOCK_STREAM)
    except UnicodeError:  # the name itself is malformed: no name server can answer for it
        raise RefusedAddress(f"refused: {name[:80]} is no valid host name") from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses or not all(is_public(address) for address in addresses):
        raise RefusedAddress(f"refused: {name[:80]} is a private or local address")
    return addresses


def _allowed(allowed_hosts: frozenset[str], name: str, port: int | None) -> bool:
    return name.lower() in allowed_hosts or (port is not None and f"{name}:{port}".lower() in allowed_hosts)


class _PublicOnly:
    """Mixed into urllib3's connection classes: where a new connection may go."""

    allowed_hosts: frozenset[str] = frozenset()

    def _new_conn(self) -> socket.socket:
        name, port = self._dns_host, self.port  # type: ignore[attr-defined]
        if _allowed(self.allowed_hosts, name, port):
            return super()._new_conn()  # type: ignore[misc]
        try:
            addresses = checked_addresses(name, port)
        except socket.gaierror as error:  # no such name, no name server: an ordinary failure
            raise NameResolutionError(name, self, error) from error  # type: ignore[arg-type]
        failure: Exception | None = None
        for address in addresses:
            self._dns_host = address  # urllib3 connects to _dns_host; TLS and Host: read it back below
            try:
                return super()._new_conn()  # type: ignore[misc]
            except NewConnectionError as error:  # unreachable (an IPv6 address without IPv6): try the next
                failure = error
            finally:
                self._dns_host = name
        raise failure or RefusedAddress(f"refused: {name[:80]} has no address")


class _PublicOnlyAdapter(HTTPAdapter):
    def __init__(self, allowed_hosts: frozenset[str]):
        self.allowed_hosts = allowed_hosts  # before HTTPAdapter.__init__, which makes the pool manager
        super().__init__()

    def send(self, request: requests.PreparedRequest, **kwargs) -> requests.Response:  # type: ignore[override]
        if select_proxy(request.url or "", kwargs.get("proxies") or {}):  # the proxy connects, not our pools
            parts = urlsplit(request.url or "")
            port = parts.port or (443 if parts.scheme == "https" else 80)
            if not _allowed(self.allowed_hosts, parts.hostname or "", parts.port):
                try:
                    checked_addresses(parts.hostname or "", port)
                except (RefusedAddress, socket.gaierror) as error:
                    raise requests.ConnectionError(error, request=request) from None
        return super().send(request, **kwargs)

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _guarded(HTTPConnectionPool, HTTPConnection, self.allowed_hosts),
            "https": _guarded(HTTPSConnectionPool, HTTPSConnection, self.allowed_hosts),
        }


def _guarded(pool: type, connection: type, allowed_hosts: frozenset[str]) -> type:
    guarded = type(f"PublicOnly{connection.__name__}", (_PublicOnly, connection), {"allowed_hosts": allowed_hosts})
    return type(f"PublicOnly{pool.__name__}", (pool,), {"ConnectionCls": guarded})
