"""Rendering: values are quoted and escaped by NUT's rules, or refused; names are safe."""

from __future__ import annotations

import pytest

from nuthelper.errors import InvalidInput
from nuthelper.render import comment, render_section
from nuthelper.resolve import resolve

TRIPP = ("Tripp Lite Internet Office 700", "73-0844", "/dev/ttyS0")


def section(**kwargs):
    return render_section(resolve(*TRIPP), **kwargs)


def test_section_shape_and_header():
    rendered = section()
    lines = rendered.text.splitlines()
    assert rendered.name == "tripp-lite-internet-office-700"
    assert lines[0] == f"[{rendered.name}]", "the section starts with its header, so a replace takes it whole"
    settings = [line for line in lines[1:] if not line.startswith("\t#")]
    assert settings == ["\tdriver = genericups", "\tport = /dev/ttyS0", "\tupstype = 5",
                        '\tdesc = "Tripp Lite Internet Office 700"']
    explanation = "\n".join(line for line in lines if line.startswith("\t#"))
    assert "73-0844" in explanation and "Why:" in explanation and "Documented in:" in explanation
    first_setting = lines.index(settings[0])
    assert all(line.startswith("\t#") for line in lines[1:first_setting])


@pytest.mark.parametrize(("desc", "word"), [
    ("plain", "plain"),
    ("Rack 3", '"Rack 3"'),
    ('say "hi"', '"say \\"hi\\""'),
    ("back\\slash", '"back\\\\slash"'),
    ("Rack #3", '"Rack \\#3"'),
    ("#", '"\\#"'),
    ("", '""'),
])
def test_desc_is_escaped(desc, word):
    text = section(desc=desc).text
    if desc:
        assert f"\tdesc = {word}\n" in text
    else:
        assert "desc =" not in text


@pytest.mark.parametrize("desc", ["two\nlines", "carriage\rreturn", "tab\tinside", "bell\x07", "café", "Ω", "x" * 600])
def test_hostile_desc_is_refused(desc):
    with pytest.raises(InvalidInput) as refusal:
        section(desc=desc)
    assert "desc" in refusal.value.message
    assert "\n" not in refusal.value.message


def test_long_but_acceptable_desc():
    text = section(desc="x" * 500).text
    assert "x" * 500 in text


@pytest.mark.parametrize("name", ["default", "my ups", "[x]", "a]b", "", 'q"uote', "ünï", "a/b", "x" * 65, "-lead"])
def test_bad_section_names_refused(name):
    with pytest.raises(InvalidInput):
        section(name=name)


@pytest.mark.parametrize("name", ["ups1", "rack_3", "office-ups", "UPS.A"])
def test_good_section_names(name):
    assert f"[{name}]" in section(name=name).text


def test_port_with_space_is_quoted():
    text = render_section(resolve("Tripp Lite X", "73-0844", "/dev/serial/by-id/usb-a b")).text
    assert '\tport = "/dev/serial/by-id/usb-a b"\n' in text


def test_comment_filter_is_ascii_and_wrapped():
    lines = comment("10 kΩ résistance " + "word " * 40).splitlines()
    assert len(lines) > 1
    assert all(line.startswith("\t# ") and len(line.expandtabs()) <= 78 and line.isascii() for line in lines)
    assert "10 k ohm resistance" in lines[0]


def test_model_text_cannot_inject_lines():
    text = render_section(resolve("Tripp Lite ]evil[ #x", "73-0844", "/dev/ttyS0")).text
    for line in text.splitlines():
        assert line.startswith(("[", "\t"))
