"""``verify``: prove a ups.conf section on the real UPS, through upsd when NUT already runs it, else with
one bounded dump-mode run of the section's own driver, and say in plain words whether it works.

Modules: ``section`` (reading the sections and the model each was made for), ``upsd`` (the NUT
protocol on loopback), ``driver`` (the bounded driver run), ``lines`` (a contact-closure port's
input lines), ``judge`` (what the readings mean), ``report`` (verdicts and the exit code) and
``run`` (the order of it all). See docs/user-guide.md, "verify".
"""

from nuthelper.verify.report import (DOES_NOT_WORK, MISREADS, NO_ANSWER, NOT_RUN, VERDICTS, WORKS,
                                     WORKS_WITH_WARNINGS, SectionResult, VerifyReport)
from nuthelper.verify.run import DEFAULT_SECONDS, VerifyOptions, verify_config, verify_section

__all__ = ["DEFAULT_SECONDS", "DOES_NOT_WORK", "MISREADS", "NOT_RUN", "NO_ANSWER", "VERDICTS", "WORKS",
           "WORKS_WITH_WARNINGS", "SectionResult", "VerifyOptions", "VerifyReport", "verify_config", "verify_section"]
