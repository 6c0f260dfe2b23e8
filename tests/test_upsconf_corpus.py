"""The ups.conf corpus (tests/data/upsconf-corpus/): nut-helper reads each file as Debian's real NUT
2.8.0 does, and `nut-helper check` says what NUT does with it.

NUT's reading comes from NUT itself: each driver run with ``-DDD -a NAME`` logs every global and
section entry as upsconf.c hands it over (``do_global_args`` / ``main_arg``), and upsd lists the UPS
names and descriptions it read (``upsc -L``)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from nuthelper.upsconf import UpsConf
from support.cli import nut_helper
from support.nut import DRIVER_DIR, LiveNut, NutSetup, free_port

CORPUS = Path(__file__).parent / "data" / "upsconf-corpus"
FILES = sorted(CORPUS.glob("*.conf"))
DATA_FILE = "corpus-ups.dev"
REFUSED = ("is not a valid", "but I'm")      # a driver refusing an entry of ups.conf stops reading there


def corpus_text(name: str) -> str:
    return (CORPUS / name).read_bytes().decode("utf-8", "surrogateescape")


def nut_with(tmp_path: Path, name: str) -> NutSetup:
    """A private NUT configuration directory holding the corpus file ``name`` as ups.conf."""
    nut = NutSetup.in_directory(tmp_path / "nut")
    (nut.confdir / "ups.conf").write_bytes((CORPUS / name).read_bytes())
    shutil.copy(CORPUS / DATA_FILE, nut.confdir / DATA_FILE)
    return nut


def check(name: str, *extra: str) -> tuple[int, list[tuple[int | None, str, str]], dict]:
    done = nut_helper("check", "--config", str(CORPUS / name), "--json", *extra)
    report = json.loads(done.stdout)
    return done.returncode, [(f["line"], f["severity"], f["code"]) for f in report["findings"]], report


def upsd_listing(nut: NutSetup) -> dict[str, str]:
    port = free_port()
    nut.write_conf("upsd.conf", f"LISTEN 127.0.0.1 {port}\n")
    nut.write_conf("upsd.users", "")
    with LiveNut(nut, port) as upsd:
        return upsd.listing()


def readable_sections(conf: UpsConf) -> dict[str, str]:
    """Section name -> driver, for the sections a real installed driver can be asked about."""
    found = {}
    for section in conf.sections:
        driver = section.value("driver")
        if driver and "/" not in driver and (DRIVER_DIR / driver).is_file():
            found[section.name] = driver
    return found


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.stem)
def test_every_file_says_what_it_exercises(path: Path) -> None:
    assert corpus_text(path.name).lstrip("\ufeff").startswith("# Exercises: ")


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.stem)
def test_nut_helper_reads_each_entry_as_the_real_drivers_do(path: Path, tmp_path: Path) -> None:
    conf = UpsConf.parse(corpus_text(path.name), strict=False)
    nut = nut_with(tmp_path, path.name)
    sections = readable_sections(conf)
    assert sections, "every corpus file has a section a real driver can read"
    for name, driver in sections.items():
        nut_read = nut.reading(driver, name)
        ours = [entry for section in conf.sections if section.name == name for entry in section.reading()]
        assert nut_read.globals == conf.global_reading(), nut_read.run.output
        if any(text in nut_read.run.output for text in REFUSED):
            assert nut_read.section == ours[:len(nut_read.section)], nut_read.run.output
        else:
            assert nut_read.section == ours, nut_read.run.output


@pytest.mark.parametrize("path", [path for path in FILES if path.name != "global-value-alone.conf"],
                         ids=lambda path: path.stem)
def test_upsd_serves_the_sections_nut_helper_reads(path: Path, tmp_path: Path) -> None:
    conf = UpsConf.parse(corpus_text(path.name), strict=False)
    listing = upsd_listing(nut_with(tmp_path, path.name))
    ours = {section.name: section.value("desc") or "Description unavailable" for section in conf.sections
            if section.value("driver") and section.value("port")}
    assert listing == ours


# --- what NUT does with each file, and what check says ---------------------------------------

def test_usb_drivers_ignore_port(tmp_path: Path) -> None:
    code, found, _ = check("usb-drivers-ignore-port.conf")
    assert (code, found) == (0, [(5, "info", "usb-port-ignored"), (8, "info", "usb-port-ignored"),
                                 (11, "info", "usb-port-ignored")])
    nut = nut_with(tmp_path, "usb-drivers-ignore-port.conf")
    for name, driver in (("blazer", "blazer_usb"), ("hid", "usbhid-ups"), ("qx", "nutdrv_qx")):
        said = nut.reading(driver, name).run.output
        assert "USB drivers do not use it" in said and "Unable to open" not in said, said


def test_blazer_ser_reads_the_protocol_value(tmp_path: Path) -> None:
    assert check("blazer-protocol.conf")[:2] == (0, [])
    said = nut_with(tmp_path, "blazer-protocol.conf").reading("blazer_ser", "blazer").run.output
    assert "is not a valid" not in said and "main_arg: var='protocol' val='megatec'" in said, said


def test_dummy_ups_reads_a_data_file(tmp_path: Path) -> None:
    assert check("dummy-ups-data-file.conf")[:2] == (4, [(9, "error", "dummy-data-missing")])
    nut = nut_with(tmp_path, "dummy-ups-data-file.conf")
    assert nut.run_driver("dummy-ups", "sim", "-d", "1").value("ups.status") == "OL"
    assert "Can't open dummy-ups definition file" in nut.run_driver("dummy-ups", "gone", "-d", "1").output


def test_byte_order_mark_and_no_break_spaces_are_warnings_and_the_file_can_be_merged(tmp_path: Path) -> None:
    code, found, _ = check("bom-and-no-break-spaces.conf")
    assert (code, {severity for _, severity, _ in found}) == (0, {"warning"})
    nut = nut_with(tmp_path, "bom-and-no-break-spaces.conf")
    run = nut.run_driver("dummy-ups", "sim", "-d", "1")
    assert "discarding invalid character (0xef)" in run.output and run.value("ups.status") == "OL"
    root = tmp_path / "root"
    (root / "etc" / "nut").mkdir(parents=True)
    shutil.copy(CORPUS / "bom-and-no-break-spaces.conf", root / "etc" / "nut" / "ups.conf")
    done = nut_helper("setup", "--model", "Tripp Lite Internet Office 700", "--cable", "73-0844", "--port",
                      "/dev/ttyS0", "--name", "tripp", "--write", "--root", str(root))
    assert done.returncode == 0, done.stderr
    merged = (root / "etc" / "nut" / "ups.conf").read_bytes()
    assert merged.startswith((CORPUS / "bom-and-no-break-spaces.conf").read_bytes()) and b"[tripp]" in merged


def test_an_invalid_usb_match_expression_stops_usbhid_ups(tmp_path: Path) -> None:
    assert check("usb-match-regex.conf")[:2] == (4, [(7, "error", "usb-match-regex")])
    said = nut_with(tmp_path, "usb-match-regex.conf").reading("usbhid-ups", "office").run.output
    assert "invalid regular expression" in said, said


def test_hash_inside_a_word_cuts_the_value(tmp_path: Path) -> None:
    assert check("hash-inside-a-word.conf")[:2] == (4, [(5, "error", "dummy-data-missing"), (5, "error", "parse")])
    run = nut_with(tmp_path, "hash-inside-a-word.conf").run_driver("dummy-ups", "sim", "-d", "1")
    assert "definition file" in run.output and "/file:" in run.output, run.output


def test_globals_nut_ignores(tmp_path: Path) -> None:
    assert check("globals.conf")[:2] == (0, [(5, "warning", "ignored-global"), (7, "warning", "ignored-global")])
    run = nut_with(tmp_path, "globals.conf").run_driver("dummy-ups", "sim", "-d", "1")
    assert run.value("driver.parameter.pollinterval") == "5"      # read before the first section
    assert run.value("driver.parameter.offdelay") is None         # ignored there


def test_a_global_value_name_alone_crashes_upsdrvctl(tmp_path: Path) -> None:
    assert check("global-value-alone.conf")[:2] == (4, [(3, "error", "global-needs-value")])
    assert nut_with(tmp_path, "global-value-alone.conf").upsdrvctl_test_start().returncode == -11  # SIGSEGV


def test_two_sections_on_one_serial_port() -> None:
    assert check("shared-port.conf")[:2] == (4, [(7, "error", "shared-port")])


def test_a_repeated_setting_keeps_the_last_value(tmp_path: Path) -> None:
    assert check("repeated-setting.conf")[:2] == (0, [(7, "warning", "repeated-setting")])
    run = nut_with(tmp_path, "repeated-setting.conf").run_driver("dummy-ups", "sim", "-d", "1")
    assert run.value("driver.parameter.port") == DATA_FILE


def test_misleading_words(tmp_path: Path) -> None:
    code, found, report = check("misleading-words.conf")
    assert (code, found) == (4, [(8, "error", "upstype-misread"), (9, "error", "genericups-signal"),
                                 (13, "error", "parse"), (13, "error", "parse"), (14, "error", "parse")])
    messages = {f["line"]: f["message"] for f in reversed(report["findings"])}
    assert "reads upstype '0x05' as 0" in messages[8]
    assert "NUT reports a parse error" in messages[13] and "before 2.8.6" not in messages[13]
    assert "'[b]x' is not a section header" in messages[14] and "closing" not in messages[14]
    said = nut_with(tmp_path, "misleading-words.conf").reading("dummy-ups", "rack").run.output
    assert "Unbalanced word due to unescaped # in quotes" in said
    assert "'3\"' is not a valid flag" in said      # the rest of the line, after the '#'


@pytest.mark.parametrize("name, line, desc", [
    ("quote-across-lines.conf", 5, "Simulatedport = corpus-ups.dev"),
    ("unterminated-quote-at-end.conf", 6, '"Dummy UPS"'),
])
def test_unterminated_quotes_are_errors_read_as_nut_reads_them(tmp_path: Path, name: str, line: int,
                                                               desc: str) -> None:
    code, found, _ = check(name)
    assert code == 4 and (line, "error", "parse") in found
    assert UpsConf.parse(corpus_text(name), strict=False).get("sim").value("desc") == desc
    assert upsd_listing(nut_with(tmp_path, name)) == {"sim": desc}


def test_a_lone_flag_without_a_line_end_is_ignored_by_nut(tmp_path: Path) -> None:
    assert check("lone-flag-at-end.conf")[:2] == (4, [(6, "error", "parse")])
    assert UpsConf.parse(corpus_text("lone-flag-at-end.conf"), strict=False).get("sim").flags == []
    run = nut_with(tmp_path, "lone-flag-at-end.conf").run_driver("dummy-ups", "sim", "-d", "1")
    assert run.value("ups.status") == "OL" and run.value("driver.flag.nolock") is None


def test_foreign_programs_and_typos(tmp_path: Path) -> None:
    code, found, report = check("typo-and-foreign-programs.conf")
    assert (code, found) == (4, [(4, "error", "bad-driver-name"), (7, "error", "bad-driver-name"),
                                 (10, "error", "unknown-driver")])
    assert "did you mean 'usbhid-ups'?" in report["findings"][2]["message"]
    # NUT itself never runs them either: upsdrvctl looks for the name in its driver directory.
    run = nut_with(tmp_path, "typo-and-foreign-programs.conf").upsdrvctl_test_start()
    assert "Can't start /lib/nut//tmp/nut-helper-corpus-x.sh" in run.output


def test_the_corpus_covers_every_case() -> None:
    """Each file is judged by a test above; a new file needs its own."""
    judged = {"usb-drivers-ignore-port", "blazer-protocol", "dummy-ups-data-file", "bom-and-no-break-spaces",
              "usb-match-regex", "hash-inside-a-word", "globals", "global-value-alone", "shared-port",
              "repeated-setting", "misleading-words", "quote-across-lines", "unterminated-quote-at-end",
              "lone-flag-at-end", "typo-and-foreign-programs"}
    assert {path.stem for path in FILES} == judged
