"""Verdicts: one per section, with the reasons, and the exit code of the whole run."""

from __future__ import annotations

from dataclasses import dataclass, field

from nuthelper.errors import EXIT_DOES_NOT_WORK, EXIT_NOT_VERIFIED, EXIT_OK
from nuthelper.verify.judge import Finding, describe_status, identification, status_words
from nuthelper.verify.lines import LineReading

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

WORKS = "works"
WORKS_WITH_WARNINGS = "works-with-warnings"
NO_ANSWER = "no-answer"
MISREADS = "misreads"
NOT_RUN = "not-run"
VERDICTS = (WORKS, WORKS_WITH_WARNINGS, NO_ANSWER, MISREADS, NOT_RUN)
DOES_NOT_WORK = (NO_ANSWER, MISREADS)


@dataclass
class SectionResult:
    """How one section fared: read through upsd or the driver, what was read, and the verdict."""

    name: str
    driver: str | None
    port: str | None
    expected_model: str | None
    model_from: str | None
    verdict: str = NOT_RUN
    read_through: str | None = None          # "upsd" or "driver" (None: nothing read)
    upsd: str | None = None                  # the upsd address that answered
    readings: dict[str, str] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    lines: LineReading | None = None
    seconds: float | None = None

    def decide(self) -> str:
        """The verdict from what was read and found (``not-run`` stays when nothing was tried)."""
        kinds = {finding.kind for finding in self.findings}
        if self.read_through is None:
            return self.verdict
        if not self.readings:
            self.verdict = NO_ANSWER
        elif "problem" in kinds:
            self.verdict = MISREADS
        elif "warning" in kinds:
            self.verdict = WORKS_WITH_WARNINGS
        else:
            self.verdict = WORKS
        return self.verdict

    def describe(self) -> list[str]:
        """The verdict in words: a headline, what was read, then every finding."""
        how = {"driver": f"ran {self.driver}" + (f" on {self.port}" if self.port else "")
                         + (f" ({self.seconds:g} s)" if self.seconds is not None else ""),
               "upsd": f"read through upsd at {self.upsd}"}.get(self.read_through or "", "nothing read")
        lines = [f"[{self.name}] {self.verdict}: {how}"]
        if self.readings:
            words = status_words(self.readings)
            lines.append(f"  status: {describe_status(words) if words else '(none)'}")
            ident = identification(self.readings)
            said = " ".join(part for part in (ident["mfr"], ident["model"]) if part)
            extra = [f"{label} {ident[key]}" for key, label in (("serial", "serial"), ("firmware", "firmware"))
                     if ident[key]]
            if said or extra:
                lines.append(f"  reports: {', '.join(([said] if said else []) + extra)}")
        lines += [f"  - {finding.kind}: {finding.message}" for finding in self.findings]
        return lines

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "verdict": self.verdict, "driver": self.driver, "port": self.port,
                "model": {"expected": self.expected_model, "from": self.model_from},
                "read_through": self.read_through, "upsd": self.upsd,
                "status": status_words(self.readings) if self.readings else None,
                "identification": identification(self.readings) if self.readings else None,
                "readings": self.readings, "lines": self.lines.to_dict() if self.lines else None,
                "findings": [finding.to_dict() for finding in self.findings], "seconds": self.seconds}


@dataclass
class VerifyReport:
    """Every section verified in one ups.conf."""

    path: str
    sections: list[SectionResult]

    @property
    def exit_code(self) -> int:
        verdicts = {section.verdict for section in self.sections}
        if verdicts & set(DOES_NOT_WORK):
            return EXIT_DOES_NOT_WORK
        if NOT_RUN in verdicts:
            return EXIT_NOT_VERIFIED
        return EXIT_OK

    def counts(self) -> dict[str, int]:
        return {verdict: count for verdict in VERDICTS
                if (count := sum(section.verdict == verdict for section in self.sections))}

    def to_dict(self) -> dict[str, Any]:
        return {"config": self.path, "exit_code": self.exit_code, "counts": self.counts(),
                "sections": [section.to_dict() for section in self.sections]}
