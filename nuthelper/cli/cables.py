"""``nut-helper cables list|show``: browse the cable knowledge base."""

from __future__ import annotations

import argparse
import sys

from nuthelper.cli.knowledge_args import add_knowledge_arguments, knowledge_from
from nuthelper.cli.output import print_json
from nuthelper.cli.values import text

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from nuthelper.knowledge.cables import Cable, DriverRule
    from nuthelper.knowledge.disconnect import CableLoss

HELP = "list the documented cables, or show one with its wiring drawn as text"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    listing = actions.add_parser("list", help="one line per cable")
    listing.add_argument("--json", action="store_true", help="print a JSON list")
    add_knowledge_arguments(listing)
    show = actions.add_parser("show", help="wiring, models, driver and source of one cable")
    show.add_argument("cable", metavar="ID", type=text(what="cable name"), help="cable id, part number or title")
    show.add_argument("--json", action="store_true", help="print the cable's full JSON entry")
    add_knowledge_arguments(show)


def run(args: argparse.Namespace) -> int:
    knowledge = knowledge_from(args)
    if args.action == "list":
        rows = [list_row(cable) for cable in knowledge.cables]
        if args.json:
            print_json(rows)
        else:
            width = max(len(row["id"]) for row in rows)
            for row in rows:
                parts = f"  [{', '.join(row['part_numbers'])}]" if row["part_numbers"] else ""
                print(f"{row['id']:<{width}}  {row['kind']:<18}  {row['title']}{parts}")
        return 0
    cable = knowledge.find_cable(args.cable)
    if args.json:
        print_json(show_data(cable))
    else:
        sys.stdout.write(describe(cable))
    return 0


def list_row(cable: Cable) -> dict[str, Any]:
    return {"id": cable.id, "title": cable.title, "vendor": cable.vendor.name, "kind": cable.kind,
            "origin": cable.base.origins.get(cable.id),
            "part_numbers": cable.part_numbers,
            "drivers": [rule.summary() for rule in cable.drivers]}


def show_data(cable: Cable) -> dict[str, Any]:
    """The cable's JSON entry, with the wiring followed through same_wiring_as and, for a
    contact-closure cable, the genericups signal set and types its wiring derives."""
    data = dict(cable.data)
    if cable.same_wiring_as is not None:
        data["wiring"] = cable.wiring
    derivation = derived_signals(cable)
    if derivation is not None:
        data["derived"] = derivation.to_dict()
        data["cable_loss"] = [{"driver": rule.driver, "options": rule.options, "models": list(rule.models),
                               "cases": [loss.to_dict() for loss in losses]}
                              for rule, losses in written_losses(cable)]
    return data


def written_losses(cable: Cable) -> list[tuple[DriverRule, list[CableLoss]]]:
    """For each genericups setting the cable documents: what the driver reports, with the section
    setup writes from it, when the cable comes off the computer or off the UPS."""
    from nuthelper.knowledge.disconnect import section_cable_losses

    return [(rule, section_cable_losses(rule.options, cable.wiring)) for rule in cable.drivers
            if rule.driver == "genericups"]


def derived_signals(cable: Cable):
    """What the wiring means for genericups, for cables that signal on the modem lines."""
    if "contact-closure" not in (cable.kind, *cable.data.get("other_kinds", ())):
        return None
    from nuthelper.knowledge.derive import derive_signals

    return derive_signals(cable.wiring)


def describe(cable: Cable) -> str:
    """A readable text page about one cable, wiring drawn pin to pin."""
    from nuthelper.cabledraw import connector_text, wiring_lines

    lines = [f"{cable.title}  ({cable.id})", f"  vendor: {cable.vendor.name}; kind: {cable.kind}"]
    if cable.part_numbers:
        lines.append(f"  part numbers: {', '.join(cable.part_numbers)}")
    ends = cable.data.get("connectors", {})
    if ends:
        lines.append("  UPS end: " + connector_text(ends.get("ups")) + "    PC end: " + connector_text(ends.get("pc")))
    twin = cable.same_wiring_as
    if twin is not None:
        lines.append(f"  wired like: {twin.title} ({twin.id})")
    lines += ["", "Wiring:"] + [f"  {line}" for line in wiring_lines(cable.wiring)]
    fits = cable.fits
    lines += ["", "Fits:"]
    lines += [f"  {model}" for model in fits.get("models", [])]
    lines += [f"  pattern {pattern}" for pattern in fits.get("patterns", [])]
    lines += [f"  {family}" for family in fits.get("families", [])]
    derivation = derived_signals(cable)
    if derivation is not None:
        types = ", ".join(str(number) for number in derivation.types) or "none"
        lines += ["", f"Derived from the wiring: {derivation.signals.format()} -> genericups type(s) {types}"]
        lines += [f"  - {reason}" for reason in derivation.reasons]
        lines += [f"  ! {problem}" for problem in derivation.problems]
        for rule, losses in written_losses(cable):
            scope = f" for {', '.join(rule.models)}" if rule.models else ""
            lines += ["", f"A loose cable, with {rule.summary()}{scope} as setup writes it:"]
            lines += [f"  - {loss.sentence}" for loss in losses]
    if cable.drivers:
        lines += ["", "Driver:"]
        for rule in cable.drivers:
            scope = f"for {', '.join(rule.models)}: " if rule.models else ""
            status = rule.confidence + ("" if rule.confirmed else ", unconfirmed")
            lines.append(f"  {scope}{rule.summary()}  ({status}) {rule.because}".rstrip())
            lines += [f"    ! {warning}" for warning in rule.warnings]
    if cable.use_instead:
        lines += ["", "Not a monitoring cable; monitor the UPS with:"]
        lines += [f"  {rule.summary()}  {rule.because}".rstrip() for rule in cable.use_instead]
    for title, items in (("Notes", cable.notes), ("Warnings", cable.warnings)):
        if items:
            lines += ["", f"{title}:"] + [f"  - {item}" for item in items]
    lines += ["", f"Source: {cable.source_text()}"]
    return "\n".join(lines) + "\n"

