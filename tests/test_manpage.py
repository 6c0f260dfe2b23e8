"""docs/nut-helper.8 stays true to the command line: one section per command, describing every option
`nut-helper COMMAND --help` shows and no other, every exit code, and no formatting warnings from man."""

from __future__ import annotations

import argparse
import os
import re
import subprocess
from pathlib import Path

import pytest

from nuthelper import errors
from nuthelper.cli import build_parser

MANUAL = Path(__file__).resolve().parent.parent / "docs" / "nut-helper.8"
EXIT_INTERRUPTED = 130   # nuthelper.cli.main on Ctrl-C


def subcommands(parser: argparse.ArgumentParser, prefix: str = "") -> dict[str, argparse.ArgumentParser]:
    """Every leaf command ("setup", "cables list", ...) and its parser."""
    actions = [action for action in parser._actions if isinstance(action, argparse._SubParsersAction)]
    if not actions:
        return {prefix.strip(): parser}
    found = {}
    for name, child in actions[0].choices.items():
        found.update(subcommands(child, f"{prefix} {name}"))
    return found


COMMANDS = subcommands(build_parser())


def plain(roff: str) -> str:
    return roff.replace("\\-", "-").replace("\\e", "\\")


def sections(heading: str) -> dict[str, str]:
    """The text under each ``.SH``/``.SS`` heading, by heading (roff escapes of '-' removed)."""
    text = plain(MANUAL.read_text())
    parts = re.split(rf'^\{heading} "?(.*?)"?$', text, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2]))


def command_sections() -> dict[str, str]:
    """The COMMANDS subsections by the command they describe ("nut-helper cables show ID" -> "cables show")."""
    found = {}
    for heading, body in sections(".SS").items():
        words = heading.split()[1:]
        name = " ".join(word for word in words if word.islower() and word.isalpha())
        found[name] = body.split("\n.SH ")[0]
    return found


def mentioned_options(text: str) -> set[str]:
    return set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", text))


def test_every_command_has_a_section():
    assert set(command_sections()) == set(COMMANDS)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_section_describes_exactly_the_commands_options(command):
    options = {option for action in COMMANDS[command]._actions for option in action.option_strings
               if option.startswith("--")} - {"--help"}
    assert mentioned_options(command_sections()[command]) == options


def test_global_options():
    options = sections(".SH")["OPTIONS"]
    assert {"--help", "--version"} <= mentioned_options(options)


def test_every_exit_code_is_explained():
    codes = {value for name, value in vars(errors).items() if name.startswith("EXIT_")} | {EXIT_INTERRUPTED}
    explained = {int(code) for code in re.findall(r"^\.TP\n\.B (\d+)$", sections(".SH")["EXIT STATUS"], flags=re.M)}
    assert explained == codes


def test_man_formats_it_without_warnings():
    # What lintian's manpages check runs (it adds -Z): any warning is a lintian warning too.
    done = subprocess.run(["man", "--warnings", "-E", "UTF-8", "-l", "-Tutf8", str(MANUAL)],
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, "LC_ALL": "C.UTF-8", "MANROFFSEQ": "", "MANWIDTH": "80"})
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert "cable-aware configuration for Network UPS Tools" in done.stdout
