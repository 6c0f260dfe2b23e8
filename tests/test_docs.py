"""The README stays an overview that starts with its two commands, CI runs the test command it
shows, and the exit codes are tabled once, in the user guide, complete (issue 9 §8: the README was
8,800 words and repeated the exit-code table four times)."""

from __future__ import annotations

import re

from nuthelper import errors
from support.checkout import CHECKOUT, readme_commands

README = CHECKOUT / "README.md"
MAX_README_WORDS = 1000
EXIT_INTERRUPTED = 130


def markdown_files():
    return [README, *sorted((CHECKOUT / "docs").rglob("*.md"))]


def exit_code_tables(text: str) -> list[set[int]]:
    """The codes of each Markdown table whose first column is headed "code" and lists exit codes."""
    tables = []
    for table in re.findall(r"(?:^\|.*\|[ \t]*\n)+", text, flags=re.M):
        header, *rows = table.splitlines()
        if header.strip("| ").split("|")[0].strip().lower() != "code":
            continue
        codes = {int(cell) for row in rows[1:] if (cell := row.strip("| ").split("|")[0].strip()).isdigit()}
        if 0 in codes and len(codes) >= 3:
            tables.append(codes)
    return tables


def test_readme_is_short():
    assert len(README.read_text().split()) <= MAX_README_WORDS


def test_readme_starts_with_its_two_commands():
    text = README.read_text()
    install, tests = readme_commands()
    assert text.index(install) < text.index("```"), "the commands come before any example"
    assert "python3-venv" in install and "nut-helper setup" in install
    assert tests == "bash tests/run.sh"


def test_ci_runs_the_readme_test_command():
    ci = (CHECKOUT / ".ci" / "run").read_text().splitlines()
    commands = [line.strip() for line in ci if line.strip() and not line.lstrip().startswith("#")]
    assert commands[-1] == readme_commands()[1]


def test_exit_codes_are_tabled_once_and_completely():
    found = {path.relative_to(CHECKOUT).as_posix(): tables for path in markdown_files()
             if (tables := exit_code_tables(path.read_text()))}
    assert list(found) == ["docs/user-guide.md"], f"exit-code tables in {sorted(found)}: link to the user guide"
    (codes,) = found["docs/user-guide.md"]
    assert codes == {value for name, value in vars(errors).items() if name.startswith("EXIT_")} | {EXIT_INTERRUPTED}
