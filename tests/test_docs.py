"""The README documents every config key, post field, command and core module."""

from __future__ import annotations

import dataclasses
import re

from wall.config import Moderation, SiteInfo
from wall.post import Author, Media, Post

from .conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
MAKEFILE = (ROOT / "Makefile").read_text(encoding="utf-8")


def test_every_site_key_is_documented():
    for field in dataclasses.fields(SiteInfo):
        assert f"`site.{field.name}`" in README, field.name


def test_every_moderation_rule_is_documented():
    for field in dataclasses.fields(Moderation):
        kind, _, name = field.name.partition("_")
        assert f"`moderation.{kind}.{name}`" in README, field.name


def test_every_post_field_is_documented():
    names = {f.name for f in dataclasses.fields(Post)} - {"file"}
    names |= {f.name for f in dataclasses.fields(Author)} | {f.name for f in dataclasses.fields(Media)}
    for name in names:
        assert f"`{name}`" in README, name


def test_quick_start_has_exactly_two_commands_and_ci_runs_the_test_one():
    quick_start = README.split("## Quick start", 1)[1].split("##", 1)[0]
    commands = re.findall(r"^(\S.*?)\s+#", quick_start.split("```sh", 1)[1].split("```", 1)[0], re.M)
    assert commands == ["make site", "make test"]
    assert (ROOT / ".ci/run").read_text(encoding="utf-8").rstrip().endswith("make test")
    assert "\nsite:" in MAKEFILE and "\ntest:" in MAKEFILE


def test_every_connector_and_source_setting_is_documented():
    from connectors import REGISTRY
    from connectors.base import SourceSettings
    for source_type in REGISTRY:
        assert f"| `{source_type}` |" in README, source_type
        assert (ROOT / "docs" / "sources" / f"{source_type}.md").is_file(), source_type
    for field in dataclasses.fields(SourceSettings):
        assert f"`{field.name}`" in README, field.name


def test_every_publish_setting_is_documented():
    from wall.config import PublishSettings
    for field in dataclasses.fields(PublishSettings):
        assert f"publish.{field.name}`" in README, field.name


def test_every_core_module_is_in_the_readmes_layout_table():
    layout = "\n".join(line for line in README.splitlines() if line.startswith("| `wall/`"))
    for module in sorted((ROOT / "wall").glob("*.py")):
        if module.name != "__init__.py":
            assert f"`{module.name}`" in layout, module.name
