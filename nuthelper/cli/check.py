"""``nut-helper check``: report what NUT would reject or misread in an existing ups.conf."""

from __future__ import annotations

import argparse
import sys

from nuthelper.cli.knowledge_args import add_cache_argument
from nuthelper.cli.values import path
from nuthelper.nutfiles import DEFAULT_CONFIG

HELP = "check an existing ups.conf: parse errors, names, drivers, options, ports (exit 4 on errors)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", metavar="PATH", default=DEFAULT_CONFIG, type=path,
                        help=f"the ups.conf to check (default {DEFAULT_CONFIG}, under --root)")
    parser.add_argument("--root", metavar="DIR", type=path, help="target system root: check DIR/etc/nut/ups.conf, its "
                        "ports and the nut account of that system, with its drivers (DIR/lib/nut) and NUT release "
                        "(DIR/usr/share/nut/driver.list) when it has them; a missing port there is a warning")
    parser.add_argument("--driver-path", metavar="DIR", type=path, help="where the NUT drivers are (default /lib/nut "
                        "and /usr/lib/nut, or the target's under --root); only root-owned programs that group "
                        "and others cannot change are run")
    parser.add_argument("--hcl", metavar="FILE", type=path, help="the hardware list whose drivers count as NUT's "
                        "(driver.list or nut-helper's hcl.json; default the system's, else the bundled snapshot)")
    add_cache_argument(parser)
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object instead of text (docs/user-guide.md, 'JSON output')")


def run(args: argparse.Namespace) -> int:
    from nuthelper.check import check_config
    from nuthelper.cli.output import print_json
    from nuthelper.errors import EXIT_CHECK_FAILED
    from nuthelper.knowledge.hcl import load_hcl

    hcl = load_hcl(args.hcl) if args.hcl else None
    report = check_config(args.config, root=args.root, driver_path=args.driver_path, hcl=hcl)
    if args.json:
        print_json(report.to_dict())
    else:
        for finding in report.findings:
            where = f"{report.path}:{finding.line}" if finding.line else report.path
            section = f" [{finding.section}]" if finding.section else ""
            print(f"{where}:{section} {finding.severity}: {finding.message}")
        nut = report.nut
        release = f"NUT {nut.release} (from {nut.release_source})" if nut.release else \
            "the NUT release each driver reports"
        print(f"nut-helper: judged with the drivers in {nut.drivers} and {release}", file=sys.stderr)
        counts = f"{report.errors} error(s), {len(report.findings) - report.errors} other finding(s)"
        print(f"nut-helper: checked {report.path}: {len(report.sections)} UPS section(s), {counts}",
              file=sys.stderr)
    return EXIT_CHECK_FAILED if report.errors else 0
