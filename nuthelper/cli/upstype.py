"""``nut-helper upstype [N] [--match SIGNALS]``: the genericups contact-closure types."""

from __future__ import annotations

import argparse

from nuthelper.cli.output import print_json
from nuthelper.cli.values import text, whole_number
from nuthelper.errors import NotFound

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

HELP = "show genericups contact-closure types: one, all, or those with given signals"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    choice = parser.add_mutually_exclusive_group()
    choice.add_argument("number", metavar="N", type=whole_number, nargs="?", help="the genericups upstype to show")
    choice.add_argument("--match", metavar="SIGNALS", type=text(what="signal list", advice="give signals such as \"OL=CTS LB=-DCD\""),
                        help="list the types with these signals, e.g. \"CP=DTR OL=CTS LB=-DCD SD=DTR+RTS\" "
                             "(signals left out are not compared)")
    parser.add_argument("--json", action="store_true", help="print JSON")


def run(args: argparse.Namespace) -> int:
    from nuthelper.knowledge.genericups import load_table, parse_match

    table = load_table()
    if args.number is not None:
        ups_type = table.get(args.number)
        identical = table.identical_to(ups_type.number)
        if args.json:
            print_json({"nut_version": table.nut_version, "type": _type_data(ups_type, identical)})
        else:
            print("\n".join(_detail_lines(ups_type, identical)))
        return 0
    if args.match is not None:
        wanted = parse_match(args.match)
        numbers = table.types_matching(wanted)
        if not numbers:
            raise NotFound(f"no genericups type has {wanted.format()}; {_closest_hint(table, wanted)}")
        heading = f"genericups types with {wanted.format()}:"
        query: dict[str, Any] | None = wanted.to_dict()
    else:
        numbers = sorted(table.types)
        heading = f"genericups types (NUT {table.nut_version}):"
        query = None
    groups = [group for group in table.identical_groups() if set(group) <= set(numbers)]
    if args.json:
        data: dict[str, Any] = {"nut_version": table.nut_version}
        if query is not None:
            data["query"] = query
        data["types"] = [_type_data(table.get(number), table.identical_to(number)) for number in numbers]
        data["identical_groups"] = groups
        print_json(data)
        return 0
    print(heading)
    for number in numbers:
        ups_type = table.get(number)
        print(f"  {number:>2}  {ups_type.signals.format():<40}  {'; '.join(ups_type.models)}")
    if groups:
        print("Identical types (same signals): " + "; ".join(" = ".join(map(str, group)) for group in groups))
    return 0


def _closest_hint(table, wanted) -> str:
    number, differing = table.closest_types(wanted)[0]
    overrides = ", ".join(f"{name} = {wanted.text(name)}" for name in differing)
    return f"the closest is type {number}: use upstype = {number} with {overrides}"


def _type_data(ups_type, identical: list[int]) -> dict[str, Any]:
    from nuthelper.knowledge.disconnect import cable_losses
    from nuthelper.knowledge.genericups import SIGNAL_NAMES, describe

    data = ups_type.to_dict()
    data["identical_to"] = identical
    data["meanings"] = {name: describe(name, ups_type.signals.get(name)) for name in SIGNAL_NAMES}
    data["cable_loss"] = [loss.to_dict() for loss in cable_losses(ups_type.signals)]
    return data


def _detail_lines(ups_type, identical: list[int]) -> list[str]:
    from nuthelper.knowledge.disconnect import cable_losses
    from nuthelper.knowledge.genericups import SIGNAL_NAMES, describe

    lines = [f"genericups upstype {ups_type.number}: {ups_type.driver_label}",
             f"  models:  {'; '.join(ups_type.models)}"]
    if ups_type.cable:
        lines.append(f"  cable:   {ups_type.cable}")
    lines.append(f"  signals: {ups_type.signals.format()}")
    lines += [f"    {describe(name, ups_type.signals.get(name))}" for name in SIGNAL_NAMES]
    if identical:
        lines.append(f"  identical to type{'s' if len(identical) > 1 else ''} "
                     f"{', '.join(map(str, identical))} (same signals)")
    lines += [f"  manual differs: {item.sentence(ups_type.signals)}" for item in ups_type.manual_disagreements]
    lines += [f"  note: {note}" for note in ups_type.notes]
    lines += [f"  loose cable: {loss.sentence}" for loss in cable_losses(ups_type.signals)]
    lines.append(f"  ups.conf: driver = genericups, upstype = {ups_type.number}")
    return lines
