"""`nut-helper COMMAND --help` says what the command does: each claim below is checked against the
behaviour it describes, through the real CLI (simulated UPSes on real pseudo-terminals where a unit
must answer), and every file a help text names is in the checkout."""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from nuthelper.cli import build_parser
from support.checkout import CHECKOUT
from support.cli import nut_helper
from support.target import target_root


def leaf_parsers(parser: argparse.ArgumentParser, prefix: str = "") -> dict[str, argparse.ArgumentParser]:
    """Every command ("setup", "cables show", ...) and its parser."""
    subparsers = [action for action in parser._actions if isinstance(action, argparse._SubParsersAction)]
    if not subparsers:
        return {prefix.strip(): parser}
    found = {}
    for name, child in subparsers[0].choices.items():
        found.update(leaf_parsers(child, f"{prefix} {name}"))
    return found


COMMANDS = leaf_parsers(build_parser())


def help_of(command: str, flag: str) -> str:
    action = next(action for action in COMMANDS[command]._actions if flag in action.option_strings)
    return " ".join(action.help.split())


def all_help_texts() -> list[tuple[str, str]]:
    texts = []
    for command, parser in COMMANDS.items():
        texts.append((command, parser.description or ""))
        texts += [(f"{command} {'/'.join(action.option_strings) or action.dest}", action.help or "")
                  for action in parser._actions]
    return texts


def test_help_names_only_files_the_checkout_has():
    for where, text in all_help_texts():
        assert "README" not in text, f"{where}: the README is an overview; name the guide that says it"
        for named in re.findall(r"\bdocs/[\w./-]*\w", text):
            assert (CHECKOUT / named).is_file(), f"{where} names {named}, which does not exist"


def test_probe_protocols_apply_to_setup_probe_too(sim_bench):
    assert re.search(r"--probe\b(?!-)", help_of("setup", "--probe-protocols"))
    q1 = sim_bench.add("ttyq1", "q1")
    done = nut_helper("setup", "--model", "Zyxbrand 1000", "--port", q1.path, "--probe", "--probe-protocols",
                      "apcsmart", "--probe-timeout", "0.4", "--json")
    answer = json.loads(done.stdout)
    assert done.returncode == 0 and answer["confidence"] == "inferred", done.stderr
    assert any("did not answer" in warning and "apcsmart" in warning for warning in answer["warnings"]), \
        "only the protocols named were tried, so the Q1 unit stayed silent"


def test_model_is_optional_with_upstype():
    assert "--upstype" in help_of("setup", "--model")
    done = nut_helper("setup", "--upstype", "2", "--port", "/dev/ttyS0", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["desc"] == "UPS of genericups type 2"


def test_port_takes_a_network_address():
    assert "network" in help_of("setup", "--port")
    done = nut_helper("setup", "--model", "APC AP9631", "--port", "192.0.2.10", "--json")
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert (answer["driver"], answer["port"]) == ("snmp-ups", "192.0.2.10")


def test_the_bundled_list_stands_behind_the_systems():
    assert "bundled" in help_of("setup", "--hcl") and "not name" in help_of("setup", "--hcl")
    done = nut_helper("setup", "--model", "Ippon Smart Power Pro II Euro 2200", "--port", "auto", "--json")
    assert done.returncode == 0, done.stderr
    assert any("newer hardware list, bundled" in reason for reason in json.loads(done.stdout)["reasons"]), \
        "the system's list lacks the model and the bundled one answers"


def test_read_only_commands_do_not_claim_to_write_under_root(tmp_path: Path):
    root = target_root(tmp_path / "root")
    before = sorted(path.relative_to(root) for path in root.rglob("*"))
    for command, args in (("lookup", ["lookup", "Back-UPS"]), ("cables list", ["cables", "list"]),
                          ("cables show", ["cables", "show", "73-0844"])):
        assert "writ" not in help_of(command, "--root"), command
        done = nut_helper(*args, "--root", str(root))
        assert done.returncode == 0, done.stderr
    assert sorted(path.relative_to(root) for path in root.rglob("*")) == before
    for command in ("setup", "guide"):
        assert "written under DIR" in help_of(command, "--root"), command


def test_config_is_placed_under_root(tmp_path: Path):
    for command in ("setup", "verify", "check", "guide"):
        assert "under --root" in help_of(command, "--config"), command
    root = target_root(tmp_path / "root")
    done = nut_helper("setup", "--upstype", "2", "--port", "/dev/ttyS0", "--name", "office", "--write", "--root",
                      str(root), "--config", "/etc/nut/other.conf", "--no-udev-rule")
    assert done.returncode == 0, done.stderr
    assert "[office]" in (root / "etc" / "nut" / "other.conf").read_text()
    done = nut_helper("verify", "--root", str(root), "--config", "/etc/nut/missing.conf")
    assert done.returncode == 3 and f"{root}/etc/nut/missing.conf does not exist" in done.stderr


def test_verify_model_needs_a_name_only_when_there_are_several_sections(tmp_path: Path):
    assert "several sections" in help_of("verify", "--model")
    config = tmp_path / "ups.conf"
    config.write_text("[one]\n\tdriver = nosuchdriver\n\tport = /dev/ttyS0\n")
    done = nut_helper("verify", "--config", str(config), "--model", "APC Smart-UPS 1500", "--json")
    document = json.loads(done.stdout)
    assert done.returncode == 8 and document["sections"][0]["model"] == {"expected": "APC Smart-UPS 1500",
                                                                          "from": "--model"}, done.stderr
    config.write_text(config.read_text() + "[two]\n\tdriver = nosuchdriver\n\tport = /dev/ttyS1\n")
    done = nut_helper("verify", "--config", str(config), "--model", "APC Smart-UPS 1500")
    assert done.returncode == 2 and "NAME" in done.stderr


def test_lookup_limit_is_named_as_its_help_says():
    action = next(action for action in COMMANDS["lookup"]._actions if "--limit" in action.option_strings)
    assert action.metavar == "N" and "at most N results" in action.help
