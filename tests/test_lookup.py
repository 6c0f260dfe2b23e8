"""``nut-helper lookup`` and the search API, on the real hardware lists; HCL-derived ups.conf sections
checked by Debian's NUT (upsdrvctl -t start, the driver's -L key listing)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from nuthelper.knowledge import drivers
from nuthelper.knowledge.hcl import SYSTEM_HCL, load_hcl
from nuthelper.knowledge.search import FOUND, build_index
from nuthelper.resources import cables_path, data_path
from support.nut import driver_listing

CLI = str(Path(sys.executable).with_name("nut-helper"))


@pytest.fixture(scope="module", params=["system", "bundled"])
def index(request):
    return build_index(load_hcl(SYSTEM_HCL if request.param == "system" else data_path("hcl.json")))


def _top(index, query, count=3, **kwargs):
    return [m for m in index.search(query, limit=count, **kwargs) if m.score >= FOUND]


def _hcl_models(matches):
    return [(m.entry.manufacturer, m.entry.model) for m in matches if m.kind == "hcl"]


@pytest.mark.parametrize("query, manufacturer, model", [
    ("Ellipse MAX 1100", None, "Ellipse MAX USBS 600/850/1100/1500 VA"),
    ("eaton ellipse max 1100", "Eaton", "Ellipse MAX USBS 600/850/1100/1500 VA"),
    ("tripplite omni 900 lcd", "Tripp Lite", "OMNI900LCD"),
    ("Tripp-Lite OMNI900LCD", "Tripp Lite", "OMNI900LCD"),
    ("TRIPP LITE omni-900-lcd", "Tripp Lite", "OMNI900LCD"),
    ("powerware 5125", "Powerware", "5119, 5125"),
    ("Eaton 5119", "Powerware", "5119, 5125"),
    ("compaq r3000 xr", "Compaq", "R3000 XR"),
    ("hp r5000", "HP", "R5000 / R7000"),
    ("american power conversion back-ups 940-0095A", "APC", "Back-UPS"),
    ("cyberpower pr3000e", "Cyber Power Systems", "PR3000E"),
    ("mge evolution 1550", "MGE Office Protection Systems", "Evolution 650/850/1150/1550/2000 VA"),
    ("MGE UPS Systems pulsar-evolution", "MGE UPS SYSTEMS", "Pulsar Evolution"),
])
def test_realistic_queries_find_the_row(index, query, manufacturer, model):
    found = _hcl_models(_top(index, query, count=6))
    wanted = [pair for pair in found if pair[1] == model and manufacturer in (None, pair[0])]
    assert wanted, (query, found)


def test_parenthesised_model_names_are_found():
    index = build_index(load_hcl(data_path("hcl.json")))     # this row is only in the newer list
    assert ("APC", "Smart-UPS 750 (SMT750I, USB)") in _hcl_models(_top(index, "apc smt750i"))


def test_exact_model_ranks_first(index):
    best = index.search("tripplite omni 900 lcd", limit=1)[0]
    assert (best.entry.model, best.score) == ("OMNI900LCD", 1.0)
    best = index.search("powerware 5125", limit=1)[0]
    assert best.entry.model == "5119, 5125" and best.matched_name == "5125"


def test_typos_are_tolerated(index):
    assert "Ellipse MAX USBS 600/850/1100/1500 VA" in [m for _, m in _hcl_models(_top(index, "Elipse Max 1100", 6))]
    assert ("Tripp Lite", "OMNI900LCD") in _hcl_models(_top(index, "trip lite omni900lcd"))


def test_spelling_is_left_alone_when_the_caller_understood_the_query(index):
    """lookup reads the model first; when that finds rows, the word search guesses no misspellings."""
    assert any("Ellipse" in model for _, model in _hcl_models(index.search("Elipse", limit=6)))
    assert not any("Ellipse" in model for _, model in _hcl_models(index.search("Elipse", limit=6, spelling=False)))


def test_vendor_filter(index):
    matches = index.search("ellipse max 1100", vendor="MGE Office Protection Systems", limit=20)
    assert matches and {m.entry.vendor_id for m in matches if m.kind == "hcl"} == {"eaton"}
    assert {m.entry["vendor"] for m in matches if m.kind == "cable"} <= {"eaton"}
    assert index.search("ellipse", vendor="Tripp-Lite") == []
    assert index.search("ellipse", vendor="No Such Maker") == []


def test_cables_are_searched(index):
    cables = json.loads(cables_path().read_text(encoding="utf-8"))["cables"]
    for cable in cables:
        for part in cable.get("part_numbers", []):
            best = index.search(part, limit=1)[0]
            assert (best.kind, best.entry["id"], best.score) == ("cable", cable["id"], 1.0)


def test_nonsense_finds_nothing(index):
    assert _top(index, "xyzzy plugh") == []


# ---------------------------------------------------------------- the command

def _lookup(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([CLI, "lookup", *args], capture_output=True, text=True, timeout=60)


def test_cli_human_output():
    result = _lookup("powerware 5125", "--limit", "2")
    assert result.returncode == 0, result.stderr
    first = result.stdout.splitlines()[:2]
    assert first[0].startswith("Powerware 5119, 5125  [****.]")
    assert first[1].strip() == "driver: genericups upstype=15"
    result = _lookup("Back-UPS 940-0095A", "--limit", "1")
    assert "note:   940-0095A/C cables" in result.stdout and "[*....]" in result.stdout


def test_cli_json():
    result = _lookup("Ellipse MAX 1100", "--json", "--limit", "4", "--vendor", "eaton")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["found"] is True and document["hcl"]["source"] == str(SYSTEM_HCL)
    assert 0 < len(document["results"]) <= 4
    row = document["results"][0]
    assert row["kind"] == "hcl" and row["vendor"] == "eaton" and row["support_level"] == 5
    assert {r["drivers"][0]["driver"] for r in document["results"]} == {"usbhid-ups", "mge-shut"}
    assert {"score", "matched_name", "manufacturer", "model", "model_names", "extra", "drivers",
            "driver_text", "comment", "line", "device_type"} <= set(row)


def test_a_model_only_a_driver_manual_names_is_found_and_marked_unrated():
    text = _lookup("ADELSYSTEM CBI2801224A", "--limit", "1")
    assert text.returncode == 0, text.stderr
    first = text.stdout.splitlines()
    assert first[0].startswith("ADELSYSTEM CBI2801224A  [not rated: only its driver's manual names it]")
    assert first[1].strip() == "driver: adelsystem_cbi"
    assert "docs/man/adelsystem_cbi.txt line 24" in text.stdout
    document = json.loads(_lookup("Energy Smart.2", "--json").stdout)
    row = document["results"][0]
    assert (row["kind"], row["manufacturer"], row["support_level"]) == ("manual", "Energy", 0)
    assert "ADELSYSTEM CBI2801224A" in _lookup("CBI2801224A", "--vendor", "adelsystem").stdout
    listed = json.loads(_lookup("Eaton 5E 850i", "--json").stdout)["results"]
    assert listed and all(result["kind"] != "manual" for result in listed), "the list answers first"


def test_a_model_only_the_newer_bundled_list_names_is_found_and_marked_so():
    # Must's EP2000Pro row is in the bundled list (commit 6c63f77), not in Debian 12's NUT 2.8.0 list
    assert "EP2000Pro" not in Path(SYSTEM_HCL).read_text(encoding="utf-8")
    text = _lookup("EP2000Pro", "--limit", "1")
    assert text.returncode == 0, text.stderr
    first = text.stdout.splitlines()
    assert first[0].startswith("Must EP2000Pro  [****.]") and "in NUT's newer list bundled with nut-helper" in first[0]
    assert first[1].strip() == "driver: must_ep2000pro"
    row = json.loads(_lookup("EP2000Pro", "--json", "--vendor", "Must").stdout)["results"][0]
    assert (row["kind"], row["vendor"], row["model"]) == ("newer", "must", "EP2000Pro")
    listed = json.loads(_lookup("Eaton 5E 850i", "--json").stdout)["results"]
    assert listed and all(result["kind"] == "hcl" for result in listed[:3]), "the installed list answers first"
    other = _lookup("EP2000Pro", "--hcl", str(SYSTEM_HCL))
    assert other.returncode == 3, "--hcl names the one list to search"


def test_cli_other_hcl_copies(tmp_path):
    bundled = _lookup("5125", "--json", "--hcl", str(data_path("hcl.json")))
    assert bundled.returncode == 0 and json.loads(bundled.stdout)["hcl"]["commit"]
    copy = tmp_path / "driver.list"
    copy.write_text('"Acme"\t"ups"\t"3"\t"Roadrunner 9000"\t"USB"\t"usbhid-ups"\n')
    result = _lookup("acme roadrunner 9000", "--json", "--hcl", str(copy))
    assert result.returncode == 0
    assert json.loads(result.stdout)["results"][0]["model"] == "Roadrunner 9000"


def test_cli_not_found_gives_suggestions():
    result = _lookup("Ellipze Maxx 1101 zq")
    assert result.returncode == 3
    assert "nothing found" in result.stderr and "closest:" in result.stderr and "Ellipse" in result.stderr
    document = json.loads(_lookup("Ellipze Maxx 1101 zq", "--json").stdout)
    assert document["found"] is False and document["results"] == [] and document["suggestions"]


@pytest.mark.parametrize("args, words", [
    (["   "], "query is empty"),
    (["5125", "--limit", "0"], "--limit 0"),
    (["5125", "--hcl", "/nonexistent/driver.list"], "does not exist"),
    (["5125", "--vendor", "Powerwere"], "did you mean Eaton"),
    (["5125", "--limit", "many"], "'many' is not a whole number"),
])
def test_cli_bad_input(args, words):
    result = _lookup(*args)
    assert result.returncode == 2
    assert words in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert result.stdout == ""


# ---------------------------------------------------------------- HCL-driven sections checked by NUT

def _sample_rows(hcl):
    """One row per (driver after prefer_installed, set of settings): every installed driver and every
    distinct set of options and flags the list gives it (every genericups upstype)."""
    sample = {}
    for entry in hcl.entries:
        choice, _ = drivers.prefer_installed(entry.drivers)
        if drivers.is_installed(choice.driver):
            signature = (choice.driver, tuple(sorted(choice.options.items())), choice.flags, choice.port)
            sample.setdefault(signature, (entry, choice))
    return sorted(sample.values(), key=lambda pair: (pair[1].driver, pair[0].line))


def test_hcl_sections_pass_upsdrvctl_and_key_listings(nut_setup):
    from nuthelper.knowledge.ports import connection_kind
    rows = _sample_rows(load_hcl(SYSTEM_HCL))
    assert len({choice.driver for _, choice in rows}) >= 30
    assert {"genericups", "nutdrv_qx", "upscode2"} <= {choice.driver for _, choice in rows}
    sections = []
    for number, (entry, choice) in enumerate(rows):
        port = choice.port or ("auto" if connection_kind(entry) == "usb" else "/dev/ttyS0")
        settings = "".join(f"    {key} = \"{value}\"\n" for key, value in choice.options.items())
        settings += "".join(f"    {flag}\n" for flag in choice.flags)
        sections.append(f"[ups{number}]\n    driver = {drivers.program_name(choice.driver)}\n"
                        f"    port = {port}\n{settings}")
        keys = driver_listing(drivers.program_name(choice.driver))
        for key in choice.options:
            if not key.startswith(("default.", "override.")):    # ups.conf accepts these for every driver
                assert key in keys["VALUE"], (choice.driver, key, entry.line)
        for flag in choice.flags:
            assert flag in keys["FLAG"], (choice.driver, flag, entry.line)
    nut_setup.write_ups_conf("\n".join(sections))
    plan = nut_setup.upsdrvctl_test_start()
    output = plan.output
    assert plan.returncode == 0, output
    for number, (_, choice) in enumerate(rows):
        assert re.search(rf"exec: +/lib/nut/{re.escape(drivers.program_name(choice.driver))} -a ups{number}\b", output), output


def test_a_capacity_among_other_words_is_no_cable_part():
    """"2000" of "Eaton 9PX 2000" is the unit's rating, though a list row's extra cell mentions a
    "RUPS 2000" beside its cable: the model is still read. Alone, a number may be a cable's ("2502")."""
    from nuthelper.resolve.lookup import understood_matches

    hcl = load_hcl()
    assert any(match.entry.model == "9PX" for match in understood_matches("Eaton 9PX 2000", hcl))
    assert understood_matches("2502", hcl) == []
    best = json.loads(subprocess.run([sys.executable, "-m", "nuthelper", "lookup", "2502", "--json"], capture_output=True,
                                     text=True, cwd=Path(__file__).resolve().parent.parent).stdout)["results"][0]
    assert "2502" in best["extra"]
