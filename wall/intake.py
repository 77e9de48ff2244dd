"""Manual intake: a "Beitrag einreichen" issue becomes a `manual` post file for review.

Everything in the issue is untrusted.  It is read from the event JSON file (never
through a workflow expression), parsed as the issue form renders it
("### Label" followed by the answer), and turned into plain text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from .config import Config
from .fields import parse_timestamp
from .post import Author, Media, Post
from .text import clean_text
from .urls import is_web_url

FIELDS = {
    "Link zum Beitrag": "url",
    "Unternehmen": "company",
    "Text des Beitrags": "text",
    "Bild": "image",
    "Kategorie": "category",
    "Einverständnis": "consent",
}
NO_ANSWER = "_No response_"
IMAGE_MARKDOWN = re.compile(r"!\[[^\]]*\]\((https://[^)\s]+)\)|<img[^>]*src=\"(https://[^\"]+)\"")
IMAGE_HOSTS = ("github.com", "user-images.githubusercontent.com", "private-user-images.githubusercontent.com")
MAX_TEXT = 5000


class IntakeError(Exception):
    """The submission cannot become a post; the message goes back to the submitter (German)."""


@dataclass(frozen=True)
class Submission:
    """The answers of one issue form."""

    number: int
    url: str
    company: str
    text: str
    image: str  # a GitHub attachment's address, '' for none
    category_label: str
    consent: bool
    submitted: datetime
    image_refused: bool = False  # the answer under "Bild" was no image uploaded to the form


def parse_issue(event: dict[str, Any]) -> Submission:
    """Read the issue form's answers from a GitHub `issues` event."""
    issue = event.get("issue") or {}
    answers = _sections(issue.get("body") or "")
    submitted = parse_timestamp(issue.get("created_at") or "") or datetime.now(timezone.utc)
    image_answer = answers.get("image", "").strip()
    image = _image_url(image_answer)
    return Submission(
        number=int(issue.get("number") or 0), url=answers.get("url", "").strip(),
        company=" ".join(answers.get("company", "").split())[:200], text=answers.get("text", "").strip()[:MAX_TEXT],
        image=image, category_label=answers.get("category", "").strip(),
        consent="[x]" in answers.get("consent", "").lower(), submitted=submitted.astimezone(timezone.utc),
        image_refused=bool(image_answer) and not image)


def _sections(body: str) -> dict[str, str]:
    answers: dict[str, str] = {}
    for block in re.split(r"^### ", body.replace("\r\n", "\n"), flags=re.MULTILINE)[1:]:
        label, _, answer = block.partition("\n")
        key = FIELDS.get(label.strip())
        if key:
            answer = answer.strip()
            answers[key] = "" if answer == NO_ANSWER else answer
    return answers


def _image_url(answer: str) -> str:
    match = IMAGE_MARKDOWN.search(answer)
    url = (match.group(1) or match.group(2)) if match else answer.strip()
    host = url.split("/")[2] if url.count("/") >= 2 else ""
    return url if is_web_url(url) and host in IMAGE_HOSTS else ""


def submission_post(submission: Submission, config: Config) -> Post:
    """The post for a submission; IntakeError (in German) when it cannot be one."""
    if not submission.consent:
        raise IntakeError("Ohne Ihr Einverständnis können wir den Beitrag nicht veröffentlichen: Bitte setzen "
                          "Sie das Häkchen unter „Einverständnis“.")
    if not submission.company:
        raise IntakeError("Bitte geben Sie den Namen des Unternehmens an.")
    if not submission.text:
        raise IntakeError("Bitte geben Sie den Text des Beitrags an.")
    if not is_web_url(submission.url):
        raise IntakeError("Bitte geben Sie den Link zum Beitrag an (beginnend mit https://).")
    labels = {category.label: category.key for category in config.categories}
    return Post(id=f"manual:einreichung-{submission.number}", platform="manual",
                url=submission.url, author=Author(name=clean_text(submission.company)),
                published=submission.submitted.replace(microsecond=0), text=clean_text(submission.text),
                status="approved", category=labels.get(submission.category_label, ""),
                note=f"Eingereicht über Issue #{submission.number}",
                media=(Media(path="", alt="", source_url=submission.image),) if submission.image else ())
