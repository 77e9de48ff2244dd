"""LinkedIn: posts of configured organisation pages whose commentary carries one of the hashtags.

LinkedIn offers third parties no hashtag search.  The Posts API lists an
organisation's posts, the most recently changed first; a post is kept when its
commentary (LinkedIn's "little text" format) carries one of the hashtags.  A listing
cut short by max_pages keeps the organisation's mark and the offset it reached; the
next run goes on there before the mark moves on.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Sequence
from urllib.parse import quote

from wall.fields import utc_from_epoch
from wall.post import Author, Media, Post

from .base import ConnectorError, FetchResult, SourceContext, SourceSettings
from .linkedin_text import commentary_text

PAGE_SIZE = 50
OVERLAP = 5  # a post deleted above a stored offset moves the rest up by one: go on a few earlier
RECHECKS = 20  # known posts asked for by id each run, newest first
ORGANIZATION = re.compile(r"(?:urn:li:organization:)?(\d{1,20})")
POST_URN = re.compile(r"urn:li:(?:share|ugcPost):\d{1,30}")
VERSION = re.compile(r"20\d{4}")
HASHTAG = re.compile(r"(?<![\w#&/])#(\w[\w·]*)")
VIDEO_ALT = "Vorschaubild eines Videos"


@dataclass(frozen=True, kw_only=True)
class LinkedInSettings(SourceSettings):
    """A LinkedIn source: the organisation pages whose posts are read."""

    organizations: tuple[str, ...]  # ids (12345678) or URNs (urn:li:organization:12345678)
    linkedin_version: str = "202604"  # the LinkedIn-Version header, YYYYMM; versions live ~12 months
    token_env: str = "LINKEDIN_TOKEN"


class LinkedInConnector:
    """Reads /rest/posts of each organisation; keeps the posts that carry a hashtag."""

    type = "linkedin"
    Settings = LinkedInSettings
    default_api_base = "https://api.linkedin.com"
    needs_token = True
    missing_rate_limit_wait = float("inf")  # LinkedIn's 429 has no header; quotas reset at midnight UTC

    def __init__(self, settings: LinkedInSettings, context: SourceContext):
        _check(settings)
        self.settings = settings
        self.context = context
        self.headers = {"Authorization": f"Bearer {context.token}",
                        "LinkedIn-Version": settings.linkedin_version,
                        "X-Restli-Protocol-Version": "2.0.0"}
        self.tags = {_fold(tag) for tag in context.hashtags}
        self.authors: dict[str, Author] = {}
        self.scans: dict[str, dict[str, int]] = {}  # organisation -> start and top of a listing cut short

    def fetch(self, known: Sequence[Post]) -> FetchResult:
        """Read each organisation's posts changed since the last run; recheck the newest known ones."""
        result = FetchResult(state={"modified": {}})
        known_by_id = {post.id: post for post in known}
        listed: list[tuple[str, dict]] = []
        organizations = tuple(dict.fromkeys(ORGANIZATION.fullmatch(item).group(1)
                                            for item in self.settings.organizations))
        scans = self.context.state.get("scan")
        scans = scans if isinstance(scans, dict) else {}
        self.scans = {organization: scans[organization] for organization in organizations
                      if _is_scan(scans.get(organization))}
        errors: list[ConnectorError] = []
        for organization in organizations:
            try:
                listed.extend((organization, element) for element in self._read(organization, result))
            except ConnectorError as error:
                self._skip_organization(organization, error, result)
                errors.append(error)
        if len(errors) == len(organizations):
            raise errors[0]
        if self.scans:
            result.state["scan"] = self.scans
        taken: set[str] = set()
        # Originals first, so that a reshare of one is recognised and gives no second copy.
        for organization, element in sorted(listed, key=lambda pair: bool(pair[1].get("reshareContext"))):
            self._take(organization, element, result, taken, known_by_id)
        self._recheck(known, result, {str(element.get("id")) for _, element in listed})
        return result

    def _read(self, organization: str, result: FetchResult) -> list[dict]:
        """The organisation's posts changed since the stored mark, each once."""
        mark = _millis((self.context.state.get("modified") or {}).get(organization))
        scan = self.scans.get(organization, {}) if mark else {}
        url = f"{self.settings.api_base}/rest/posts"
        params = {"author": f"urn:li:organization:{organization}", "q": "author", "count": PAGE_SIZE,
                  "start": max(scan.get("start", 0) - OVERLAP, 0), "sortBy": "LAST_MODIFIED"}
        found: dict[str, dict] = {}
        more = False
        for _ in range(self.settings.max_pages):
            page = self._get(url, params)
            elements = _elements(page, url)
            fresh = [element for element in elements if not _at_or_before(element, mark)]
            for element in fresh:  # offset paging: a post that arrives mid-scan repeats one
                found.setdefault(element["id"], element)
            params["start"] += len(elements)
            more = bool(elements) and len(fresh) == len(elements) and _more(page)
            if not more:
                break
        top = max([scan.get("top", 0)] + [_millis(e.get("lastModifiedAt")) or 0 for e in found.values()])
        self._keep(organization, mark, params["start"] if more else None, top, result)
        return list(found.values())

    def _keep(self, organization: str, mark: int | None, start: int | None, top: int, result: FetchResult) -> None:
        """A listing cut short keeps the mark and goes on at its offset next run; else the mark moves up.

        New posts only move older ones to later offsets, so going on at the old offset reads a
        few twice (taken once) rather than skip one. A first run (no mark yet) reads max_pages
        pages and no further, as the docs promise.
        """
        if start is not None and mark and top:
            self.scans[organization] = {"start": start, "top": top}
            result.state["modified"][organization] = mark
            result.warnings.append(f"organisation {organization}: more than max_pages ({self.settings.max_pages}) "
                                   "pages of new or changed posts; the next run reads on")
            return
        self.scans.pop(organization, None)
        if newest := max(mark or 0, top):
            result.state["modified"][organization] = newest

    def _skip_organization(self, organization: str, error: ConnectorError, result: FetchResult) -> None:
        """One page that cannot be read is a warning; an expired token or a quota stops the source."""
        if error.status == 401 or error.kind == "rate_limit":
            raise error
        result.warnings.append(f"organisation {organization} not read: {error}")
        if mark := _millis((self.context.state.get("modified") or {}).get(organization)):
            result.state["modified"][organization] = mark  # kept for the next run

    def _take(self, organization: str, element: dict, result: FetchResult, taken: set[str],
              known: dict[str, Post]) -> None:
        post_id = f"linkedin:{element.get('id')}"
        if not _public(element) or _reshare_of(element, taken | known.keys()):
            result.skipped += 1
            return
        text = commentary_text(element)
        hashtags = tuple(dict.fromkeys(HASHTAG.findall(text)))
        published = _moment(element.get("publishedAt") or element.get("createdAt"))
        if not self.tags & {_fold(tag) for tag in hashtags} or published is None:
            result.skipped += 1
            return
        edited = (element.get("lifecycleStateInfo") or {}).get("isEditedByAuthor")
        taken.add(post_id)
        post = Post(
            id=post_id, platform="linkedin", url=f"https://www.linkedin.com/feed/update/{element['id']}/",
            author=self._author(organization, result),
            published=published, text=text, status="pending", hashtags=hashtags,
            media=self._media(element, known.get(post_id), result),
            edited_at=_moment(element.get("lastModifiedAt")) if edited else None,
        )
        result.posts.append(post)
        self.context.hand_over(post)

    def _author(self, organization: str, result: FetchResult) -> Author:
        """The page whose posts were listed (the finder's `author`), asked for once per run."""
        if organization not in self.authors:
            self.authors[organization] = self._look_up(organization, result)
        return self.authors[organization]

    def _look_up(self, organization: str, result: FetchResult) -> Author:
        try:
            page = self._get(f"{self.settings.api_base}/rest/organizations/{organization}")
        except ConnectorError as error:
            if error.status not in (403, 404):
                raise
            result.warnings.append(f"organisation {organization}: name not readable ({error}); using its id")
            page = {}
        name = page.get("localizedName") if isinstance(page, dict) else None
        vanity = page.get("vanityName") if isinstance(page, dict) else None
        slug = quote(str(vanity or organization), safe="-_.")
        return Author(name=str(name or f"LinkedIn-Seite {organization}"), handle=str(vanity or ""),
                      url=f"https://www.linkedin.com/company/{slug}/")

    def _media(self, element: dict, known: Post | None, result: FetchResult) -> tuple[Media, ...]:
        references = _media_references(element.get("content") or {})
        if known is not None and references and len(known.media) == len(references):
            # Download URLs are signed anew on every call; the stored images stay what they were.
            return tuple(Media(path="", type="image", alt=_alt(urn, alt), source_url=stored.source_url)
                         for (urn, alt), stored in zip(references, known.media))
        return tuple(filter(None, (self._resolve(urn, alt, result) for urn, alt in references)))

    def _resolve(self, urn: str, alt: str, result: FetchResult) -> Media | None:
        """An image URN (or a video's thumbnail) as a downloadable Media."""
        video = urn.startswith("urn:li:video:")
        try:
            found = self._get(f"{self.settings.api_base}/rest/{'videos' if video else 'images'}/"
                              f"{quote(urn, safe='')}")
        except ConnectorError as error:
            if error.status != 404:
                raise
            found = None
        source = found.get("thumbnail" if video else "downloadUrl") if isinstance(found, dict) else None
        if not isinstance(source, str) or not source.startswith(("https://", "http://")):
            result.warnings.append(f"{urn}: no download URL; image left out")
            return None
        return Media(path="", type="image", alt=_alt(urn, alt), source_url=source)

    def _recheck(self, known: Sequence[Post], result: FetchResult, listed: set[str]) -> None:
        """Ask for the newest known posts by id: 404 means deleted (the listing never says so)."""
        newest = sorted((post for post in known if post.status != "rejected" and post.native_id not in listed),
                        key=lambda post: post.published, reverse=True)[:RECHECKS]
        for post in newest:
            try:
                self._get(f"{self.settings.api_base}/rest/posts/{quote(post.native_id, safe='')}")
            except ConnectorError as error:
                if error.status not in (404, 410):
                    result.warnings.append(f"checking known posts for deletions stopped: {error}")
                    return
                result.gone.append(post.id)

    def _get(self, url: str, params: dict[str, Any] | None = None) -> Any:
        try:
            data, _ = self.context.http.get_json(url, params=params, headers=self.headers)
        except ConnectorError as error:
            raise self._explained(error) from None
        return data

    def _explained(self, error: ConnectorError) -> ConnectorError:
        """LinkedIn's refusals in words that say what to do."""
        detail = str(error.args[0]).split(": ", 1)[-1]
        env = self.settings.token_env
        if error.status == 401:
            message = (f"LinkedIn did not accept the token in {env} (expired or revoked; tokens last "
                       f"about 60 days, see docs/sources/linkedin.md to renew it): {detail}")
        elif error.status == 403:
            message = (f"LinkedIn refused the token in {env}: its member needs an admin role on the page "
                       f"and the token the r_organization_social scope: {detail}")
        elif error.status == 426 or (error.status == 400 and "VERSION" in detail):
            message = (f"LinkedIn does not serve API version {self.settings.linkedin_version} (any more): "
                       f"set `linkedin_version` to a current YYYYMM version: {detail}")
        else:
            return error
        kind = "auth" if error.status in (401, 403) else "response"
        return ConnectorError(message, url=error.url, kind=kind, status=error.status)


def _check(settings: LinkedInSettings) -> None:
    """What the settings' types cannot say; a wrong value fails the source with this message."""
    bad = [item for item in settings.organizations if not ORGANIZATION.fullmatch(item)]
    if bad:
        raise ConnectorError("organizations: list the pages to read as quoted ids such as '12345678' "
                             f"or as urn:li:organization:12345678, not {bad[0][:40]!r}")
    if not VERSION.fullmatch(settings.linkedin_version):
        raise ConnectorError(f"linkedin_version: expected a quoted YYYYMM such as '202604', "
                             f"got {settings.linkedin_version[:20]!r}")


def _fold(tag: str) -> str:
    return unicodedata.normalize("NFC", tag).casefold()


def _elements(page: Any, url: str) -> list[dict]:
    if not isinstance(page, dict) or not isinstance(page.get("elements"), list):
        raise ConnectorError("expected an object with a list of `elements`", url=url, kind="response")
    return [element for element in page["elements"]
            if isinstance(element, dict) and POST_URN.fullmatch(str(element.get("id", "")))]


def _more(page: dict) -> bool:
    """Whether another page may follow: a next link, or a full page (links are optional)."""
    paging = page.get("paging") if isinstance(page.get("paging"), dict) else {}
    if any(isinstance(link, dict) and link.get("rel") == "next" for link in paging.get("links") or []):
        return True
    return len(page["elements"]) >= (_millis(paging.get("count")) or PAGE_SIZE)


def _is_scan(value: Any) -> bool:
    return (isinstance(value, dict) and isinstance(value.get("start"), int) and value["start"] >= 0
            and _millis(value.get("top")) is not None)


def _public(element: dict) -> bool:
    distribution = element.get("distribution") or {}
    return (element.get("lifecycleState", "PUBLISHED") == "PUBLISHED"
            and element.get("visibility", "PUBLIC") == "PUBLIC"
            and distribution.get("feedDistribution") != "NONE")  # 'NONE': an ad, not in any feed


def _reshare_of(element: dict, stored: set[str]) -> bool:
    """True for a reshare whose original is already stored or taken in this run."""
    context = element.get("reshareContext") or {}
    return any(f"linkedin:{context.get(key)}" in stored for key in ("root", "parent") if context.get(key))


def _media_references(content: dict) -> list[tuple[str, str]]:
    """(URN, alt text) of the images and videos of a post; articles, documents and polls have none."""
    items = [content.get("media")] + list((content.get("multiImage") or {}).get("images") or [])
    return [(str(item["id"]), str(item.get("altText") or "").strip()) for item in items
            if isinstance(item, dict) and str(item.get("id", "")).startswith(("urn:li:image:", "urn:li:video:"))]


def _alt(urn: str, alt: str) -> str:
    if urn.startswith("urn:li:video:"):
        return f"{VIDEO_ALT}: {alt}" if alt else VIDEO_ALT
    return alt


def _millis(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _moment(value: Any) -> datetime | None:
    millis = _millis(value)
    return utc_from_epoch(millis // 1000) if millis else None


def _at_or_before(element: dict, mark: int | None) -> bool:
    modified = _millis(element.get("lastModifiedAt"))
    return mark is not None and modified is not None and modified <= mark
