"""Questions at a terminal: line editing and Tab completion (the standard library's readline), a
default for every question, ``<`` to go back, Ctrl-C to stop (KeyboardInterrupt), Ctrl-D to quit."""

from __future__ import annotations

import sys
from collections.abc import Callable

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO

BACK_WORD = "<"
Suggest = Callable[[str], list[str]]


class Back:
    """The answer ``<``: go back to the previous question."""


BACK = Back()


class Quit(Exception):
    """Ctrl-D (end of input) at a question."""


class Terminal:
    """Asks on ``output`` and reads answers with readline (when stdin is a terminal)."""

    def __init__(self, output: TextIO | None = None) -> None:
        self.output = output or sys.stdout
        self._suggest: Suggest | None = None
        self._matches: list[str] = []
        self._prompt = ""
        try:
            import readline
        except ImportError:            # a Python built without readline: plain input, no completion
            self.readline = None
            return
        self.readline = readline
        readline.parse_and_bind("tab: complete")
        readline.set_completer_delims("")      # complete the whole answer: model names have spaces
        readline.set_completer(self._complete)
        readline.set_completion_display_matches_hook(self._show_matches)

    def say(self, *lines: str) -> None:
        for line in lines:
            self.output.write(line + "\n")
        self.output.flush()

    def ask(self, question: str, default: str, default_label: str | None = None, suggest: Suggest | None = None,
            prefill: str = "") -> str | Back:
        """The answer to ``question`` (``default`` for an empty one), or BACK. With ``suggest``, Tab
        offers completions and an answer ending in ``?`` lists them and asks again."""
        label = default_label if default_label is not None else default
        prompt = f"{question} [{label}]: " if label else f"{question}: "
        while True:
            answer = self._input(prompt, suggest, prefill).strip()
            if answer in (BACK_WORD, prefill + BACK_WORD):      # "<" alone, or typed after the prefill
                return BACK
            prefill = ""
            if suggest is not None and answer.endswith("?"):
                typed = answer[:-1].strip()
                found = suggest(typed)
                self.say(*(["  " + name for name in found] or ["  (no suggestions; type more of the name)"]))
                prefill = typed
                continue
            return answer or default

    def yes_no(self, question: str, default: bool) -> bool | Back:
        """y or n (``default`` for an empty answer), or BACK."""
        while True:
            answer = self.ask(question, "y" if default else "n", "Y/n" if default else "y/N")
            if answer is BACK:
                return BACK
            if answer.lower() in ("y", "yes"):
                return True
            if answer.lower() in ("n", "no"):
                return False
            self.say("  answer y or n (or < to go back)")

    def _input(self, prompt: str, suggest: Suggest | None, prefill: str) -> str:
        self._suggest, self._prompt = suggest, prompt
        readline = self.readline
        if readline is not None:
            readline.set_startup_hook((lambda: readline.insert_text(prefill)) if prefill else None)
        try:
            return input(prompt)
        except EOFError:
            self.say("")
            raise Quit() from None
        finally:
            self._suggest = None
            if readline is not None:
                readline.set_startup_hook(None)

    def _complete(self, text: str, state: int) -> str | None:
        if state == 0:
            found = self._suggest(text) if self._suggest and text.strip() else []
            # readline replaces the line with what the matches have in common; when that would drop
            # some of what was typed, the typed text joins the matches so that nothing is lost
            common = _common_prefix(found)
            self._matches = found if len(found) <= 1 or common.lower().startswith(text.lower()) else [text, *found]
        return self._matches[state] if state < len(self._matches) else None

    def _show_matches(self, substitution: str, matches: list[str], longest: int) -> None:
        typed = self.readline.get_line_buffer() if self.readline else ""
        self.say("", *("  " + match for match in matches if match != typed))
        self.output.write(self._prompt + typed)
        self.output.flush()


def _common_prefix(words: list[str]) -> str:
    if not words:
        return ""
    first, last = min(words), max(words)
    length = next((index for index, (a, b) in enumerate(zip(first, last)) if a != b), min(len(first), len(last)))
    return first[:length]
