"""``nut-helper lookup``: find a UPS or cable in NUT's hardware list and the cable knowledge base."""

from __future__ import annotations

import argparse

from nuthelper.cli.knowledge_args import add_cache_argument, add_knowledge_arguments, knowledge_from
from nuthelper.cli.values import path, text, whole_number
from nuthelper.errors import EXIT_NOT_FOUND, EXIT_OK, InvalidInput

HELP = "search NUT's hardware list and the known cables for a UPS model or cable"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("query", metavar="QUERY", type=text(what="model or cable name"), help='model, vendor and model, or cable part number ("Eaton Ellipse MAX 1100")')
    parser.add_argument("--vendor", type=text(what="vendor name"), help="only this vendor (any name or alias: MGE, Tripp-Lite, Compaq ...)")
    parser.add_argument("--limit", metavar="N", type=whole_number, default=10, help="at most N results (default 10)")
    parser.add_argument("--json", action="store_true", help="print a JSON document instead of text")
    parser.add_argument("--hcl", metavar="FILE", type=path, help="another hardware list: NUT's driver.list or nut-helper's hcl.json")
    add_knowledge_arguments(parser)
    add_cache_argument(parser)


def run(args: argparse.Namespace) -> int:
    from nuthelper.knowledge.hcl import load_hcl
    from nuthelper.knowledge.search import FOUND, build_index

    if not args.query.strip() or not any(ch.isalnum() for ch in args.query):
        raise InvalidInput("the query is empty; give a model or cable name, e.g. nut-helper lookup \"Back-UPS 940-0095A\"")
    if args.limit < 1:
        raise InvalidInput(f"--limit {args.limit} is not a positive number; give --limit 1 or more")
    hcl = load_hcl(args.hcl)
    knowledge = knowledge_from(args)
    index = build_index(hcl, knowledge)
    from nuthelper.resolve.lists import manual_rows, newer_rows
    from nuthelper.resolve.lookup import manual_matches, merged, newer_matches, understood_matches

    def newer():   # the newer bundled list, read only where the installed list is silent
        return newer_rows(hcl) if args.hcl is None else None

    if args.vendor and index.vendors.canonical(args.vendor) is None and \
            manual_rows().vendors.canonical(args.vendor) is None and \
            (newer() is None or newer().vendors.canonical(args.vendor) is None):
        close = _close_vendors(index, args.vendor)
        hint = f"; did you mean {', '.join(close)}?" if close else "; leave --vendor out to search every vendor"
        raise InvalidInput(f"--vendor {args.vendor!r} is not a vendor in the hardware list{hint}")
    limit = max(args.limit, 3)
    graded = understood_matches(args.query, hcl, args.vendor) or manual_matches(args.query, args.vendor)
    matches = merged(graded, index.search(args.query, vendor=args.vendor, limit=limit, spelling=not graded), limit)
    found = [m for m in matches if m.score >= FOUND][: args.limit]
    if not graded and not found and newer() is not None:
        matches = merged(newer_matches(args.query, newer(), args.vendor), matches, limit)
        found = [m for m in matches if m.score >= FOUND][: args.limit]
    suggestions = [] if found else matches[:3]
    if args.json:
        from nuthelper.cli.output import print_json
        print_json({"query": args.query, "vendor": args.vendor, "found": bool(found),
                    "hcl": {"source": hcl.source, "nut_version": hcl.nut_version, "commit": hcl.commit},
                    "results": [_match_json(m, index, knowledge) for m in found],
                    "suggestions": [_match_json(m, index, knowledge) for m in suggestions]})
    else:
        _print_text(args.query, found, suggestions, index, knowledge)
    return EXIT_OK if found else EXIT_NOT_FOUND


def _close_vendors(index, text: str) -> list[str]:
    import difflib
    from nuthelper.knowledge.names import normalize
    keys = index.vendors.all_keys()
    close = difflib.get_close_matches(normalize(text), keys, n=3, cutoff=0.6)
    return list(dict.fromkeys(index.vendors.name(keys[key]) for key in close))


def _match_json(match, index, knowledge) -> dict:
    if match.kind in ("hcl", "newer", "manual"):
        entry = match.entry
        return {"kind": match.kind, "score": match.score, "matched_name": match.matched_name,
                "vendor": entry.vendor_id, **entry.to_json()}
    cable = match.entry
    return {"kind": "cable", "score": match.score, "matched_name": match.matched_name,
            "vendor": index.vendors.canonical(cable.get("vendor", "")) or cable.get("vendor"),
            "id": cable["id"], "title": cable.get("title"), "part_numbers": cable.get("part_numbers", []),
            "cable_kind": cable.get("kind"), "drivers": cable.get("drivers", []),
            "origin": knowledge.origins[cable["id"]]}


def _print_text(query: str, found, suggestions, index, knowledge) -> None:
    import sys
    if not found:
        print(f"nut-helper: nothing found for {query!r}", file=sys.stderr)
        if suggestions:
            print("closest:", file=sys.stderr)
            for match in suggestions:
                print("  " + _headline(match, index, knowledge), file=sys.stderr)
        return
    for match in found:
        print(_headline(match, index, knowledge))
        for line in _details(match):
            print("    " + line)


def _headline(match, index, knowledge) -> str:
    if match.kind == "manual":
        return f"{_row_name(match.entry)}  [not rated: only its driver's manual names it]  (score {match.score:.2f})"
    if match.kind in ("hcl", "newer"):
        entry = match.entry
        stars = "*" * entry.support_level + "." * (5 - entry.support_level)
        where = ", in NUT's newer list bundled with nut-helper, not the installed one" if match.kind == "newer" else ""
        return f"{_row_name(entry)}  [{stars}]  ({entry.device_type}, score {match.score:.2f}{where})"
    cable = match.entry
    origin = knowledge.origins[cable["id"]]
    source = "" if origin == knowledge.origin else f", from {origin}"
    return f"cable {cable['id']}: {cable.get('title', '')}  (score {match.score:.2f}{source})"


def _row_name(entry) -> str:
    """Vendor and model of a hardware-list row; a row that names no model says so."""
    model = entry.model.strip()
    return f"{entry.manufacturer} {model}" if model else f"{entry.manufacturer} (the row names no model)"


def _details(match) -> list[str]:
    if match.kind in ("hcl", "newer", "manual"):
        entry = match.entry
        lines = [f"driver: {entry.driver_text}"]
        if entry.extra:
            lines.append(f"note:   {entry.extra}")
        if entry.comment:
            lines.append(f"see:    {entry.comment}")
        return lines
    cable = match.entry
    lines = []
    if cable.get("part_numbers"):
        lines.append("part numbers: " + ", ".join(cable["part_numbers"]))
    for rule in cable.get("drivers", []):
        options = " ".join(f"{k}={v}" for k, v in rule.get("options", {}).items())
        lines.append(f"driver: {rule['driver']} {options}".rstrip())
    return lines
