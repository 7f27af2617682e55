"""Markdown rendering for Qt: highlighted code, nothing from the answer executed or fetched."""

from __future__ import annotations

from desktop.ui.markdown import render_markdown, render_plain
from desktop.ui.theme import DARK, LIGHT


def test_code_blocks_are_highlighted_and_kept_for_copying() -> None:
    rendered = render_markdown("Text\n\n```python\ndef f():\n    return 1\n```\n", LIGHT,
                               code_link="hearth:code/3")
    assert rendered.code_blocks == ("def f():\n    return 1\n",)
    assert 'href="hearth:code/3/0"' in rendered.html
    assert "<span style=" in rendered.html  # Pygments' inline colours
    assert ">python<" in rendered.html


def test_unknown_languages_fall_back_to_plain_text() -> None:
    rendered = render_markdown("```nosuchlanguage\na < b\n```", LIGHT, code_link="x")
    assert "a &lt; b" in rendered.html and rendered.code_blocks == ("a < b\n",)


def test_raw_html_is_shown_not_interpreted() -> None:
    html = render_markdown("<script>alert(1)</script> <b>x</b>", LIGHT, code_link="x").html
    assert "<script>" not in html and "&lt;script&gt;" in html and "<b>" not in html


def test_images_become_links_and_are_never_loaded() -> None:
    html = render_markdown("![a cat](https://example.com/cat.png) ![local](/etc/passwd)",
                           LIGHT, code_link="x").html
    assert "<img" not in html
    assert '<a href="https://example.com/cat.png">[image: a cat]</a>' in html
    assert "[image: local]" in html and "/etc/passwd" not in html


def test_tables_lists_and_inline_code() -> None:
    html = render_markdown("| a | b |\n|---|---|\n| 1 | 2 |\n\n- one\n- `two`", DARK,
                           code_link="x").html
    assert '<table border="1"' in html and "<li>" in html
    assert "background-color" in html and "<code" in html


def test_plain_text_keeps_spacing_and_escapes() -> None:
    assert render_plain("a  <b>\nc") == ('<p style="margin: 0; white-space: pre-wrap;">'
                                         "a  &lt;b&gt;\nc</p>")
