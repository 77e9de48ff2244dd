"""HTTP for connectors: timeouts, retries with backoff, polite waiting on 429, checked JSON."""

from __future__ import annotations

import email.utils
import json
import logging
import time
from datetime import datetime, timezone
from typing import Any, Callable
from urllib.parse import urlsplit

import requests

from .base import ConnectorError

log = logging.getLogger(__name__)

USER_AGENT = "EssenArbeitetZusammen-Wall/1.0 (+https://www.ewg.de/; info@ewg.de)"
MAX_BODY = 20 * 1024 * 1024
RESET_HEADERS = ("x-ratelimit-reset", "ratelimit-reset", "x-rate-limit-reset")


class Session(requests.Session):
    """A requests.Session that reads the environment once per host, not at every request.

    Before each request, requests looks up the proxy, NO_PROXY and CA bundle settings by
    walking every environment variable, twice: a third of a request's own work.  Sources
    share one interpreter, so that work delays the others.  A run's environment does not
    change, and where a host's requests go depends only on it and the host.
    """

    def __init__(self) -> None:
        super().__init__()
        self._environment: dict[tuple[str, bool | None], dict[str, Any]] = {}

    def merge_environment_settings(self, url, proxies, stream, verify, cert):  # type: ignore[no-untyped-def]
        if proxies or verify is not None or cert is not None or not self.trust_env:  # set by the caller
            return super().merge_environment_settings(url, proxies, stream, verify, cert)
        parts = urlsplit(url)
        key = (f"{parts.scheme}://{parts.netloc}", stream)
        if key not in self._environment:
            self._environment[key] = super().merge_environment_settings(url, proxies, stream, verify, cert)
        settings = self._environment[key]
        return {**settings, "proxies": dict(settings["proxies"])}


class HttpClient:
    """One source's HTTP session with the same rules for every platform."""

    def __init__(self, *, timeout: float = 30, retries: int = 3, max_wait: float = 120,
                 token_env: str = "", sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.time, missing_wait: float = 60.0,
                 deadline: float = float("inf")):
        self.session = Session()
        self.session.headers["User-Agent"] = USER_AGENT
        self.timeout = timeout
        self.retries = retries
        self.max_wait = max_wait
        self.token_env = token_env
        self.sleep = sleep
        self.clock = clock
        self.missing_wait = missing_wait  # a 429 without any header: how long to assume
        self.deadline = deadline  # time.monotonic() after which no request is sent
        self.requests_made = 0

    def request(self, method: str, url: str, **options: Any) -> requests.Response:
        """Send a request; retry what can be retried; raise ConnectorError for what cannot."""
        options.setdefault("timeout", self.timeout)
        attempt = 0
        while True:
            attempt += 1
            if time.monotonic() > self.deadline:
                raise ConnectorError("the fetch ran out of time", url=url, kind="network")
            try:
                self.requests_made += 1
                response = self.session.request(method, url, **options)
            except (requests.ConnectionError, requests.Timeout) as error:
                if attempt > self.retries:
                    raise ConnectorError(f"no answer after {attempt} attempts: {_reason(error)}",
                                    url=url, kind="network") from None
                self._backoff(attempt, url, _reason(error))
                continue
            wait = self._wait_before_retry(response, attempt, url)
            if wait is None:
                return response
            self.sleep(wait)

    def _wait_before_retry(self, response: requests.Response, attempt: int, url: str) -> float | None:
        status = response.status_code
        if status == 429 or (status == 503 and "retry-after" in response.headers):
            wait = self.rate_limit_wait(response.headers)
            if wait > self.max_wait or attempt > self.retries:
                asked = (f"the platform asks to wait {wait:.0f} s" if wait != float("inf")
                         else "no time given; the quota resets later")
                raise ConnectorError(f"rate limited (HTTP {status}); {asked}", url=url,
                                     kind="rate_limit", status=status)
            log.info("rate limited by %s, waiting %.0f s as asked", _host(url), wait)
            return wait
        if status >= 500:
            if attempt > self.retries:
                raise ConnectorError(f"server error HTTP {status} after {attempt} attempts",
                                url=url, kind="server", status=status)
            return self._backoff_seconds(attempt)
        if status in (401, 403):
            token = f" (check the token in {self.token_env})" if self.token_env else ""
            raise ConnectorError(f"access refused, HTTP {status}{token}: {_snippet(response)}",
                            url=url, kind="auth", status=status)
        if status >= 400:
            raise ConnectorError(f"HTTP {status}: {_snippet(response)}", url=url, kind="response",
                            status=status)
        return None

    def rate_limit_wait(self, headers: Any) -> float:
        """Seconds to wait, from Retry-After (seconds or date) or a reset header (epoch or ISO)."""
        retry_after = headers.get("retry-after")
        if retry_after:
            seconds = _seconds_until(retry_after, self.clock())
            if seconds is not None:
                return seconds
        for name in RESET_HEADERS:
            if headers.get(name):
                seconds = _seconds_until(headers[name], self.clock())
                if seconds is not None:
                    return seconds
        return self.missing_wait

    def _backoff(self, attempt: int, url: str, reason: str) -> None:
        wait = self._backoff_seconds(attempt)
        log.info("%s: %s; retrying in %.1f s", _host(url), reason, wait)
        self.sleep(wait)

    @staticmethod
    def _backoff_seconds(attempt: int) -> float:
        return min(0.5 * 2 ** (attempt - 1), 8.0)

    def get(self, url: str, **options: Any) -> requests.Response:
        """GET with the client's rules."""
        return self.request("GET", url, **options)

    def get_json(self, url: str, **options: Any) -> tuple[Any, requests.Response]:
        """GET and parse JSON; an HTML error page or a cut-off body is an ConnectorError."""
        response = self.get(url, **options)
        return parse_json(response, url), response

    def post_json(self, url: str, **options: Any) -> tuple[Any, requests.Response]:
        """POST and parse JSON."""
        response = self.request("POST", url, **options)
        return parse_json(response, url), response


def parse_json(response: requests.Response, url: str) -> Any:
    """The JSON body, or ConnectorError naming what came instead."""
    body = response.content
    if len(body) > MAX_BODY:
        raise ConnectorError(f"answer too large ({len(body)} bytes)", url=url, kind="response")
    content_type = response.headers.get("content-type", "")
    if "json" not in content_type and body.lstrip()[:1] not in (b"{", b"["):
        raise ConnectorError(f"expected JSON, got {content_type or 'no content type'}: {_snippet(response)}",
                        url=url, kind="response", status=response.status_code)
    try:
        return json.loads(body)
    except ValueError as error:
        raise ConnectorError(f"the answer is not valid JSON (cut off?): {error}", url=url,
                        kind="response", status=response.status_code) from None


def _seconds_until(value: str, now: float) -> float | None:
    value = value.strip()
    try:
        number = float(value)
    except ValueError:
        number = None
    if number is not None:
        # Small numbers are a delay in seconds, large ones a moment (epoch seconds).
        return max(number - now, 0.0) if number > 10**9 else max(number, 0.0)
    moment = _parse_moment(value)
    return max(moment.timestamp() - now, 0.0) if moment else None


def _parse_moment(value: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    except ValueError:
        pass
    try:
        return email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None


def _reason(error: Exception) -> str:
    return "timed out" if isinstance(error, requests.Timeout) else "connection failed"


def _host(url: str) -> str:
    return url.split("/")[2] if url.count("/") >= 2 else url


def _snippet(response: requests.Response) -> str:
    text = " ".join(response.text[:200].split())
    return text or "(empty body)"
