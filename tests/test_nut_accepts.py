"""Every section nut-helper renders for a documented cable is accepted by Debian's real NUT."""

from __future__ import annotations

from pathlib import Path

import pytest

from nuthelper.errors import Ambiguous
from nuthelper.knowledge.cables import load_cables
from nuthelper.knowledge.drivers import replacement_for
from nuthelper.render import render_section
from nuthelper.resolve import resolve
from support.nut import CORE_SETTINGS, DRIVER_DIR, driver_keys, upscode2_workaround


def rendered_cases():
    """(case id, model, cable, port) for every driver rule of every monitoring cable."""
    for cable in load_cables().cables:
        if cable.kind == "management-console":
            continue
        for index, rule in enumerate(cable.drivers):
            model = next(iter(rule.models), None) or next(iter(cable.fits.get("models", [])), "UPS")
            model = model.replace("*", "0")
            yield f"{cable.id}-{index}", f"{cable.vendor.name} {model}", cable.id, rule


CASES = list(rendered_cases())


@pytest.mark.parametrize(("model", "cable", "rule"), [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_nut_accepts_rendered_section(tmp_path: Path, nut_setup, model, cable, rule):
    port = "auto" if rule.port == "auto" else str(tmp_path / "no-such-tty")
    try:
        recommendation = resolve(model, cable, port)
    except Ambiguous:
        pytest.fail(f"{model} with {cable} should resolve to one driver")
    choices = [recommendation.choice, *recommendation.alternatives]
    # A deprecated driver is replaced by its installed successor (blazer_ser -> nutdrv_qx).
    drivers = {rule.driver, (replacement_for(rule.driver) or {}).get("use")}
    workaround = upscode2_workaround() if rule.driver == "upscode2" else {}
    choice = next(choice for choice in choices if choice.driver in drivers
                  and choice.options == {**rule.options, **workaround} and choice.flags == list(rule.flags))
    recommendation.choice = choice
    section = render_section(recommendation, name="testups")
    nut_setup.write_ups_conf(section.text)

    if not (DRIVER_DIR / choice.driver).exists():
        pytest.fail(f"{choice.driver} is not installed by Debian's nut-server: the test cannot check it")
    plan = nut_setup.upsdrvctl_test_start()
    assert plan.returncode == 0, plan.output
    assert plan.exec_lines() == [f"{DRIVER_DIR / choice.driver} -a testups"], plan.output
    assert not plan.rejections(), plan.output

    listed = driver_keys(choice.driver)
    for key in [key for key in choice.options if key not in CORE_SETTINGS] + choice.flags:
        assert key in listed, f"{choice.driver} -L does not list {key}"

    started = nut_setup.run_driver(choice.driver, "testups")
    assert not started.rejections(), started.output
