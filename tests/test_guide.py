"""``nut-helper guide`` used as a person would: the real program in a real pseudo-terminal, keys
typed at its prompts (readline line editing and Tab completion included), on a simulated serial
UPS driven afterwards by Debian's real apcsmart; and the ways out, which leave every file as it was."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from support.access import let_nut_open
from support.cli import NUT_HELPER
from support.target import target_root
from support.terminal import TerminalSession

PROMPT_END = "]: "
SMART_UPS = "APC Smart-UPS 1500"
EXISTING = "[old]\n\tdriver = dummy-ups\n\tport = old.dev\n\tdesc = \"kept as it is\"\n"


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under ``root``: its bytes and mode."""
    return {str(path.relative_to(root)): (path.read_bytes(), path.stat().st_mode)
            for path in sorted(root.rglob("*")) if path.is_file()}


@pytest.fixture
def root(tmp_path) -> Path:
    """A target system whose ups.conf already has a UPS the guide must leave alone."""
    root = target_root(tmp_path / "root")
    (root / "etc" / "nut" / "ups.conf").write_text(EXISTING)
    return root


@pytest.fixture
def apc(sim_bench):
    port = sim_bench.add("ttyapc", "apc")
    let_nut_open(port.device)                # what the udev rule does for a real port
    return port


def guide(root: Path, *args: str) -> TerminalSession:
    return TerminalSession([*NUT_HELPER, "guide", "--root", str(root), "--seconds", "20", *args],
                           env={**os.environ, "TERM": "xterm"})


def at(term: TerminalSession, question: str) -> str:
    """Wait for ``question`` and the end of its prompt (readline is then reading keys); what came before."""
    before = term.expect(question)
    term.expect(PROMPT_END)
    return before


def test_a_full_run_ends_with_a_written_and_verified_configuration(root, apc):
    with guide(root) as term:
        at(term, "Where is the UPS connected?")
        term.type_line(apc.path)
        at(term, "UPS model, as printed on it")
        term.type("Smart-UPS 15\t\t")                       # Tab: the resolver's suggestions
        term.expect("APC Smart-UPS")
        term.type("\x15APC Smart-UPS 1500\r")               # Ctrl-U clears the line, then the model
        drawn = at(term, "Which cable joins the UPS and this computer?")
        assert any("1) 940-0024C clone" in line and "2) Gray APC 940-0095A" in line for line in drawn.splitlines())
        assert "What tells them apart:" in drawn and "labelled 940-0024C" in drawn
        term.type_line("")                                   # the default: the smart cable
        term.expect("-> apcsmart with the 940-0024C clone")
        at(term, "Name of the UPS in ups.conf")
        term.type_line("rack")
        shown = at(term, "Write these changes? [y/N")
        assert "+[rack]" in shown and "ups.conf: would be added (ups.conf: section [rack])" in shown
        term.type_line("y")
        verified = term.expect("It works.")
        assert term.wait() == 0, term.output
    assert f"[rack] works: ran apcsmart on {apc.path}" in verified
    assert "identifies itself as 'APC Smart-UPS 1500'" in verified
    written = (root / "etc" / "nut" / "ups.conf").read_text()
    assert written.startswith(EXISTING) and "[rack]" in written
    assert "\tdriver = apcsmart\n" in written and f"\tport = {apc.path}\n" in written


def test_enter_at_every_question_asks_the_unit_and_takes_the_defaults(root, apc):
    with guide(root) as term:
        at(term, "Where is the UPS connected?")
        term.type_line(apc.path)
        at(term, "UPS model, as printed on it")
        term.type_line("")                                   # Enter: ask the unit on the port
        assert term.expect("-> apcsmart")
        at(term, "Name of the UPS in ups.conf")
        term.type_line("")
        at(term, "Write these changes? [y/N")
        term.type_line("y")
        term.expect("It works.")
        assert term.wait() == 0, term.output
    assert f"[Enter: ask the unit on {apc.path} which protocol it speaks]" in term.output
    assert "asking the unit on" in term.output and "Which cable" not in term.output
    written = (root / "etc" / "nut" / "ups.conf").read_text()
    assert "\tdriver = apcsmart\n" in written and written.startswith(EXISTING)


def _to_the_cable_question(term: TerminalSession, port: str) -> None:
    at(term, "Where is the UPS connected?")
    term.type_line(port)
    at(term, "UPS model, as printed on it")
    term.type_line(SMART_UPS)
    at(term, "Which cable joins the UPS and this computer?")


STOPS = {
    "at the port": lambda term, port: at(term, "Where is the UPS connected?"),
    "at the model": lambda term, port: (at(term, "Where is the UPS connected?"), term.type_line(port),
                                        at(term, "UPS model, as printed on it"), term.type("APC Smart")),
    "at the cable": _to_the_cable_question,
    "at the write": lambda term, port: (_to_the_cable_question(term, port), term.type_line("2"),
                                        at(term, "Name of the UPS in ups.conf"), term.type_line(""),
                                        at(term, "Write these changes? [y/N")),
}


@pytest.mark.parametrize("where", list(STOPS))
def test_ctrl_c_leaves_every_file_as_it_was(root, apc, where):
    before = snapshot(root)
    with guide(root) as term:
        STOPS[where](term, apc.path)
        term.ctrl_c()
        assert term.wait() == 130
    assert "nut-helper: interrupted: nothing was written" in term.output
    assert snapshot(root) == before


def test_ctrl_d_and_no_at_the_write_leave_every_file_as_it_was(root, apc):
    before = snapshot(root)
    with guide(root) as term:
        at(term, "Where is the UPS connected?")
        term.ctrl_d()
        assert term.wait() == 130
    assert "nut-helper: ended: nothing was written" in term.output
    with guide(root) as term:
        _to_the_cable_question(term, apc.path)
        term.type_line("")
        at(term, "Name of the UPS in ups.conf")
        term.type_line("")
        at(term, "Write these changes? [y/N")
        term.type_line("")                                   # the default is no
        term.expect("Nothing was written.")
        assert term.wait() == 0
    assert snapshot(root) == before


def test_every_question_has_a_way_back(root, apc):
    from nuthelper.resolve import resolve

    def answer_with(cable: str) -> str:             # what setup --model ... --cable ... answers
        return resolve(SMART_UPS, cable, apc.path).choice.summary()

    before = snapshot(root)
    with guide(root) as term:
        _to_the_cable_question(term, apc.path)
        term.type_line("3")
        term.expect(f"-> {answer_with('apc-940-0020b')} with the Gray APC 940-0020B")
        at(term, "Name of the UPS in ups.conf")
        term.type_line("<")
        at(term, "Which cable joins the UPS and this computer?")
        term.type_line("2")
        term.expect(f"-> {answer_with('apc-940-0095a')} with the Gray APC 940-0095A")
        at(term, "Name of the UPS in ups.conf")
        term.type_line("")
        shown = at(term, "Write these changes? [y/N")
        assert "Cable: Gray APC 940-0095A" in shown
        for question in ("Name of the UPS in ups.conf", "Which cable joins the UPS and this computer?",
                         "UPS model, as printed on it", "Where is the UPS connected?"):
            term.type_line("<")
            at(term, question)
        term.type_line("<")
        term.expect("(this is the first question)")
        at(term, "Where is the UPS connected?")
        term.ctrl_c()
        assert term.wait() == 130
    assert snapshot(root) == before


def test_a_model_nobody_knows_is_asked_again_with_the_names_that_come_close(root, apc):
    with guide(root) as term:
        at(term, "Where is the UPS connected?")
        term.type_line(apc.path)
        at(term, "UPS model, as printed on it")
        term.type_line("Zyxwv Qqq 123")
        at(term, "UPS model, as printed on it")
        term.ctrl_c()
        assert term.wait() == 130
    asked = term.output.split("Zyxwv Qqq 123", 1)[1]
    assert "UPS model, as printed on it" in asked and "Traceback" not in term.output


def test_a_stdin_that_is_not_a_terminal_is_refused_in_one_line(root):
    before = snapshot(root)
    done = subprocess.run([*NUT_HELPER, "guide", "--root", str(root)], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "stdin is not one" in done.stderr
    assert snapshot(root) == before
