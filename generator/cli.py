"""The `broadsheet` command: build, check, import-listing (and scrape/add from generator.scrape)."""
from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import sys
from pathlib import Path

from generator.build import BuildError, build
from generator.config import ConfigError, SiteConfig, load_config
from generator.loader import load_content
from generator.model import Problem


def main(argv: list[str] | None = None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "func"):
        parser.print_help()
        return 2
    try:
        return args.func(args)
    except ConfigError as exc:
        return report(exc.problems)


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="broadsheet", description=__doc__)
    sub = parser.add_subparsers(metavar="COMMAND")
    p = sub.add_parser("build", help="build the site from content/ into output/")
    add_common(p)
    p.add_argument("--output", type=Path, default=Path("output"), help="output folder (default: output)")
    p.add_argument("--base-url", help="the URL the site is served from (default: the config's base_url)")
    p.add_argument("--jobs", type=int, default=None, help="worker processes (default: all cores)")
    p.add_argument("--no-search", dest="search", action="store_false", help="skip the Pagefind search index")
    p.add_argument("--cache", type=Path, default=Path(".cache/broadsheet"),
                   help="where builds keep what the next build can reuse; safe to delete (default: .cache/broadsheet)")
    p.add_argument("--no-cache", dest="cache", action="store_const", const=None,
                   help="build everything from scratch and record nothing")
    p.add_argument("--timings", action="store_true", help="print the wall time of each step")
    p.set_defaults(func=cmd_build)
    p = sub.add_parser("check", help="validate every content file; print each problem as path:line: message")
    add_common(p)
    p.set_defaults(func=cmd_check)
    p = sub.add_parser("import-listing", help="import the papers of a copied Daily Papers listing page")
    add_common(p)
    p.add_argument("file", type=Path, help="the text a browser copied from the listing page")
    p.add_argument("--as-of", type=dt.date.fromisoformat, required=True, help="the day the page was copied (YYYY-MM-DD)")
    p.set_defaults(func=cmd_import_listing)
    p = sub.add_parser("serve", help="build, serve on localhost, rebuild and reload the page on every change")
    add_common(p)
    p.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1; 0 picks a free one (default: 8000)")
    p.add_argument("--no-search", dest="search", action="store_false", help="skip the Pagefind search index")
    p.set_defaults(func=cmd_serve)
    _add_optional_commands(sub)
    return parser


def _add_optional_commands(sub: argparse._SubParsersAction) -> None:
    try:
        from generator.scrape.commands import add_commands
    except ImportError:  # the scraper package is optional for a build-only install
        return
    add_commands(sub)


def add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--content", type=Path, default=Path("content"), help="content folder (default: content)")
    parser.add_argument("--config", type=Path, default=None, help="site config (default: site.yaml if present)")


def site_config(args: argparse.Namespace) -> SiteConfig:
    config = load_config(args.config, root=Path("."))
    if getattr(args, "base_url", None):
        base = args.base_url if args.base_url.endswith("/") else args.base_url + "/"
        config = dataclasses.replace(config, base_url=base)
    return config


def cmd_build(args: argparse.Namespace) -> int:
    config = site_config(args)
    try:
        result = build(args.content, args.output, config, jobs=args.jobs, search=args.search, cache_dir=args.cache)
    except BuildError as exc:
        print(f"build failed; {args.output}/ was left as it was.", file=sys.stderr)
        return report(exc.problems)
    report(result.warnings)
    print(f"built {result.papers} papers: {result.pages} pages, {result.files} files in {args.output}/"
          f" ({result.written} written, {result.deleted} deleted)")
    if args.timings:
        for step, seconds in result.timings:
            print(f"  {seconds:7.3f} s  {step}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    site_config(args)  # a broken site.yaml is a problem too
    result = load_content(args.content)
    status = report(result.problems)
    errors, warnings = len(result.errors), len(result.problems) - len(result.errors)
    print(f"checked {len(result.papers) + errors} files: {errors} error(s), {warnings} warning(s)")
    return status


def cmd_import_listing(args: argparse.Namespace) -> int:
    from generator.listing import import_listing

    config = site_config(args)
    summary = import_listing(args.file, args.as_of, args.content, config)
    print(summary)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from generator.serve import serve

    root = Path(".")  # where site_config finds site.yaml and themes/; a broken site.yaml is shown by the server
    watched = [args.content, root / "themes", args.config or root / "site.yaml"]
    return serve(args.content, lambda: site_config(args), watched, port=args.port, search=args.search)


def report(problems: list[Problem] | tuple[Problem, ...]) -> int:
    """Print problems as path:line: message; 1 if any is an error."""
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if any(p.is_error for p in problems) else 0
