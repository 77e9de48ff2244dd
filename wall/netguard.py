"""HTTP sessions that connect to public addresses only, and to exactly the addresses checked.

Checking a host's addresses before a request is not enough: the HTTP library looks
the name up again when it connects, and a name server that answers with a public
address the first time and with 127.0.0.1 or 169.254.169.254 (the cloud's metadata
service) the next (DNS rebinding) gets the request into the runner's own network.
Here each new connection looks the name up once, refuses when any address is not
public, and connects to those very addresses.  Through a proxy the proxy connects,
so there is nothing to check here.
"""

from __future__ import annotations

import ipaddress
import socket

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NameResolutionError, NewConnectionError


class RefusedAddress(NewConnectionError):
    """A host that resolves to a private, loopback, link-local or reserved address."""


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])  # '%eth0' scopes a link-local IPv6 address
    return ip.is_global and not ip.is_multicast


def public_session(allowed_hosts: frozenset[str], headers: dict[str, str] | None = None) -> requests.Session:
    """A session whose connections go to public addresses only.

    allowed_hosts ('host' or 'host:port', lower case) may be anywhere: a platform's own API
    host, the loopback fakes in tests.
    """
    session = requests.Session()
    session.headers.update(headers or {})
    adapter = _PublicOnlyAdapter(allowed_hosts)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def refused_address(error: requests.ConnectionError) -> bool:
    """True when the request failed because its host is not a public address."""
    return isinstance(getattr(error.args[0] if error.args else None, "reason", None), RefusedAddress)


class _PublicOnly:
    """Mixed into urllib3's connection classes: where a new connection may go."""

    allowed_hosts: frozenset[str] = frozenset()

    def _new_conn(self) -> socket.socket:
        name, port = self._dns_host, self.port  # type: ignore[attr-defined]
        if name.lower() in self.allowed_hosts or f"{name}:{port}".lower() in self.allowed_hosts:
            return super()._new_conn()  # type: ignore[misc]
        addresses = self._checked_addresses(name, port)
        failure: Exception | None = None
        for address in addresses:
            self._dns_host = address  # urllib3 connects to _dns_host; TLS and Host: read it back below
            try:
                return super()._new_conn()  # type: ignore[misc]
            except NewConnectionError as error:  # unreachable (an IPv6 address without IPv6): try the next
                failure = error
            finally:
                self._dns_host = name
        raise failure or RefusedAddress(self, f"{name} has no address")  # type: ignore[arg-type]

    def _checked_addresses(self, name: str, port: int) -> list[str]:
        try:
            infos = socket.getaddrinfo(name, port, 0, socket.SOCK_STREAM)
        except socket.gaierror as error:
            raise NameResolutionError(name, self, error) from error  # type: ignore[arg-type]
        addresses = list(dict.fromkeys(info[4][0] for info in infos))
        if not all(is_public(address) for address in addresses):
            raise RefusedAddress(self, f"refused: {name} is a private or local address")  # type: ignore[arg-type]
        return addresses


class _PublicOnlyAdapter(HTTPAdapter):
    def __init__(self, allowed_hosts: frozenset[str]):
        self.allowed_hosts = allowed_hosts  # before HTTPAdapter.__init__, which makes the pool manager
        super().__init__()

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _guarded(HTTPConnectionPool, HTTPConnection, self.allowed_hosts),
            "https": _guarded(HTTPSConnectionPool, HTTPSConnection, self.allowed_hosts),
        }


def _guarded(pool: type, connection: type, allowed_hosts: frozenset[str]) -> type:
    guarded = type(f"PublicOnly{connection.__name__}", (_PublicOnly, connection), {"allowed_hosts": allowed_hosts})
    return type(f"PublicOnly{pool.__name__}", (pool,), {"ConnectionCls": guarded})
