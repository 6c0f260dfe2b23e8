"""Knowledge packs: extra cable files add knowledge, broken ones are refused clearly, and a pack
never silently changes a built-in answer."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path

from nuthelper.resources import cables_path
from support.cli import nut_helper


def builtin() -> dict:
    return json.loads(cables_path().read_text())


def homemade_pack() -> dict:
    """A pack with one new vendor and one new cable, built from a real entry so it fits the schema."""
    template = next(cable for cable in builtin()["cables"] if cable["id"] == "tripplite-73-0844")
    cable = copy.deepcopy(template)
    cable.update(id="acme-home-made-1", title="ACME home-made signal cable", vendor="acme",
                 part_numbers=["HM-0001"], other_names=["acme cable"])
    cable["fits"] = {"models": ["Guardian 500"], "patterns": [], "families": [], "vendor_wide": False}
    cable["drivers"] = [{"driver": "genericups", "options": {"upstype": "4"}, "confidence": "inferred",
                         "confirmed": False, "because": "wired like a generic RUPS cable"}]
    return {"format": 1, "vendors": [{"id": "acme", "name": "ACME", "aliases": ["Acme Power"]}], "cables": [cable]}


def write(path: Path, data) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data) if not isinstance(data, str) else data)
    return path


def test_pack_in_root_cables_d_adds_a_cable(tmp_path):
    write(tmp_path / "etc/nut-helper/cables.d/acme.json", homemade_pack())
    done = nut_helper("setup", "--model", "Acme Power Guardian 500", "--port", "/dev/ttyS0", "--root", str(tmp_path), "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["cable"]["id"] == "acme-home-made-1"
    assert data["options"] == {"upstype": "4"} and data["confirmed"] is False
    listed = json.loads(nut_helper("cables", "list", "--json", "--root", str(tmp_path)).stdout)
    origin = next(row["origin"] for row in listed if row["id"] == "acme-home-made-1")
    assert origin.endswith("cables.d/acme.json")


def test_cables_flag_reads_a_pack(tmp_path):
    pack = write(tmp_path / "pack.json", homemade_pack())
    done = nut_helper("cables", "show", "HM-0001", "--cables", str(pack))
    assert done.returncode == 0 and "ACME home-made signal cable" in done.stdout


def test_broken_pack_names_file_and_field(tmp_path):
    pack = homemade_pack()
    pack["cables"][0]["kind"] = "telepathy"
    path = write(tmp_path / "bad.json", pack)
    done = nut_helper("cables", "list", "--cables", str(path))
    assert done.returncode == 2
    assert str(path) in done.stderr and "cables[0].kind" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_pack_that_is_not_json(tmp_path):
    path = write(tmp_path / "etc/nut-helper/cables.d/broken.json", '{"format": 1,\n "cables": [\n')
    done = nut_helper("cables", "list", "--root", str(tmp_path))
    assert done.returncode == 2 and "broken.json" in done.stderr and "not valid JSON" in done.stderr


def test_pack_cannot_override_builtin_cable(tmp_path):
    original = next(cable for cable in builtin()["cables"] if cable["id"] == "tripplite-73-0844")
    hijack = copy.deepcopy(original)
    hijack["drivers"][0]["options"] = {"upstype": "4"}
    alias = copy.deepcopy(original)
    alias.update(id="tripplite-copy", title="Another 73-0844", other_names=[])
    path = write(tmp_path / "hijack.json", {"format": 1, "vendors": [], "cables": [hijack, alias]})
    done = nut_helper("setup", "--model", "Tripp Lite X", "--cable", "73-0844", "--port", "/dev/ttyS0",
               "--cables", str(path), "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["options"] == {"upstype": "5"}, "the built-in answer stands"
    assert "already defined" in done.stderr and "reuses a part number" in done.stderr
    assert any("tripplite-73-0844" in warning for warning in data["warnings"])


def test_pack_model_overlap_keeps_builtin_answer(tmp_path):
    pack = homemade_pack()
    pack["cables"][0]["vendor"] = "hp"
    pack["vendors"] = []  # a pack may add no vendor
    pack["cables"][0]["fits"] = {"models": ["T1500h"], "patterns": [], "families": [], "vendor_wide": False}
    path = write(tmp_path / "overlap.json", pack)
    done = nut_helper("setup", "--model", "Compaq T1500h", "--port", "/dev/ttyS0", "--cables", str(path), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["driver"] == "upscode2"


def test_entry_point_pack(tmp_path):
    site = tmp_path / "site"
    dist = site / "acmepack-1.0.dist-info"
    write(dist / "METADATA", "Metadata-Version: 2.1\nName: acmepack\nVersion: 1.0\n")
    write(dist / "entry_points.txt", "[nut_helper.cables]\nacme = acmepack:pack\n")
    write(site / "acmepack.py", f"import json\ndef pack():\n    return json.loads({json.dumps(json.dumps(homemade_pack()))})\n")
    env = dict(os.environ, PYTHONPATH=str(site))
    done = nut_helper("cables", "show", "acme-home-made-1", "--json", env=env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["vendor"] == "acme"


def test_lookup_finds_a_pack_cable_by_model_vendor_alias_and_part_number(tmp_path):
    write(tmp_path / "etc/nut-helper/cables.d/acme.json", homemade_pack())
    for query in ("Acme Power Guardian 500", "HM-0001", "acme home-made cable"):
        done = nut_helper("lookup", query, "--json", "--root", str(tmp_path))
        assert done.returncode == 0, (query, done.stderr)
        best = json.loads(done.stdout)["results"][0]
        assert (best["kind"], best["id"], best["vendor"]) == ("cable", "acme-home-made-1", "acme"), query
        assert best["origin"].endswith("etc/nut-helper/cables.d/acme.json")
    text = nut_helper("lookup", "HM-0001", "--cables", str(tmp_path / "etc/nut-helper/cables.d/acme.json"))
    assert text.returncode == 0
    assert text.stdout.startswith("cable acme-home-made-1: ACME home-made signal cable") and "acme.json)" in text.stdout


def test_lookup_without_the_pack_does_not_know_the_cable(tmp_path):
    done = nut_helper("lookup", "HM-0001", "--json")
    assert all(result.get("id") != "acme-home-made-1" for result in json.loads(done.stdout)["results"])
    builtin_hit = json.loads(nut_helper("lookup", "73-0844", "--json").stdout)["results"][0]
    assert builtin_hit["id"] == "tripplite-73-0844"
    assert Path(builtin_hit["origin"]).name == "cables.json"  # the built-in knowledge base


def test_lookup_reports_a_conflicting_pack_and_still_answers(tmp_path):
    original = next(cable for cable in builtin()["cables"] if cable["id"] == "tripplite-73-0844")
    path = write(tmp_path / "hijack.json", {"format": 1, "vendors": [], "cables": [copy.deepcopy(original)]})
    done = nut_helper("lookup", "73-0844", "--json", "--cables", str(path))
    assert done.returncode == 0
    assert "already defined" in done.stderr
    assert Path(json.loads(done.stdout)["results"][0]["origin"]).name == "cables.json"  # not hijack.json


def test_lookup_with_a_broken_pack_is_a_one_line_error(tmp_path):
    path = write(tmp_path / "etc/nut-helper/cables.d/broken.json", '{"format": 1,\n "cables": [\n')
    done = nut_helper("lookup", "73-0844", "--root", str(tmp_path))
    assert done.returncode == 2 and done.stdout == ""
    assert "broken.json" in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_a_pack_installed_after_the_scan_was_remembered_is_found(tmp_path):
    """Whether any distribution offers packs is remembered between runs, while the path's
    directories are unchanged: installing one changes its directory, and the next run finds it."""
    site = tmp_path / "site"
    site.mkdir()
    env = dict(os.environ, PYTHONPATH=str(site), NUT_HELPER_CACHE_DIR=str(tmp_path / "cache"))
    for _ in range(2):  # the second run reads what the first remembered
        done = nut_helper("cables", "show", "acme-home-made-1", "--json", env=env)
        assert done.returncode != 0 and "acme-home-made-1" in done.stderr
    assert (tmp_path / "cache" / "entry-points.marshal").is_file()
    dist = site / "acmepack-1.0.dist-info"
    write(dist / "METADATA", "Metadata-Version: 2.1\nName: acmepack\nVersion: 1.0\n")
    write(dist / "entry_points.txt", "[nut_helper.cables]\nacme = acmepack:pack\n")
    write(site / "acmepack.py", f"import json\ndef pack():\n    return json.loads({json.dumps(json.dumps(homemade_pack()))})\n")
    done = nut_helper("cables", "show", "acme-home-made-1", "--json", env=env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["vendor"] == "acme"


def test_a_data_protocol_row_outranks_a_signal_cable_the_model_is_named_in(tmp_path):
    """Without --cable, a model that NUT's list gives a data protocol at least as well supported as
    its contact-closure row gets that protocol (the data cable it ships with); the documented
    signal cable is the alternative, and --cable picks it."""
    pack = write(tmp_path / "pack.json", homemade_pack())
    listing = write(tmp_path / "driver.list", '"ACME"\t"ups"\t"5"\t"Guardian 500"\t""\t"upscode2"\n'
                                              '"ACME"\t"ups"\t"3"\t"Guardian 500"\t""\t"genericups upstype=4"\n')
    common = ("--model", "ACME Guardian 500", "--port", "/dev/ttyS0", "--cables", str(pack), "--hcl", str(listing),
              "--json")
    done = nut_helper("setup", *common)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert (data["driver"], data["confidence"]) == ("upscode2", "hcl")
    signal = [alternative for alternative in data["alternatives"] if alternative["driver"] == "genericups"]
    assert len(signal) == 1 and signal[0]["cable"]["id"] == "acme-home-made-1"
    assert any("What decides is the cable" in warning for warning in data["warnings"])
    chosen = json.loads(nut_helper("setup", *common, "--cable", "HM-0001").stdout)
    assert (chosen["driver"], chosen["options"]) == ("genericups", {"upstype": "4"})
