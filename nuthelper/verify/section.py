"""The sections to verify: read from a ups.conf (under ``--root``), each with the model it was made for."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from nuthelper.errors import InvalidInput, NotFound
from nuthelper.nutfiles import DEFAULT_CONFIG
from nuthelper.patterns import lazy
from nuthelper.tree import target_path
from nuthelper.writer import read_existing
from nuthelper.upsconf import Problem, Section, UpsConf

# The first comment of a section nut-helper writes (templates/ups.conf.section.j2):
# "MODEL on PORT -- written by nut-helper (confidence: ...)", wrapped onto "#   " lines.
_HEADLINE = lazy(r"^(?P<model>.+?) on (?P<port>\S+) -- written by nut-helper\b")
_CONTINUATION = "#   "


@dataclass
class VerifySection:
    """One ups.conf section as NUT reads it, and the model it is meant to drive."""

    name: str
    driver: str | None
    port: str | None
    settings: dict[str, str]                 # the value NUT uses for each key (the last one given)
    flags: list[str]
    expected_model: str | None = None
    model_from: str | None = None            # "--model" or "comment"
    problems: list[Problem] = field(default_factory=list)   # what NUT reads otherwise than it looks


@dataclass
class VerifyConfig:
    """The ups.conf read: its path, exact text, upsd.conf beside it (None when absent) and sections."""

    path: Path
    text: str
    upsd_conf: str | None
    sections: list[VerifySection]


def made_for(section_text: str) -> str | None:
    """The model named by the explanation comment nut-helper writes at the top of a section."""
    lines = [line.strip() for line in section_text.splitlines()[1:]]
    if not lines or not lines[0].startswith("#"):
        return None
    words = [lines[0].lstrip("#").strip()]
    for line in lines[1:]:
        if not line.startswith(_CONTINUATION):
            break
        words.append(line[len(_CONTINUATION):].strip())
    found = _HEADLINE.match(" ".join(words))
    return found.group("model").strip() if found else None


def _section(conf: UpsConf, section: Section) -> VerifySection:
    settings = {setting.key: setting.value for setting in section.settings}
    model = made_for(conf.render()[section.start:section.end])
    problems = [problem for problem in conf.problems
                if section.header_line <= problem.line <= section.end_line and problem.severity == "error"]
    return VerifySection(section.name, settings.get("driver"), settings.get("port"), settings,
                         [flag.name for flag in section.flags], model, "comment" if model else None, problems)


def read_config(config: str | None = None, root: str | None = None, names: list[str] | None = None,
                model: str | None = None) -> VerifyConfig:
    """The sections ``names`` (all when None) of the ups.conf at ``config`` under ``root``.

    ``model`` is the model the one section asked for was made for; it overrides the comment.
    """
    path = target_path(config or DEFAULT_CONFIG, root)
    text = read_existing(path)
    if text is None:
        raise NotFound(f"{path} does not exist; give the ups.conf to verify with --config (or --root)")
    conf = UpsConf.parse(text, str(path), strict=False)
    if names:
        chosen = []
        for name in names:
            section = conf.get(name)
            if section is None:
                known = ", ".join(f"[{s.name}]" for s in conf.sections) or "none"
                raise NotFound(f"{path} has no section [{name}] (sections: {known}); check the name")
            chosen.append(section)
    else:
        chosen = list(conf.sections)
        if not chosen:
            raise NotFound(f"{path} defines no UPS; write one with 'nut-helper setup --write' first")
    if model is not None and len(chosen) != 1:
        raise InvalidInput("--model names the model of one section: give that section's NAME too")
    sections = [_section(conf, section) for section in chosen]
    if model is not None:
        sections[0].expected_model, sections[0].model_from = model, "--model"
    upsd_conf = read_existing(path.parent / "upsd.conf")
    return VerifyConfig(path, text, upsd_conf, sections)
