"""The cache of the parsed hardware list: the same answers with and without it, and a cache that
is stale, truncated, tampered, foreign-owned or writable by others is ignored."""

from __future__ import annotations

import marshal
import os
import pwd
import shutil
from pathlib import Path

import pytest

from nuthelper.knowledge import hclcache
from nuthelper.knowledge.hcl import SYSTEM_HCL, load_hcl
from nuthelper.knowledge.search import SearchIndex
from nuthelper.resolve import resolve
from support.cli import nut_helper
from support.realworld import load_cases


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """A private cache directory and a copy of Debian's driver.list (its own inode and mtime)."""
    directory = tmp_path / "cache"
    monkeypatch.setenv("NUT_HELPER_CACHE_DIR", str(directory))
    monkeypatch.setitem(hclcache._state, "enabled", True)
    monkeypatch.setitem(hclcache._state, "writable", True)
    listing = tmp_path / "driver.list"
    shutil.copyfile(SYSTEM_HCL, listing)
    return directory, listing


def cache_file(directory: Path, kind: str = "hcl") -> Path:
    (found,) = directory.glob(f"{kind}-*.marshal")
    return found


def parsed_without_cache(listing: Path):
    hclcache._state["enabled"] = False
    try:
        return load_hcl(listing)
    finally:
        hclcache._state["enabled"] = True


def test_the_cached_list_is_the_parsed_list_and_answers_the_same(cache):
    directory, listing = cache
    first = load_hcl(listing)                       # parses and writes the cache
    assert cache_file(directory).is_file()
    cached = load_hcl(listing)                      # reads it
    parsed = parsed_without_cache(listing)
    assert cached.entries == parsed.entries == first.entries
    assert (cached.nut_version, cached.list_version) == (parsed.nut_version, parsed.list_version)
    SearchIndex(cached)                             # writes the searchable names
    assert [[name.tokens for name in doc.names] for doc in SearchIndex(cached).docs] == \
        [[name.tokens for name in doc.names] for doc in SearchIndex(parsed).docs]
    for case in load_cases():
        answers = []
        for hcl in (cached, parsed):
            try:
                answers.append(resolve(case["model"], case.get("cable"), case.get("port"), hcl=hcl,
                                       attached=[]).to_dict())
            except Exception as error:  # a refusal must be the same refusal
                answers.append(f"{type(error).__name__}: {error}")
        assert answers[0] == answers[1], case["model"]


def _poison(path: Path) -> None:
    """Rewrite the cache with its own key but a row no list has: whoever uses it would show it."""
    with open(path, "rb") as handle:
        key, (nut_version, list_version, commit, rows, vendors, ids) = marshal.load(handle)
    row = list(rows[0])
    row[3] = "POISONED ROW"
    with open(path, "wb") as handle:
        marshal.dump((key, (nut_version, list_version, commit, (tuple(row), *rows[1:]), vendors, ids)), handle)


def _models(listing: Path) -> set[str]:
    return {entry.model for entry in load_hcl(listing).entries}


def test_a_trusted_cache_is_what_is_read(cache):
    """The control for the tests below: a poisoned but trusted cache is read (only its owner could write it)."""
    directory, listing = cache
    load_hcl(listing)
    _poison(cache_file(directory))
    assert "POISONED ROW" in _models(listing)


@pytest.mark.parametrize("spoil", ["group-writable", "other-writable", "foreign-owned", "directory-writable"])
def test_a_cache_others_could_have_written_is_ignored(cache, spoil):
    directory, listing = cache
    load_hcl(listing)
    path = cache_file(directory)
    _poison(path)
    if spoil == "group-writable":
        path.chmod(0o664)
    elif spoil == "other-writable":
        path.chmod(0o646)
    elif spoil == "foreign-owned":
        nobody = pwd.getpwnam("nobody")
        os.chown(path, nobody.pw_uid, nobody.pw_gid)
    else:
        directory.chmod(0o777)
    assert "POISONED ROW" not in _models(listing)


def test_a_truncated_or_garbled_cache_is_ignored(cache):
    directory, listing = cache
    load_hcl(listing)
    path = cache_file(directory)
    path.write_bytes(path.read_bytes()[:1000])
    assert len(load_hcl(listing).entries) == len(parsed_without_cache(listing).entries)
    path.write_bytes(b"\x00not marshal at all")
    assert len(load_hcl(listing).entries) == len(parsed_without_cache(listing).entries)


def test_a_stale_cache_is_ignored_and_replaced(cache):
    directory, listing = cache
    load_hcl(listing)
    _poison(cache_file(directory))
    with open(listing, "a", encoding="utf-8") as handle:   # an edit: new size and mtime
        handle.write('"Acme"\t"ups"\t"3"\t"Roadrunner 9000"\t"USB"\t"usbhid-ups"\n')
    models = _models(listing)
    assert "POISONED ROW" not in models and "Roadrunner 9000" in models
    assert "Roadrunner 9000" in _models(listing), "the fresh parse was cached"


def test_a_link_in_place_of_the_cache_is_not_followed(cache, tmp_path):
    directory, listing = cache
    load_hcl(listing)
    path = cache_file(directory)
    decoy = tmp_path / "decoy"
    decoy.write_bytes(path.read_bytes())
    _poison(decoy)
    path.unlink()
    path.symlink_to(decoy)
    assert "POISONED ROW" not in _models(listing)


def test_no_cache_and_root_never_write_it(cache, tmp_path):
    directory, listing = cache
    env = dict(os.environ, NUT_HELPER_CACHE_DIR=str(directory))
    done = nut_helper("lookup", "Back-UPS ES 700", "--hcl", str(listing), "--no-cache", env=env)
    assert done.returncode == 0, done.stderr
    assert not directory.exists() or not list(directory.glob("*.marshal"))
    root = tmp_path / "target"
    root.mkdir()
    done = nut_helper("lookup", "Back-UPS ES 700", "--hcl", str(listing), "--root", str(root), env=env)
    assert done.returncode == 0, done.stderr
    assert not directory.exists() or not list(directory.glob("*.marshal")), "a run for a target writes no cache"
    done = nut_helper("lookup", "Back-UPS ES 700", "--hcl", str(listing), env=env)
    assert done.returncode == 0 and cache_file(directory).is_file()
    assert oct(cache_file(directory).stat().st_mode & 0o777) == "0o644"


def test_where_the_cache_lives(monkeypatch, tmp_path):
    monkeypatch.delenv("NUT_HELPER_CACHE_DIR", raising=False)
    assert os.geteuid() == 0 and hclcache.cache_dir() == "/var/cache/nut-helper", "CI runs as root"
    monkeypatch.setenv("NUT_HELPER_CACHE_DIR", str(tmp_path))
    assert hclcache.cache_dir() == str(tmp_path)


def _kept_names_file(directory: Path, vendor: str) -> Path:
    (found,) = directory.glob(f"names-{vendor}-*.marshal")
    return found


def _families_from(path: Path):
    import json

    from nuthelper.resolve.families import Families
    return Families(json.loads(path.read_text(encoding="utf-8")), str(path))


def test_kept_row_names_are_read_while_trusted_and_fresh(cache, tmp_path):
    """A vendor's parsed row names are kept between runs: read while the file is trusted and the
    list, the families file and the reading code are unchanged; otherwise read again."""
    from nuthelper.resources import data_file
    from nuthelper.resolve.hclmatch import HclIndex

    directory, listing = cache
    families_file = tmp_path / "model-families.json"
    shutil.copyfile(data_file("model-families.json"), families_file)
    hcl = load_hcl(listing)
    first = [(name.text, name.parsed) for name in HclIndex(hcl, _families_from(families_file)).names_of("apc")]
    path = _kept_names_file(directory, "apc")
    key, kept = marshal.loads(path.read_bytes())
    poisoned = [(kept[0][0], "POISONED", *kept[0][2:]), *kept[1:]]
    path.write_bytes(marshal.dumps((key, poisoned)))
    names = lambda: [name.text for name in HclIndex(hcl, _families_from(families_file)).names_of("apc")]
    assert names()[0] == "POISONED"                               # the control: a trusted file is what is read
    path.chmod(0o664)
    assert names()[0] == first[0][0]                              # writable by others: ignored
    path.write_bytes(marshal.dumps((key, poisoned)))
    path.chmod(0o644)
    with open(families_file, "a", encoding="utf-8") as handle:    # the families changed: read again
        handle.write("\n")
    assert names()[0] == first[0][0]
    path.write_bytes(b"\x00garbled")
    assert [(name.text, name.parsed) for name in HclIndex(hcl, _families_from(families_file)).names_of("apc")] == first


def test_a_cache_with_a_malformed_vendor_table_makes_the_table_again(cache):
    directory, listing = cache
    parsed = parsed_without_cache(listing)
    load_hcl(listing)
    path = cache_file(directory)
    key, (nut_version, list_version, commit, rows, _, _) = marshal.loads(path.read_bytes())
    path.write_bytes(marshal.dumps((key, (nut_version, list_version, commit, rows, ("not", "a", "table", 0, 1), None))))
    cached = load_hcl(listing)
    assert [entry.vendor_id for entry in cached.entries] == [entry.vendor_id for entry in parsed.entries]
    assert cached.vendors.split("Tripp Lite OMNI900LCD") == parsed.vendors.split("Tripp Lite OMNI900LCD")
    path.write_bytes(marshal.dumps((key, ("a", "tuple", "of", "another", "shape"))))
    assert len(load_hcl(listing).entries) == len(parsed.entries)
