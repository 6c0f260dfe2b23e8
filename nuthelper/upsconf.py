"""Round-trip reader and editor for ups.conf.

The file is tokenised the way NUT's ``parseconf`` does it (see :mod:`nuthelper.confsyntax`)
and its lines are given the meaning NUT's ``upsconf.c`` gives them, but every character of
the original text is kept: rendering an unchanged file gives back the same text, and editing
one section leaves every other character as it was.

What a section spans
--------------------
A section runs from its ``[name]`` header line through its last *content* line (a setting
or a flag) before the next header. Comment and blank lines inside that range belong to the
section; comment and blank lines after its last content line belong to nobody and are kept,
as are comment lines directly above a header (they often describe the next UPS, but may also
be the file's own preamble, so an edit never removes them). So replacing or removing a
section replaces or removes exactly ``[name]`` .. last setting, and a rendered section that
is to be replaced cleanly must begin with its header line and end with a setting line
(comments inside it are fine).

Strictness
----------
Anything NUT would read differently from how it looks (an unterminated quote, ``#`` inside
quotes, characters NUT drops, words it truncates or ignores, ``desc = two words``) is a
problem with a line number. ``UpsConf.parse(..., strict=True)`` raises :class:`ParseError`
on the first one; ``strict=False`` keeps them in ``UpsConf.problems`` for reporting.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from nuthelper.confsyntax import WORD_LIMIT, WORDS_PER_LINE_LIMIT, key_problem
from nuthelper.errors import InvalidInput, NotFound


class ParseError(InvalidInput):
    """ups.conf cannot be read safely; the message names the file and line."""

    def __init__(self, filename: str, line: int, problem: str) -> None:
        super().__init__(f"{filename} line {line}: {problem}",
                         details={"file": filename, "line": line, "problem": problem})
        self.filename = filename
        self.line = line
        self.problem = problem


@dataclass(frozen=True)
class Problem:
    """Something in the file NUT would not read as written."""

    line: int
    message: str
    severity: str = "error"


@dataclass(frozen=True)
class Setting:
    """``key = value`` as NUT reads it, with the physical line it starts on."""

    key: str
    value: str
    line: int


@dataclass(frozen=True)
class Flag:
    """A one-word line such as ``nolock``."""

    name: str
    line: int


@dataclass
class _LogicalLine:
    """One logical line (what parseconf hands upsconf.c in one go) and its words."""

    start: int          # offset of its first character in the text
    end: int            # offset just past its line end (or the end of the text)
    first_line: int     # physical line numbers, 1-based
    last_line: int
    words: list[str] = field(default_factory=list)
    has_comment: bool = False
    rejected: bool = False          # NUT discards the line (parse error, or a lone last word)
    dropped: list[str] = field(default_factory=list)   # characters NUT drops, in order
    problems: list[Problem] = field(default_factory=list)

    @property
    def kind(self) -> str:
        """blank | comment | section | setting | flag | invalid | rejected (what upsconf.c makes of it)."""
        words = self.words
        if self.rejected:
            return "rejected"
        if not words:
            return "comment" if self.has_comment else "blank"
        if words[0].startswith("[") and words[0].endswith("]") and len(words[0]) >= 2:
            return "section"
        if len(words) == 1:
            return "flag"           # upsconf.c passes any single word on as a flag
        if len(words) >= 3 and words[1] == "=":
            return "setting"
        return "invalid"


@dataclass
class Section:
    """One ``[name]`` section: its settings and flags and where it lies in the file."""

    name: str
    header_line: int
    end_line: int                       # last physical line of the section's span
    settings: list[Setting] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)
    entries: list[Setting | Flag] = field(default_factory=list)   # both, in file order
    start: int = 0                      # offsets of the span in the text
    end: int = 0

    def values(self, key: str) -> list[str]:
        """Every value given for ``key`` in this section, in file order."""
        return [s.value for s in self.settings if s.key == key]

    def value(self, key: str) -> str | None:
        """The value of ``key`` (the last one if it is given more than once), or None."""
        found = self.values(key)
        return found[-1] if found else None

    def reading(self) -> list[tuple[str, str | None]]:
        """What NUT hands the driver for this section, in order: (key, value), (flag, None)."""
        return _reading(self.entries)

    def meaning(self) -> tuple:
        """What NUT reads from this section, independent of layout and comments."""
        return (self.name, tuple((s.key, s.value) for s in self.settings),
                tuple(f.name for f in self.flags))


def _reading(entries: list[Setting | Flag]) -> list[tuple[str, str | None]]:
    return [(entry.key, entry.value) if isinstance(entry, Setting) else (entry.name, None)
            for entry in entries]


# --- tokeniser (parseconf's state machine) --------------------------------------------------

_FIND_WORD, _FIND_EOL, _QUOTED, _QUOTED_LITERAL, _WORD, _WORD_LITERAL = range(6)
_C_SPACE = " \t\r\v\f"          # isspace() without the newline, in the C locale
_HASH_IN_QUOTES = ("'#' inside quotes: NUT reports a parse error, ignores the line up to the '#' and "
                   "reads what follows it as a new line; write it as \\#")


def _is_dropped(char: str) -> bool:
    """parseconf keeps only bytes 0x20 to 0x7f in words (CVE-2012-2944) and warns about the rest."""
    return ord(char) < 0x20 or ord(char) > 0x7F


class _Tokeniser:
    """Reads one logical line at a time, exactly as parseconf would split it."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.line = 1

    def lines(self) -> list[_LogicalLine]:
        result = []
        while self.pos < len(self.text):
            result.append(self._next_line())
        return result

    def _next_line(self) -> _LogicalLine:
        text = self.text
        current = _LogicalLine(start=self.pos, end=self.pos, first_line=self.line,
                               last_line=self.line)
        word: list[str] = []
        quote_line = 0
        quote_crossed = False       # a raw line end inside the quotes
        too_long = too_many = False
        state = _FIND_WORD

        def add_char(char: str) -> None:
            nonlocal too_long
            if _is_dropped(char):
                current.dropped.append(char)
            elif len(word) >= WORD_LIMIT:
                too_long = True
            else:
                word.append(char)

        def end_word() -> None:
            nonlocal too_many
            if len(current.words) >= WORDS_PER_LINE_LIMIT:
                too_many = True
            else:
                current.words.append("".join(word))
            word.clear()

        while self.pos < len(text):
            char = text[self.pos]
            self.pos += 1
            if char == "\n":
                self.line += 1
            if state == _FIND_WORD:
                if char == "\n":
                    break
                if char == "#":
                    current.has_comment = True
                    state = _FIND_EOL
                elif char in _C_SPACE:
                    pass
                elif char == "\\":
                    state = _WORD_LITERAL
                elif char == '"':
                    quote_line = self.line
                    state = _QUOTED
                else:
                    add_char(char)
                    if char == "=":
                        end_word()
                    else:
                        state = _WORD
            elif state == _FIND_EOL:
                if char == "\n":
                    break
            elif state == _QUOTED:
                if char == "#":
                    # parseconf stops with a parse error here; upsconf.c skips what it has read and
                    # the next line starts just after the '#'.
                    current.problems.append(Problem(self.line, _HASH_IN_QUOTES))
                    current.rejected = True
                    word.clear()
                    break
                if char == '"':
                    if quote_crossed:
                        current.problems.append(Problem(
                            quote_line, f"unterminated quote: NUT reads on to the next '\"' (line "
                            f"{self.line}) and joins lines {quote_line} to {self.line} into one value; "
                            "close the quote on the line it opens on"))
                        quote_crossed = False
                    end_word()
                    state = _FIND_WORD
                elif char == "\\":
                    state = _QUOTED_LITERAL
                elif char == "\n":
                    quote_crossed = True        # parseconf drops the line end and reads on
                else:
                    add_char(char)
            elif state == _QUOTED_LITERAL:
                if char != "\n":
                    add_char(char)
                state = _QUOTED
            elif state == _WORD:
                if char == "#":
                    current.has_comment = True
                    following = text[self.pos:self.pos + 1]
                    if following and following not in _C_SPACE + "\n#":
                        current.problems.append(Problem(
                            self.line, f"a '#' right after {''.join(word)!r} starts a comment: NUT reads "
                            f"{''.join(word)!r} and ignores the rest of the line; write \\# if the '#' is "
                            "part of the value, or put a blank before a comment"))
                    end_word()
                    state = _FIND_EOL
                elif char == "\n":
                    end_word()
                    break
                elif char in _C_SPACE:
                    end_word()
                    state = _FIND_WORD
                elif char == "=":
                    end_word()
                    add_char(char)
                    end_word()
                    state = _FIND_WORD
                elif char == "\\":
                    state = _WORD_LITERAL
                else:
                    add_char(char)
            elif state == _WORD_LITERAL:
                if char != "\n":
                    add_char(char)
                state = _WORD
        else:
            self._end_of_text(current, state, word, quote_line, end_word)
        current.end = self.pos
        current.last_line = self.line - 1 if text[self.pos - 1:self.pos] == "\n" else self.line
        current.last_line = max(current.last_line, current.first_line)
        if too_long:
            current.problems.append(Problem(
                current.first_line, f"a word is longer than {WORD_LIMIT} characters and NUT "
                "truncates it; shorten it"))
        if too_many:
            current.problems.append(Problem(
                current.first_line, f"more than {WORDS_PER_LINE_LIMIT} words and NUT ignores "
                "the rest; shorten the line"))
        return current

    def _end_of_text(self, current: _LogicalLine, state: int, word: list[str], quote_line: int,
                     end_word) -> None:
        """What parseconf does at the end of a file that does not end with a line end."""
        if state in (_QUOTED, _QUOTED_LITERAL):
            current.problems.append(Problem(
                quote_line, f"unterminated quote (opened on line {quote_line}): NUT reads the rest of "
                "the file into this value; close the quote"))
        if state not in (_WORD, _WORD_LITERAL, _QUOTED, _QUOTED_LITERAL):
            return
        if current.words:
            if word:            # parseconf ties off a word it was still building, if it has one
                end_word()
        elif word or state in (_QUOTED, _QUOTED_LITERAL):
            # parseconf keeps a last line only if it already has a finished word.
            current.rejected = True
            current.problems.append(Problem(
                self.line, f"the last line has no line end and NUT ignores a lone word there "
                f"({''.join(word)!r}); end the file with a newline"))


def _plain_words(text: str) -> list[str]:
    """The words of ``text`` (one logical line) if the characters NUT drops were blanks instead."""
    blanked = "".join(" " if char != "\n" and _is_dropped(char) else char for char in text)
    lines = _Tokeniser(blanked).lines()
    return lines[0].words if lines else []


def _shown_characters(chars: list[str]) -> str:
    """The characters NUT drops, as the bytes NUT names in its warning and what they are."""
    shown = []
    for char in dict.fromkeys(chars):
        data = char.encode("utf-8", "surrogateescape")
        hexes = " ".join(f"0x{byte:02x}" for byte in data)
        if 0xDC80 <= ord(char) <= 0xDCFF:
            shown.append(f"{hexes} (not UTF-8)")
        elif char == "\t":
            shown.append(f"{hexes} (a tab)")
        elif ord(char) < 0x20 or 0x7F <= ord(char) < 0xA0:
            shown.append(f"{hexes} (a control character)")
        else:
            shown.append(f"{hexes} (U+{ord(char):04X} {unicodedata.name(char, 'a character')})")
    return ", ".join(shown)


def _dropped_problems(line: _LogicalLine, text: str, in_section: bool) -> list[Problem]:
    """Characters NUT drops: harmless where a blank would give the same words, else an error."""
    if not line.dropped:
        return []
    shown = _shown_characters(line.dropped)
    plain = _plain_words(text[line.start:line.end])
    where = line.first_line
    if plain == line.words and not line.rejected and all(map(_looks_blank, line.dropped)):
        return [Problem(where, f"NUT drops the characters {shown} with a warning ('discarding invalid "
                        "character') but reads the line as meant; save the file as plain ASCII",
                        "warning")]
    if line.words == [""] and not plain:
        if not in_section:
            return [Problem(where, f"NUT drops the characters {shown} with a warning and reads an "
                            "empty flag here, which it ignores before the first section; save the "
                            "file as plain ASCII", "warning")]
        return [Problem(where, f"NUT drops the characters {shown} and reads what is left as an empty "
                        "flag, which the driver refuses ('' is not a valid flag); remove them")]
    return [Problem(where, f"NUT drops the characters {shown}, so it reads this line differently from how "
                    "it looks (it keeps only printable ASCII outside comments); remove them or write plain "
                    "ASCII")]


def _looks_blank(char: str) -> bool:
    """A character that shows as a blank or as nothing (no-break space, byte-order mark, ...)."""
    return char.isspace() or unicodedata.category(char) == "Cf"


def _meaning_problems(line: _LogicalLine, in_section: bool) -> list[Problem]:
    """Problems in what upsconf.c makes of a well-tokenised line."""
    kind = line.kind
    words = line.words
    where = line.first_line
    if kind == "section":
        if len(words[0]) == 2:
            return [Problem(where, "empty section name '[]'; name the UPS")]
        if len(words) > 1:
            return [Problem(where, "text after the section header is ignored by NUT; move it "
                            "to its own line")]
    elif kind == "setting":
        if not words[0]:
            return [Problem(where, "a setting with an empty name: NUT passes it to the driver, which "
                            "refuses to start; fix or remove the line")]
        if len(words) > 3:
            return [Problem(where, f"NUT reads only the first word of the value ({words[2]!r}) "
                            "and ignores the rest; put the value in quotes")]
    elif kind == "flag" and key_problem(words[0]):
        return [_odd_flag_problem(words[0], where, in_section)]
    elif kind == "invalid":
        if words[0].startswith("["):
            if any(w.endswith("]") for w in words[1:]):
                return [Problem(where, "a section name with blanks is not a section to NUT; "
                                "use one word such as [myups]")]
            return [Problem(where, "section header without a closing ']'; fix the header")]
        if len(words) == 2:
            return [Problem(where, f"'{' '.join(words)}' has two words and NUT ignores it; "
                            "write 'key = value' or a single flag word")]
        if not words[0]:
            return [Problem(where, "a line starting with an empty word is not valid; fix or "
                            "remove the line")]
        return [Problem(where, "expected 'key = value', a flag or a [section] header; NUT "
                        "ignores this line: fix or remove it")]
    return []


def _odd_flag_problem(word: str, where: int, in_section: bool) -> Problem:
    """A single word that is neither a header nor a usable flag name: NUT reads it as a flag."""
    effect = "the driver refuses to start" if in_section else "NUT ignores it"
    if word.startswith("["):
        if "]" in word:
            header = word[:word.index("]") + 1]
            return Problem(where, f"{word!r} is not a section header (text follows the ']'): NUT reads "
                           f"it as a flag and {effect}; put {header} alone on its line")
        return Problem(where, f"section header without a closing ']': NUT reads {word!r} as a flag and "
                       f"{effect}; fix the header")
    if not word:
        return Problem(where, f"an empty word alone: NUT reads it as an empty flag and {effect}; "
                       "remove the line", "error" if in_section else "warning")
    return Problem(where, f"{word!r} is not a valid flag name: NUT reads it as a flag and {effect}; "
                   "fix or remove the line", "error" if in_section else "warning")


# --- the file model -------------------------------------------------------------------------

class UpsConf:
    """A parsed ups.conf that renders back to exactly the text it came from, plus edits."""

    def __init__(self, text: str, filename: str | None = None, strict: bool = True) -> None:
        self.filename = filename or "ups.conf"
        self.strict = strict
        self._load(text)

    @classmethod
    def parse(cls, text: str, filename: str | None = None, *, strict: bool = True) -> UpsConf:
        """Parse ``text``; with ``strict`` the first problem raises ParseError."""
        return cls(text, filename, strict)

    def raise_first_error(self) -> None:
        """Raise ParseError for the first error found, as strict parsing does."""
        for problem in self.problems:
            if problem.severity == "error":
                raise ParseError(self.filename, problem.line, problem.message)

    # reading

    def _load(self, text: str) -> None:
        self._text = text
        self._lines = _Tokeniser(text).lines()
        self.problems: list[Problem] = []
        in_section = False
        for line in self._lines:
            problems = list(line.problems)
            if not any(problem.severity == "error" for problem in problems):
                problems += _dropped_problems(line, text, in_section)
            # An empty flag left by dropped characters is explained by _dropped_problems already.
            if not any(problem.severity == "error" for problem in problems) \
                    and not (line.dropped and line.words == [""]):
                problems += _meaning_problems(line, in_section)
            self.problems.extend(problems)
            in_section = in_section or line.kind == "section"
        self.problems.sort(key=lambda p: p.line)
        if self.strict:
            self.raise_first_error()
        self.globals: list[Setting] = []
        self.global_flags: list[Flag] = []
        self.global_entries: list[Setting | Flag] = []
        self.sections: list[Section] = []
        self._build_sections()

    def _build_sections(self) -> None:
        current: Section | None = None
        for line in self._lines:
            kind = line.kind
            if kind == "section":
                current = Section(name=line.words[0][1:-1], header_line=line.first_line,
                                  end_line=line.last_line, start=line.start, end=line.end)
                self.sections.append(current)
                continue
            if kind not in ("setting", "flag", "invalid", "rejected"):
                continue
            if current is not None:
                current.end_line = line.last_line
                current.end = line.end
            entry: Setting | Flag
            if kind == "setting":
                entry = Setting(line.words[0], line.words[2], line.first_line)
                (current.settings if current else self.globals).append(entry)
            elif kind == "flag":
                entry = Flag(line.words[0], line.first_line)
                (current.flags if current else self.global_flags).append(entry)
            else:
                continue
            (current.entries if current else self.global_entries).append(entry)

    def global_reading(self) -> list[tuple[str, str | None]]:
        """What NUT reads before the first section, in order: (key, value), (flag, None)."""
        return _reading(self.global_entries)

    def render(self) -> str:
        """The file's text, including every edit made so far."""
        return self._text

    def get(self, name: str) -> Section | None:
        """The section called ``name`` (case-insensitive, as upsd matches names), or None."""
        for section in self.sections:
            if section.name.lower() == name.lower():
                return section
        return None

    def section_text(self, name: str) -> str:
        """The exact text of section ``name``: its header through its last setting."""
        section = self._only(name)
        return self._text[section.start:section.end]

    def duplicate_sections(self) -> dict[str, list[int]]:
        """Names defined more than once (upsd ignores case) -> the header line of each."""
        seen: dict[str, list[Section]] = {}
        for section in self.sections:
            seen.setdefault(section.name.lower(), []).append(section)
        return {found[0].name: [s.header_line for s in found]
                for found in seen.values() if len(found) > 1}

    def _only(self, name: str) -> Section:
        matches = [s for s in self.sections if s.name.lower() == name.lower()]
        if not matches:
            raise NotFound(f"{self.filename} has no section [{name}]; check the name")
        if len(matches) > 1:
            lines = ", ".join(str(s.header_line) for s in matches)
            raise InvalidInput(f"{self.filename} line {matches[1].header_line}: section "
                               f"[{name}] is defined more than once (lines {lines}); "
                               "merge or rename the copies first")
        return matches[0]

    # editing

    def add_section(self, name: str, text: str) -> None:
        """Append ``text`` (one rendered section) after one blank line."""
        if self.get(name) is not None:
            existing = self.get(name)
            raise InvalidInput(f"{self.filename} line {existing.header_line}: section "
                               f"[{existing.name}] already exists; replace it instead")
        body = _checked_section_text(name, text)
        base = self._text
        if base and not base.endswith("\n"):
            base += "\n"
        if base.strip() and base.rsplit("\n", 2)[-2].strip():
            base += "\n"
        self._load(base + body)

    def replace_section(self, name: str, text: str) -> None:
        """Replace section ``name`` (header through last setting) with ``text``."""
        section = self._only(name)
        body = _checked_section_text(name, text)
        self._load(self._text[:section.start] + body + self._text[section.end:])

    def remove_section(self, name: str) -> None:
        """Remove section ``name`` and the blank line that separated it from its neighbour."""
        section = self._only(name)
        before = self._text[:section.start]
        after = self._text[section.end:]
        line_before = before[:-1].rsplit("\n", 1)[-1] if before else None
        if line_before is not None and not line_before.strip() and not after:
            before = before[:len(before) - len(line_before) - 1]
        elif (line_before is None or not line_before.strip()) and after.split("\n", 1)[0].strip() == "" \
                and "\n" in after:
            after = after[after.index("\n") + 1:]
        self._load(before + after)


def _checked_section_text(name: str, text: str) -> str:
    """Check that ``text`` is exactly one clean section called ``name``; return it with a line end."""
    lines = text.split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    body = "\n".join(lines) + "\n"
    parsed = UpsConf(body, f"section [{name}]", strict=True)
    first = parsed._lines[0] if parsed._lines else None
    if first is None or first.kind != "section" or len(parsed.sections) != 1:
        raise InvalidInput(f"the text for section [{name}] must start with its '[{name}]' "
                           "header and hold one section; fix the template")
    section = parsed.sections[0]
    if section.name != name:
        raise InvalidInput(f"the text for section [{name}] has the header [{section.name}]; "
                           "fix the template")
    if section.end != len(body):
        raise InvalidInput(f"the text for section [{name}] must end with a setting line so "
                           "that it can be replaced cleanly later; fix the template")
    return body
