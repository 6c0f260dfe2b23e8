"""Rendering: configuration text from the Jinja2 templates in templates/, and nowhere else.

Values pass through NUT's quoting rules (``nuthelper.confsyntax``); a value NUT would
misread is refused with a clear error rather than written.
"""

from __future__ import annotations

import os
import textwrap
import unicodedata
from functools import lru_cache

import jinja2

from nuthelper.confsyntax import escape_value, section_name_from, validate_section_name
from nuthelper.errors import DamagedInstallation, InvalidInput
from nuthelper.patterns import lazy
from nuthelper.records import Record
from nuthelper.resolve import Recommendation
from nuthelper.resources import templates_directory

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

COMMENT_WIDTH = 78
_KEY = lazy(r"^[A-Za-z][A-Za-z0-9_.-]*$")


def comment(text: str) -> str:
    """Free text as indented ups.conf comment lines: printable ASCII, wrapped, each starting with '#'."""
    ascii_text = unicodedata.normalize("NFKD", str(text).replace("Ω", " ohm"))
    ascii_text = "".join(char if 0x20 <= ord(char) < 0x7F else " " if char.isspace() else "?"
                         for char in ascii_text if not unicodedata.combining(char))
    lines = textwrap.wrap(" ".join(ascii_text.split()), COMMENT_WIDTH - 10, subsequent_indent="  ",
                          break_on_hyphens=False) or [""]
    return "\n".join(f"\t# {line}".rstrip() for line in lines)


def nutvalue(value: Any, key: str = "value") -> str:
    """Jinja filter: a value as one ups.conf word."""
    return escape_value(str(value), key)


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_directory()),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["nutvalue"] = nutvalue
    env.filters["comment"] = comment
    return env


def render_template(template: str, **context: Any) -> str:
    """Render one template of templates/ with ``context``; a template that cannot be read is a
    damaged installation, said in one line."""
    try:
        loaded = environment().get_template(template)
    except (OSError, UnicodeDecodeError, jinja2.TemplateError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else \
            "it is missing" if isinstance(error, jinja2.TemplateNotFound) else str(error)
        raise DamagedInstallation(f"nut-helper's template {os.path.join(templates_directory(), template)} cannot be read ({reason}): "
                                  "the installation is damaged; reinstall nut-helper") from None
    return loaded.render(**context)


def _alternative_line(choice: Any) -> str:
    """One alternative in words: the driver and settings, the cable it needs, and when it applies."""
    line = choice.summary()
    if choice.cable_label():
        line += f" (with the {choice.cable_label()})"
    if choice.note:
        line += f": {choice.note}"
    return line


def _listed(label: str, lines: list[str]) -> list[tuple[str, str]]:
    """Notes of one kind: the first under its label, the others as "- " items."""
    return [(label if index == 0 else "- ", line) for index, line in enumerate(lines)]


def check_key(key: str) -> str:
    if not _KEY.match(key):
        raise InvalidInput(f"setting name '{key}' is not a valid ups.conf key: use letters, digits, '.', '_' or '-'")
    return key


class RenderedSection(Record):
    __slots__ = ("name", "desc", "text")

    def __init__(self, name: str, desc: str, text: str) -> None:
        self.name = name
        self.desc = desc
        self.text = text


def render_section(recommendation: Recommendation, *, name: str | None = None,
                   desc: str | None = None) -> RenderedSection:
    """The ups.conf section for a recommendation, headed by a comment saying what and why."""
    choice = recommendation.choice
    name = validate_section_name(name if name is not None else section_name_from(recommendation.display_model))
    desc = recommendation.display_model if desc is None else desc
    if choice.port is None:
        raise InvalidInput("no port is known for this UPS: pass --port")
    cable = choice.cable
    source = cable.source_text() if cable is not None else choice.source
    notes = [("", f"{recommendation.display_model} on {choice.port} -- written by nut-helper "
                  f"(confidence: {choice.confidence}{'' if choice.confirmed else ', unconfirmed'})")]
    if choice.cable_label():
        notes.append(("Cable: ", choice.cable_label()))
    notes.append(("Why: ", f"{choice.summary()}: {choice.because}" if choice.because else choice.summary()))
    if source:
        notes.append(("Documented in: ", source))
    notes += _listed("Alternatives: ", [_alternative_line(alternative) for alternative in recommendation.alternatives])
    notes += [("WARNING: ", warning) for warning in recommendation.warnings]
    text = render_template(
        "ups.conf.section.j2",
        notes=notes,
        name=name,
        driver=choice.driver,
        port=choice.port,
        options=[(check_key(key), value) for key, value in choice.options.items()],
        flags=[check_key(flag) for flag in choice.flags],
        desc=desc,
    )
    return RenderedSection(name, desc, text)
