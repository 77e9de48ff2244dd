"""Templates as the wall's Jinja2 environment renders them."""

from __future__ import annotations

from pathlib import Path

from wall.renderer import make_environment


def test_templates_see_the_globals_as_they_are_when_rendered(tmp_path: Path):
    (tmp_path / "page.html").write_text('{% from "_lib.html" import shout %}{{ shout(word) }} {{ extra }}')
    (tmp_path / "_lib.html").write_text("{% macro shout(text) %}{{ text|upper }}{{ mark }}{% endmacro %}")
    env = make_environment(tmp_path)
    env.globals.update(mark="!", extra="vorher")
    page = env.get_template("page.html")
    assert page.render(word="<hallo>") == "&lt;HALLO&gt;! vorher"
    env.globals.update(extra="nachher")
    assert page.render(word="a") == "A! nachher"


def test_an_import_sees_the_globals_its_importer_has_and_it_lacks(tmp_path: Path):
    (tmp_path / "page.html").write_text('{% from "_lib.html" import greet %}{{ greet() }}')
    (tmp_path / "_lib.html").write_text("{% macro greet() %}{{ greeting is defined }}{% endmacro %}")
    env = make_environment(tmp_path)
    assert env.get_template("page.html").render() == "False"
    env.cache.clear()
    assert env.get_template("page.html", globals={"greeting": "Hallo"}).render() == "True"
