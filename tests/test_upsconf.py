"""The ups.conf parser/editor and value escaping, checked against NUT's own parser (upsd)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from nuthelper.confsyntax import (escape_value, section_name_from, section_name_problem,
                                  validate_key, validate_section_name)
from nuthelper.errors import InvalidInput, NotFound
from nuthelper.upsconf import ParseError, UpsConf
from support.nut import LiveNut, NutSetup, free_port

DEBIAN_UPS_CONF = Path("/etc/nut/ups.conf")

# A hand-written file using every construct NUT's grammar has.
SAMPLE = (
    "# ups.conf written by hand for the tests\n"
    "maxretry = 3\n"
    "\tretrydelay=5   # trailing comment\n"
    "pollinterval =2\n"
    "\n"
    "# first UPS\n"
    "[rack-a]\n"
    "\tdriver = usbhid-ups\n"
    "\tport = auto\n"
    "\t# port = /dev/ttyS1\n"
    "\tdesc = \"Rack A \\\"top\\\" \\#1\"\n"
    "\tnolock\n"
    "   override.battery.charge.low = 30\n"
    "\n"
    "\n"
    "[win]\n"
    "  driver = mge-shut\n"
    "  port = \"\\\\\\\\.\\\\COM10\"\n"
    "  desc = \"joined \\\n"
    "across lines\"\n"
    "  serial = AB\\\n"
    "CD\n"
    "# trailing note about win\n"
    "\n"
    "# describes [last]\n"
    "[last]\n"
    "driver=dummy-ups\n"
    "port=last.dev\n"
)


def test_sample_round_trip_and_meaning() -> None:
    conf = UpsConf.parse(SAMPLE)
    assert conf.render() == SAMPLE
    assert [(s.key, s.value) for s in conf.globals] == [
        ("maxretry", "3"), ("retrydelay", "5"), ("pollinterval", "2")]
    assert [s.name for s in conf.sections] == ["rack-a", "win", "last"]
    rack = conf.get("RACK-A")           # upsd matches names ignoring case
    assert rack is not None and rack.header_line == 7 and rack.end_line == 13
    assert rack.value("desc") == 'Rack A "top" #1'
    assert [f.name for f in rack.flags] == ["nolock"]
    win = conf.get("win")
    assert win.value("port") == "\\\\.\\COM10"
    assert win.value("desc") == "joined across lines"
    assert win.value("serial") == "ABCD"
    assert win.end_line == 22           # the trailing comment is not part of [win]
    assert conf.section_text("last") == "[last]\ndriver=dummy-ups\nport=last.dev\n"
    assert conf.duplicate_sections() == {}


REFERENCE_SAMPLE = Path(__file__).resolve().parent / "data" / "nut" / "ups.conf.sample"  # origin: data/nut/README.md


@pytest.mark.parametrize("path", [DEBIAN_UPS_CONF, REFERENCE_SAMPLE])
def test_shipped_files_round_trip(path: Path) -> None:
    text = path.read_bytes().decode("utf-8", "surrogateescape")
    conf = UpsConf.parse(text, str(path))
    assert conf.render() == text
    assert [s.key for s in conf.globals] == ["maxretry"]
    section = "[myups]\n\tdriver = dummy-ups\n\tport = myups.dev\n"
    conf.add_section("myups", section)
    assert text.endswith(".\n")    # ends with a comment line: one blank line is added
    assert conf.render() == text + "\n" + section
    conf.remove_section("myups")
    assert conf.render() == text


def _edits_keep_other_bytes(text: str) -> None:
    conf = UpsConf.parse(text)
    for section in conf.sections:
        before, after = text[:section.start], text[section.end:]
        new = f"[{section.name}]\n\tdriver = dummy-ups\n\tport = replaced.dev\n"
        edited = UpsConf.parse(text)
        edited.replace_section(section.name, new)
        assert edited.render() == before + new + after
        removed = UpsConf.parse(text)
        removed.remove_section(section.name)
        # at most one blank separator line next to the section goes with it
        last_line = before[:-1].rsplit("\n", 1)[-1] if before else "x"
        first_line = after.split("\n", 1)[0] if "\n" in after else "x"
        allowed = {before + after}
        if not last_line.strip():
            allowed.add(before[:len(before) - len(last_line) - 1] + after)
        if not first_line.strip():
            allowed.add(before + after[len(first_line) + 1:])
        assert removed.render() in allowed
        assert section.name not in [s.name for s in removed.sections]
        assert [s.name for s in removed.sections] == [
            s.name for s in conf.sections if s is not section]


def test_edits_keep_every_other_byte() -> None:
    _edits_keep_other_bytes(SAMPLE)
    conf = UpsConf.parse(SAMPLE)
    conf.remove_section("win")
    assert conf.render() == SAMPLE.replace(SAMPLE[SAMPLE.index("[win]"):SAMPLE.index("# trailing note")], "")
    conf = UpsConf.parse(SAMPLE)
    conf.add_section("new", "[new]\n  driver = dummy-ups\n  port = n.dev\n\n\n")
    assert conf.render() == SAMPLE + "\n[new]\n  driver = dummy-ups\n  port = n.dev\n"
    conf.remove_section("new")
    assert conf.render() == SAMPLE


def test_edit_errors() -> None:
    conf = UpsConf.parse(SAMPLE)
    with pytest.raises(InvalidInput, match="already exists"):
        conf.add_section("Rack-A", "[Rack-A]\ndriver = x\nport = y\n")
    with pytest.raises(NotFound, match=r"no section \[nope\]"):
        conf.replace_section("nope", "[nope]\ndriver = x\n")
    with pytest.raises(InvalidInput, match="has the header"):
        conf.replace_section("win", "[other]\ndriver = x\n")
    with pytest.raises(InvalidInput, match="must start with"):
        conf.add_section("x", "# comment\n[x]\ndriver = y\n")
    with pytest.raises(InvalidInput, match="end with a setting"):
        conf.add_section("x", "[x]\ndriver = y\n# trailing\n")
    with pytest.raises(ParseError, match=r"section \[x\] line 2: unterminated quote"):
        conf.add_section("x", '[x]\ndesc = "oops\n')
    assert conf.render() == SAMPLE
    dup = UpsConf.parse("[a]\ndriver = x\n[A]\ndriver = y\n")
    assert dup.duplicate_sections() == {"a": [1, 3]}
    with pytest.raises(InvalidInput, match="line 3: section .* more than once"):
        dup.replace_section("a", "[a]\ndriver = z\n")


# What NUT makes of tricky lines (FIELD-NOTES b), as (line, section setting or error).
TOKEN_CASES = [
    ("a=b", ("a", "b")),
    ("a= b", ("a", "b")),
    ("a =b", ("a", "b")),
    ("port = /dev/x#y", ("port", "/dev/x")),
    ('desc = "x"y', ("desc", "x")),          # quote ends the word; NUT ignores the extra word
    ("desc = a\"b", ("desc", 'a"b')),        # a quote inside a word is literal
    ('desc = "a\\\\b\\"c"', ("desc", 'a\\b"c')),
    ("desc = a\\ b", ("desc", "a b")),
    ("desc = \"\\#1\"", ("desc", "#1")),
    ("desc = \"\"", ("desc", "")),
]


@pytest.mark.parametrize(("line", "expected"), TOKEN_CASES)
def test_tokenising_like_parseconf(line: str, expected: tuple[str, str]) -> None:
    conf = UpsConf.parse(f"[u]\n{line}\n", strict=False)
    assert (conf.sections[0].settings[0].key, conf.sections[0].settings[0].value) == expected


BAD_LINES = [
    ('desc = "Rack #3"', "'#' inside quotes"),
    ('desc = "open', "unterminated quote"),
    ("desc = Web server UPS", "put the value in quotes"),
    ("driver blazer_ser", "two words"),
    ("[my ups]", "blanks is not a section"),
    ("[myups", "without a closing"),
    ("[]", "empty section name"),
    ("[a] driver = x", "text after the section header"),
    ('desc = "caf\u00e9"', "drops the characters"),
    ('desc = "tab\there"', "drops the characters"),
    ("desc = " + "x" * 513, "longer than 512"),
    ("a " * 33, "more than 32 words"),
    ("a = b c = d", "put the value in quotes"),
]


@pytest.mark.parametrize(("line", "message"), BAD_LINES)
def test_malformed_lines_name_the_line(line: str, message: str) -> None:
    text = f"# header\n[u]\n\tdriver = dummy-ups\n{line}\n"
    with pytest.raises(ParseError) as caught:
        UpsConf.parse(text, "ups.conf")
    error = caught.value
    assert error.line == 4 and error.message.startswith("ups.conf line 4: ")
    assert message in error.message and "\n" not in error.message
    assert error.exit_code == 2
    relaxed = UpsConf.parse(text, strict=False)     # for reporting: the problems, not an error
    assert relaxed.render() == text and relaxed.problems[0].line == 4


def test_lone_last_word_without_newline_is_reported() -> None:
    with pytest.raises(ParseError, match="line 2: the last line has no line end"):
        UpsConf.parse("[u]\nnolock")
    assert UpsConf.parse("[u]\ndriver = x").sections[0].value("driver") == "x"


def test_comments_may_hold_anything() -> None:
    text = "# caf\u00e9 \"unbalanced # and \\ \t\n[u]\ndriver = x # d\u00e9j\u00e0 \"\n"
    assert UpsConf.parse(text).render() == text


def test_crlf_line_ends_are_kept() -> None:
    text = "[u]\r\n\tdriver = dummy-ups\r\n\tdesc = \"a b\"\r\n"
    conf = UpsConf.parse(text)
    assert conf.render() == text and conf.sections[0].value("desc") == "a b"


# --- escape_value and names -----------------------------------------------------------------

@pytest.mark.parametrize(("value", "word"), [
    ("/dev/ttyS0", "/dev/ttyS0"), (5, "5"), ("", '""'), ("Web server UPS", '"Web server UPS"'),
    ('say "hi"', '"say \\"hi\\""'), ("C:\\x", '"C:\\\\x"'), ("Rack #3", '"Rack \\#3"'),
    ("a=b", '"a=b"'), ("[x]", '"[x]"'),
])
def test_escape_value(value: object, word: str) -> None:
    assert escape_value(value) == word


@pytest.mark.parametrize(("value", "message"), [
    ("two\nlines", "line break"), ("caf\u00e9", "non-ASCII"), ("tab\there", "control character"),
    ("bell\x07", "control character"), ("del\x7f", "DEL"), ("x" * 513, "shorten it"),
    ("#" * 300, "shorten it"), (None, "text or a number"), (True, "text or a number"),
])
def test_escape_value_refuses(value: object, message: str) -> None:
    with pytest.raises(InvalidInput, match=message) as caught:
        escape_value(value, "desc")
    assert "'desc'" in caught.value.message and "\n" not in caught.value.message


def _parsed_value(word: str) -> str:
    return UpsConf.parse(f"[u]\n\tdesc = {word}\n").sections[0].value("desc")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=600))
def test_escaped_values_parse_back(value: str) -> None:
    try:
        word = escape_value(value, "desc")
    except InvalidInput:
        assert len(value) > 256        # only refused for length
        return
    assert _parsed_value(word) == value


@pytest.mark.parametrize("name", ["myups", "Rack-1", "ups_2.a", "A", "x" * 64])
def test_good_section_names(name: str) -> None:
    assert validate_section_name(name) == name


@pytest.mark.parametrize("name", ["", "default", "DEFAULT", "my ups", "a[b]", 'a"b', "a@b",
                                  "a\\b", "-x", ".x", "x" * 65, "caf\u00e9", "a#b", "a:b"])
def test_bad_section_names(name: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_section_name(name)
    assert "\n" not in caught.value.message


@pytest.mark.parametrize(("text", "name"), [
    ("Back-UPS ES 700", "back-ups-es-700"), ("SMART-UPS 1500 (230V)", "smart-ups-1500-230v"),
    ("  ", "ups"), ("Default", "default-ups"), ("__x__", "x"), ("Ünïcode", "n-code"),
])
def test_section_name_from(text: str, name: str) -> None:
    assert section_name_from(text) == name
    assert section_name_problem(name) is None


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=100))
def test_section_name_from_is_always_valid(text: str) -> None:
    assert section_name_problem(section_name_from(text)) is None


def test_accepted_names_are_valid_systemd_instances(tmp_path: Path) -> None:
    """systemd itself (systemd-analyze verify) accepts nut-driver@NAME for names we accept."""
    unit = "[Unit]\nDescription=t\n[Service]\nType=oneshot\nExecStart=/bin/true\n"
    accepted = ["myups", "Rack-1", "ups_2.a", "A9", "x" * 64, section_name_from("Smart-UPS 1500")]
    for name in accepted:
        assert section_name_problem(name) is None
        (tmp_path / f"nut-driver@{name}.service").write_text(unit)
    good = subprocess.run(["systemd-analyze", "verify", *sorted(map(str, tmp_path.iterdir()))],
                          capture_output=True, text=True, cwd=tmp_path)
    assert good.returncode == 0, good.stderr
    bad = tmp_path / "nut-driver@my ups.service"
    bad.write_text(unit)
    refused = subprocess.run(["systemd-analyze", "verify", str(bad)], capture_output=True, text=True)
    assert refused.returncode != 0 and section_name_problem("my ups")


def test_keys() -> None:
    assert validate_key("default.battery.charge.low") == "default.battery.charge.low"
    for key in ["", "a b", "a=b", "#x", '"x"', "[x]"]:
        with pytest.raises(InvalidInput):
            validate_key(key)


# --- generated files (hypothesis) -----------------------------------------------------------

_SAFE = st.characters(min_codepoint=0x20, max_codepoint=0x7E)
_blank = st.sampled_from(["", " ", "\t", "  \t "])
_comment_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",),
                                               blacklist_characters="\n"), max_size=30)
_key = st.from_regex(r"[A-Za-z_][A-Za-z0-9_.]{0,12}", fullmatch=True)
_name = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,10}", fullmatch=True)


@st.composite
def _value_encoding(draw: st.DrawFn) -> tuple[str, str]:
    """(value, how it is written): bare, quoted/escaped, or continued over lines."""
    value = draw(st.text(alphabet=_SAFE, max_size=40))
    style = draw(st.sampled_from(["escape", "continued-quoted", "continued-bare"]))
    if style == "continued-quoted" and len(value) >= 2:
        cut = draw(st.integers(1, len(value) - 1))
        inner = [piece.replace("\\", "\\\\").replace('"', '\\"').replace("#", "\\#")
                 for piece in (value[:cut], value[cut:])]
        return value, f'"{inner[0]}\\\n{inner[1]}"'
    if style == "continued-bare":
        bare = draw(st.from_regex(r"[A-Za-z0-9/_.:-]{2,20}", fullmatch=True))
        cut = draw(st.integers(1, len(bare) - 1))
        return bare, f"{bare[:cut]}\\\n{bare[cut:]}"
    return value, escape_value(value)


@st.composite
def _ups_conf(draw: st.DrawFn) -> tuple[str, list[tuple[str | None, str, str]]]:
    """A generated ups.conf and the (section, key, value) settings NUT should read from it."""
    parts: list[str] = []
    expected: list[tuple[str | None, str, str]] = []
    names: set[str] = set()
    section: str | None = None
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    for _ in range(draw(st.integers(0, 25))):
        kind = draw(st.sampled_from(["blank", "comment", "setting", "setting", "flag", "section"]))
        indent = draw(_blank)
        if kind == "blank":
            parts.append(indent + newline)
        elif kind == "comment":
            parts.append(f"{indent}#{draw(_comment_text)}{newline}")
        elif kind == "section":
            name = draw(_name)
            if name.lower() in names or name.lower() == "default":
                continue
            names.add(name.lower())
            section = name
            parts.append(f"{indent}[{name}]{newline}")
        elif kind == "flag":
            parts.append(f"{indent}{draw(_key)}{newline}")
        else:
            key = draw(_key)
            value, word = draw(_value_encoding())
            eq = draw(st.sampled_from([" = ", "=", " =", "= ", "\t=\t"]))
            tail = draw(st.sampled_from(["", " # note", "\t#x"]))
            parts.append(f"{indent}{key}{eq}{word}{tail}{newline}")
            expected.append((section, key, value))
    return "".join(parts), expected


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_ups_conf())
def test_generated_files_round_trip(case: tuple[str, list]) -> None:
    text, expected = case
    conf = UpsConf.parse(text)
    assert conf.render() == text
    found = [(None, s.key, s.value) for s in conf.globals]
    for section in conf.sections:
        found += [(section.name, s.key, s.value) for s in section.settings]
    assert found == expected
    _edits_keep_other_bytes(text)


# --- real NUT reads what escape_value writes ------------------------------------------------

def _upsd_listing(tmp_path: Path, ups_conf: str) -> dict[str, str]:
    """Start Debian's real upsd on loopback with ``ups_conf`` and return ``upsc -L``."""
    nut = NutSetup.in_directory(tmp_path)
    port = free_port()
    nut.write_ups_conf(ups_conf)
    nut.write_conf("upsd.conf", f"LISTEN 127.0.0.1 {port}\n")
    nut.write_conf("upsd.users", "[admin]\n\tpassword = unused\n")
    with LiveNut(nut, port) as upsd:
        return upsd.listing()


HOSTILE_DESCS = [
    'say "hello"', "back\\slash", "trailing\\", "Rack #3", '#"\\#', "\\\\.\\COM10",
    "=", " leading and trailing ", "[brackets]", "a \"#\" b \\\" c", "'single'", "x" * 500,
]


def test_real_upsd_reads_escaped_values(tmp_path: Path) -> None:
    assert shutil.which("upsc"), "nut-client must be installed (tests/run.sh)"
    conf = UpsConf.parse("maxretry = 3\n")
    for number, desc in enumerate(HOSTILE_DESCS):
        name = f"u{number}"
        conf.add_section(name, f"[{name}]\n\tdriver = dummy-ups\n\tport = {name}.dev\n"
                               f"\tdesc = {escape_value(desc, 'desc')}\n")
    listing = _upsd_listing(tmp_path, conf.render())
    reparsed = UpsConf.parse(conf.render())
    for number, desc in enumerate(HOSTILE_DESCS):
        assert listing[f"u{number}"] == desc
        assert reparsed.get(f"u{number}").value("desc") == desc


def test_real_upsd_agrees_with_the_parser_on_tricky_lines(tmp_path: Path) -> None:
    """The same tricky desc lines read by our parser and by upsd give the same values."""
    lines = [
        'desc = "joined \\\nacross"', "desc = a\\ b", 'desc = "x"y', "desc = a\"b",
        "desc = x#comment", "desc=\"\\\\\\\\.\\\\COM10\"", "desc = \"\\#1\"", 'desc= "tab\\\\t"',
        "desc = abc\\\ndef",
    ]
    text = "".join(f"[t{i}]\n\tdriver = dummy-ups\n\tport = t{i}.dev\n\t{line}\n"
                   for i, line in enumerate(lines))
    ours = UpsConf.parse(text, strict=False)
    listing = _upsd_listing(tmp_path, text)
    for i in range(len(lines)):
        assert listing[f"t{i}"] == ours.get(f"t{i}").value("desc"), lines[i]


# --- what NUT 2.8.0 reads from odd files (issue 9; judged with the real drivers in test_upsconf_corpus) ---

def test_a_byte_order_mark_and_no_break_space_indentation_are_warnings() -> None:
    text = "\ufeff# ups.conf\n[u]\n\u00a0\u00a0driver = dummy-ups\n\u00a0\u00a0port = u.dev\n"
    conf = UpsConf.parse(text)                       # strict: warnings do not stop merging
    assert [p.severity for p in conf.problems] == ["warning"] * 3
    assert "0xef 0xbb 0xbf" in conf.problems[0].message
    assert conf.get("u").reading() == [("driver", "dummy-ups"), ("port", "u.dev")]


def test_dropped_characters_that_change_a_word_are_errors_shown_as_bytes() -> None:
    text = "[u]\n\tdriver = dummy-ups\n\tdesc = \"caf\udcfe\"\n"
    with pytest.raises(ParseError, match="line 3: NUT drops the characters 0xfe ") as caught:
        UpsConf.parse(text)
    assert "udcfe" not in caught.value.message


def test_a_quote_open_at_a_line_end_reads_on_like_nut() -> None:
    text = '[u]\n\tdesc = "two\nlines"\n\tdriver = dummy-ups\n'
    conf = UpsConf.parse(text, strict=False)
    assert conf.get("u").reading() == [("desc", "twolines"), ("driver", "dummy-ups")]
    assert conf.problems[0].line == 2 and "unterminated quote" in conf.problems[0].message


def test_the_line_with_a_hash_in_quotes_is_discarded_and_the_rest_is_a_new_line() -> None:
    conf = UpsConf.parse('[u]\n\tdesc = "Rack #3"\n', strict=False)
    assert conf.get("u").reading() == [('3"', None)]
    assert "before 2.8.6" not in conf.problems[0].message and "parse error" in conf.problems[0].message


def test_a_lone_last_word_is_not_read() -> None:
    conf = UpsConf.parse("[u]\n\tdriver = dummy-ups\n\tnolock", strict=False)
    assert conf.get("u").flags == [] and conf.problems[0].line == 3


def test_a_header_followed_by_text_is_a_flag_to_nut() -> None:
    conf = UpsConf.parse("[a]\n\tdriver = dummy-ups\n[b]x\n", strict=False)
    assert [s.name for s in conf.sections] == ["a"] and conf.get("a").flags[0].name == "[b]x"
    assert "not a section header" in conf.problems[0].message and "closing" not in conf.problems[0].message
