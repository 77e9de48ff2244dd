"""Manual intake: an issue form's answers become a manual post, hostile input stays plain text."""

from __future__ import annotations

import pytest
import yaml

from wall.config import load_config
from wall.intake import IntakeError, parse_issue, submission_post

from .conftest import ROOT

FORM = ROOT / ".github" / "ISSUE_TEMPLATE" / "beitrag-einreichen.yml"


def issue_body(url="https://www.linkedin.com/feed/update/urn:li:share:1", company="Druckerei Altenessen",
               text="Wir bieten Druck von Plakaten.", image="_No response_", category="Angebot",
               consent="- [X] Ich darf diesen Beitrag einreichen"):
    return (f"### Link zum Beitrag\n\n{url}\n\n### Unternehmen\n\n{company}\n\n### Text des Beitrags\n\n{text}\n\n"
            f"### Bild\n\n{image}\n\n### Kategorie\n\n{category}\n\n### Einverständnis\n\n{consent}\n")


def event(body: str, number: int = 7) -> dict:
    return {"issue": {"number": number, "body": body, "created_at": "2020-04-02T08:30:00Z"}}


@pytest.fixture(scope="module")
def config():
    return load_config(ROOT / "config.yaml")


def test_the_form_asks_for_every_field_the_parser_reads():
    form = yaml.safe_load(FORM.read_text(encoding="utf-8"))
    labels = [item["attributes"]["label"] for item in form["body"] if item["type"] != "markdown"]
    assert labels == ["Link zum Beitrag", "Unternehmen", "Text des Beitrags", "Bild", "Kategorie", "Einverständnis"]


def test_a_complete_submission_becomes_an_approved_manual_post(config):
    image = "![foto](https://github.com/user-attachments/assets/0f3c-11)"
    assert not parse_issue(event(issue_body(image=image))).image_refused
    assert not parse_issue(event(issue_body())).image_refused, "no image is no refused image"
    post = submission_post(parse_issue(event(issue_body(image=image))), config)
    assert (post.id, post.platform, post.status, post.category) == ("manual:einreichung-7", "manual", "approved", "angebot")
    assert post.author.name == "Druckerei Altenessen" and post.text == "Wir bieten Druck von Plakaten."
    assert post.media[0].source_url == "https://github.com/user-attachments/assets/0f3c-11"
    assert post.published.isoformat() == "2020-04-02T08:30:00+00:00"
    assert post.note == "Eingereicht über Issue #7"


@pytest.mark.parametrize("changes, message", [
    ({"consent": "- [ ] Ich darf"}, "Einverständnis"),
    ({"url": "javascript:alert(1)"}, "Link zum Beitrag"),
    ({"company": "_No response_"}, "Namen des Unternehmens"),
    ({"text": "   "}, "Text des Beitrags"),
])
def test_incomplete_submissions_are_refused_in_german(config, changes, message):
    with pytest.raises(IntakeError, match=message):
        submission_post(parse_issue(event(issue_body(**changes))), config)


def test_hostile_answers_stay_text_and_images_come_only_from_github(config):
    body = issue_body(company="<script>alert(1)</script>\u202e", text="{{ 7*7 }} ${{ secrets.TOKEN }} <img onerror=x>",
                      image="![x](https://evil.example/track.gif)")
    submission = parse_issue(event(body))
    assert submission.image_refused, "the submitter is told the image was not taken"
    post = submission_post(submission, config)
    assert post.author.name == "<script>alert(1)</script>"
    assert post.text == "{{ 7*7 }} ${{ secrets.TOKEN }} <img onerror=x>"
    assert post.media == ()
