"""The two lowest levels of evidence: what a vendor's units use on a connection (the family
file's defaults, the list's "(various)" rows, the maker that builds them, most of its rows), and
for a brand nobody lists, what most small vendors' units use."""

from __future__ import annotations

from nuthelper.knowledge.names import normalize
from nuthelper.resolve.hclmatch import RowMatch
from nuthelper.resolve.options import (KIND_NAME, Context, Option, count_drivers, fits, needs_cable, port_option,
                                       row_option)
from nuthelper.resolve.recommendation import Choice


def vendor_options(context: Context, various: list[RowMatch]) -> list[Option]:
    """The vendor's default per connection: the family file's, the list's "(various)" rows, the
    maker that builds the vendor's units, or what nearly all the vendor's rows use."""
    vendor = context.name.vendor
    if vendor is None:
        return []
    facts = context.families.vendor_facts(vendor)
    options = []
    if facts is not None:
        name = context.vendor.name if context.vendor else vendor
        brand = facts.brand_named(context.query)
        defaults = dict(facts.defaults, **(brand.defaults if brand else {}))
        for kind, port in defaults.items():
            if port is not None:
                owner = brand.name if brand and kind in brand.defaults else name
                options.append(port_option(context, port, kind, f"{owner}'s default for {KIND_NAME[kind]} "
                                           f"({port.source})", "vendor-default"))
    covered = {option.connection for option in options}
    options += [row_option(context, match, "vendor-default") for match in various
                if match.connection not in covered and not needs_cable(match)]
    options += [option for option in _majority_options(context, vendor) if option.connection not in covered]
    if not options and facts is not None and facts.built_by:
        context.reasons.append(f"{context.vendor.name if context.vendor else vendor} units are built by "
                               f"{context.lists.vendor_name(facts.built_by)} ({facts.built_by_source}).")
        builder = context.families.vendor_facts(facts.built_by)
        if builder is not None:
            options = [port_option(context, port, kind, f"the default of {facts.built_by}, who builds them",
                                   "vendor-default") for kind, port in builder.defaults.items() if port is not None]
        covered = {option.connection for option in options}
        options += [option for option in _majority_options(context, facts.built_by) if option.connection not in covered]
    return options


MAJORITY = 0.5
"""A vendor's driver for a connection: the one more than half of its rows for it use."""


INFERENCE_SHARE = 2 / 3
"""An unknown brand is answered only where at least two small vendors in three use one driver:
below that, a guess is more often wrong than a question is costly."""


MIN_RATING = 400
"""The smallest rating (VA or W) of a mains UPS: an answer inferred for a name without one warns
that it may be no mains UPS at all."""


SMALL_VENDOR_ROWS = 10
"""Vendors with at most this many rows are the "small vendors" an unknown brand is compared with."""


def _majority_options(context: Context, vendor: str) -> list[Option]:
    """Per connection, the driver most of the vendor's rows use (deprecated drivers counted as their
    replacement), with the runner-up as a rival when there is one."""
    rows = [row for row in context.lists.all_rows(vendor) if not needs_cable(row)]
    options = []
    for kind in ("usb", "serial", "network"):
        counted = count_drivers(context, [row for row in rows if fits(row.connection, kind)], kind)
        total = sum(counted.values())
        ranked = sorted(counted.items(), key=lambda item: -item[1])
        if not ranked or ranked[0][1] / total <= MAJORITY and len(ranked) > 1:
            continue
        for driver, count in ranked[:2]:
            because = f"{count} of {total} {KIND_NAME[kind]} rows of this vendor in NUT's hardware list use {driver}"
            options.append(Option(Choice(driver, {}, [], None, None, "vendor-default", True, because), kind, count,
                                  because))
    return options


def unknown_vendor_options(context: Context) -> list[Option]:
    """For a brand nobody lists: what most small vendors of NUT's hardware list use on the
    connection (most small brands sell Megatec Q1 units), clearly marked as inferred."""
    if context.vendor is not None and any(fits(row.connection, context.connection)
                                          for row in context.lists.all_rows(context.vendor.id)):
        return []
    unrated = max((name.capacity or 0) for name in context.name.all_names()) < MIN_RATING
    if unrated and context.vendor is None and not _names_a_unit(context):
        return []  # no maker NUT lists, no rating, model code or word UPS: nothing says it is one
    per_kind: dict[str, dict[str, int]] = {}
    for vendor in context.lists.primary.vendors():
        rows = context.lists.all_rows(vendor)
        if len(rows) > SMALL_VENDOR_ROWS:
            continue
        for kind in ("usb", "serial", "network"):
            counted = count_drivers(context, [row for row in rows if fits(row.connection, kind)
                                              and not needs_cable(row)], kind)
            if counted:
                top = max(counted.items(), key=lambda item: item[1])[0]
                per_kind.setdefault(kind, {}).setdefault(top, 0)
                per_kind[kind][top] += 1
    options = []
    for kind, counted in per_kind.items():
        total = sum(counted.values())
        ranked = sorted(counted.items(), key=lambda item: -item[1])
        if ranked[0][1] / total < INFERENCE_SHARE:
            continue
        for driver, count in ranked[:2]:
            unknown = ("the brand is in no list nut-helper has" if context.vendor is None else
                       f"NUT's hardware list has no {KIND_NAME[kind]} unit of {context.vendor.name}")
            because = (f"{unknown}; {count} of the {total} small vendors of NUT's hardware list with "
                       f"{KIND_NAME[kind]} units use {driver}")
            options.append(Option(Choice(driver, {}, [], None, None, "inferred", True, because), kind, count, because))
    if options and unrated:
        context.warnings.append(f"The name gives no rating of {MIN_RATING} VA or more: if this is no mains UPS (a "
                                "DC or DIN-rail unit, a power bank), what small vendors' mains UPSes use says "
                                "nothing of it; look it up with 'nut-helper lookup' or ask the unit (--probe, or "
                                "--port auto with it plugged in).")
    return options


def _names_a_unit(context: Context) -> bool:
    """A name with a model code ("ZEUS02ES", "EA-305") or a word for a UPS ("gembird ups")."""
    words = context.query.split()
    return any(normalize(word) in context.families.device_words for word in words) or \
        any(any(ch.isdigit() for ch in word) and any(ch.isalpha() for ch in word) for word in words)
