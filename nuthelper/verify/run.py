"""Verifying sections: through upsd when NUT already runs them, else with one bounded run of the
section's own driver; then the readings judged (:mod:`nuthelper.verify.judge`)."""

from __future__ import annotations

from dataclasses import dataclass

from nuthelper.knowledge.drivers import DriverRefused, program_name, talks_usb
from nuthelper.probe.locks import lock_state
from nuthelper.verify.driver import run_dump
from nuthelper.verify.judge import (CONTACT_DRIVER, contact_reading_is_normal, judge_contact, judge_failed_run,
                                    judge_identification, judge_status, note, overrides_cable_power, problem,
                                    status_words, warning)
from nuthelper.verify.lines import LineReading, read_contact_lines
from nuthelper.verify.report import NOT_RUN, SectionResult, VerifyReport
from nuthelper.verify.section import VerifySection, read_config
from nuthelper.verify.upsd import UpsdReading, listen_addresses, read_through_upsd

DEFAULT_SECONDS = 45.0   # nutdrv_qx and bcmxcp give up on a silent port after about 36 s
_NOT_COMPARED = {"driver", "desc"}


@dataclass
class VerifyOptions:
    """How to verify: the time bound for a driver (or for upsd's first reading) and where drivers are."""

    seconds: float = DEFAULT_SECONDS
    driver_path: str | None = None


def verify_config(config: str | None = None, root: str | None = None, names: list[str] | None = None,
                  model: str | None = None, options: VerifyOptions | None = None) -> VerifyReport:
    """Verify the sections ``names`` (every section when None) of the ups.conf at ``config`` under ``root``."""
    options = options or VerifyOptions()
    conf = read_config(config, root, names, model)
    addresses = listen_addresses(conf.upsd_conf)
    return VerifyReport(str(conf.path), [verify_section(section, conf.text, addresses, options)
                                         for section in conf.sections])


def verify_section(section: VerifySection, ups_conf: str, upsd_addresses: list[tuple[str, int]],
                   options: VerifyOptions) -> SectionResult:
    """One section's verdict. ``ups_conf`` is the whole file's text, handed to the driver unchanged."""
    result = SectionResult(section.name, section.driver, section.port, section.expected_model, section.model_from)
    result.findings += [warning(f"ups.conf line {item.line}: {item.message}") for item in section.problems]
    if not section.driver:
        result.findings.append(problem("the section names no driver, so NUT cannot start it; set 'driver'"))
        return result
    upsd = read_through_upsd(upsd_addresses, section.name, options.seconds)
    if upsd is not None and _judged_from_upsd(result, section, upsd):
        return result
    holder = _port_holder(section)
    if holder:
        result.findings.append(problem(f"not run: the port {section.port} is {holder}"))
        if "NUT driver" in holder:
            tried = ", ".join(f"{host}:{port}" for host, port in upsd_addresses) or "no loopback address"
            result.findings.append(note(f"no upsd answered for [{section.name}] ({tried}): start upsd to verify "
                                        "through it, or stop that driver and verify again"))
        return result
    try:
        run = run_dump(section.driver, section.name, ups_conf, options.seconds, options.driver_path)
    except DriverRefused as refusal:
        result.findings.append(problem(f"not run: {refusal}"))
        return result
    result.read_through, result.seconds = "driver", run.seconds
    result.readings = run.readings()
    if result.readings:
        _judge_readings(result, section, can_read_lines=True)
    else:
        result.findings += judge_failed_run(section, run, options.seconds)
    result.decide()
    return result


def _judged_from_upsd(result: SectionResult, section: VerifySection, upsd: UpsdReading) -> bool:
    """Take upsd's answer; False when the driver must be run instead (upsd knows it, its driver is down)."""
    service = f"'upsdrvctl start {section.name}' (or 'systemctl start nut-driver@{section.name}')"
    if upsd.error == "DRIVER-NOT-CONNECTED":
        result.findings.append(note(f"upsd at {upsd.where} serves [{section.name}], but its driver is not running: "
                                    f"start it with {service}; verifying with the driver itself meanwhile"))
        return False
    result.upsd = upsd.where
    if upsd.error:
        result.read_through = "upsd"
        why = ("its driver hears nothing from the UPS (data stale)" if upsd.error == "DATA-STALE" else
               "upsd has no reading from its driver yet")
        result.findings.append(problem(f"NUT runs [{section.name}] (upsd at {upsd.where}), but {why}; see the "
                                       f"driver's log (journalctl -u nut-driver@{section.name})"))
        result.decide()
        return True
    result.readings = upsd.variables
    differences = _running_otherwise(section, upsd.variables)
    if differences:
        result.verdict = NOT_RUN
        result.findings.append(problem(f"NUT runs [{section.name}] with other settings than ups.conf has "
                                       f"({'; '.join(differences)}): restart its driver ('upsdrvctl stop "
                                       f"{section.name}; upsdrvctl start {section.name}', or 'systemctl restart "
                                       f"nut-driver@{section.name}') and verify again"))
        return True
    result.read_through = "upsd"
    _judge_readings(result, section, can_read_lines=False)
    result.decide()
    return True


def _running_otherwise(section: VerifySection, variables: dict[str, str]) -> list[str]:
    """How the running driver's settings differ from the section's: its name, and every setting it
    publishes as driver.parameter.KEY (drivers publish neither secrets nor what only upsd or upsdrvctl
    read, such as desc)."""
    differences = []
    running = variables.get("driver.name")
    if running and running not in (section.driver, program_name(section.driver or "")):
        differences.append(f"driver {running}, the file says {section.driver}")
    for key, value in section.settings.items():
        if key.lower() in _NOT_COMPARED:
            continue
        found = variables.get(f"driver.parameter.{key}")   # absent for secrets and core-only keys
        if found is not None and found != value:
            differences.append(f"{key} = {found} in the running driver, the file says {value}")
    return differences


def _port_holder(section: VerifySection) -> str | None:
    """What holds the section's serial port (the probe's rules), or None when it is free or not a device."""
    port = section.port
    if not port or not port.startswith("/") or talks_usb(section.driver or "", {k.lower(): v for k, v in
                                                                                section.settings.items()}):
        return None
    state = lock_state(port)
    return None if state.free else state.describe()


def _judge_readings(result: SectionResult, section: VerifySection, can_read_lines: bool) -> None:
    words = status_words(result.readings)
    if section.driver != CONTACT_DRIVER:
        result.findings += judge_status(section, words) + judge_identification(section, result.readings)
        return
    lines = None
    if not contact_reading_is_normal(words):
        lines = _contact_lines(section, can_read_lines)
        result.lines = lines
    result.findings += judge_contact(section, words, lines)


def _contact_lines(section: VerifySection, can_read_lines: bool) -> LineReading:
    if not can_read_lines:
        return LineReading(error="the running driver holds the port; stop it and verify again to see the lines")
    if overrides_cable_power(section):
        return LineReading(error="the section sets its own cable power (CP), which the line reading does not raise")
    upstype = section.settings.get("upstype", "")
    if not section.port or not section.port.startswith("/") or not upstype.isdigit():
        return LineReading(error="the section names no serial device or upstype")
    return read_contact_lines(section.port, int(upstype))
