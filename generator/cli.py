"""The `broadsheet` command, and the one place where a failure becomes what the user reads.

Exit status, the same for every command: 0 success, 1 failure, 2 a usage error (argparse),
130 interrupted (Ctrl+C); 143 `build` or `import-listing` stopped by SIGTERM, unwound as after Ctrl+C.
"""

from __future__ import annotations

# Ctrl+C while the program loads (a third of a second, before `main` can catch it) printed a traceback of
# KeyboardInterrupt: it ends the program as Ctrl+C does later, quietly with 130.
try:
    import argparse
    import dataclasses
    import datetime as dt
    import os
    import sys
    import traceback
    from pathlib import Path
    from typing import NoReturn

    import generator
    from generator import options
    from generator.config import ConfigError, SiteConfig, load_config
    from generator.console import LOG, diagnostics, report, result
    from generator.errors import Terminated, UserError
    from generator.scaffold import add_command as add_new
    from generator.search import SearchIndexError
    from generator.tidy import add_command as add_tidy
except KeyboardInterrupt:
    raise SystemExit(130) from None

PROG = "broadsheet"


# What a build left for the process's exit to drop (`build.build`'s `leave`).
LEFT: list[object] = []


def run() -> NoReturn:
    """The `broadsheet` program: `main`, then the exit. After a build the process ends without freeing what the
    build made: at 20,000 papers that took 0.16 s when the build returned and 0.1 s more as Python exits."""
    status = main()
    if LEFT:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except OSError:  # a reader that left (`| head`) has nothing more to read
            pass
        os._exit(status)
    sys.exit(status)


def main(argv: list[str] | None = None) -> int:
    debug = "--debug" in (sys.argv[1:] if argv is None else argv)  # known before parsing can fail
    try:
        args = make_parser(_command_word(sys.argv[1:] if argv is None else argv)).parse_args(argv)
        debug = args.debug
        if args.verbosity < 0 and hasattr(args, "progress"):
            args.progress = False  # the scraper's progress bar
        if not hasattr(args, "func"):
            make_parser().print_help(sys.stderr)
            return 2
        with diagnostics(args.verbosity):
            status: int = args.func(args)
            return status
    except KeyboardInterrupt as exc:
        return 143 if isinstance(exc, Terminated) else 130
    except Exception as exc:  # noqa: BLE001 - the one handler: shown as one line, never hidden (--debug)
        return fail(exc, debug)


def fail(exc: Exception, debug: bool) -> int:
    if isinstance(exc, ConfigError):
        return report(exc.problems)
    if isinstance(exc, BrokenPipeError):  # `broadsheet ... | head`: the reader left; nothing to say
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - stays open until exit, so the final flush succeeds
        return 1
    if debug and not isinstance(exc, UserError):
        traceback.print_exception(exc)
    print(f"{PROG}: error: {failure_line(exc, debug)}", file=sys.stderr)
    return 1


def failure_line(exc: Exception, debug: bool = False) -> str:
    """What went wrong, in one line: what the user can fix first, then what a program failed at."""
    if isinstance(exc, SearchIndexError):
        return f"{one_line(exc.line())} (the search index; --no-search builds without it)"
    if isinstance(exc, UserError):
        return one_line(exc.line())
    if isinstance(exc, OSError) and exc.strerror:
        files = " -> ".join(_name(f) for f in (exc.filename, exc.filename2) if f is not None)
        return f"{exc.strerror} ({files})" if files else exc.strerror
    if isinstance(exc, OSError):  # raised with a message only, e.g. FileNotFoundError("no templates ...")
        return one_line(str(exc))
    hint = "" if debug else " (run again with --debug to see the traceback)"
    return f"unexpected {type(exc).__name__}: {one_line(str(exc))}{hint}"


def _name(filename: object) -> str:
    return os.fsdecode(filename) if isinstance(filename, str | bytes | os.PathLike) else str(filename)


def one_line(text: str) -> str:
    return " ".join(text.split())


# -- the parser ---------------------------------------------------------------------------------


# The commands this module defines: when one of them is asked for, the scraper's (and the HTTP
# client they import, a tenth of `build`'s start-up) are not loaded.
CORE_COMMANDS = ("build", "check", "import-listing", "serve", "new", "tidy")


def _command_word(argv: list[str]) -> str | None:
    """The command asked for: the first word that is not a flag (no top-level flag takes a value)."""
    return next((word for word in argv if not word.startswith("-")), None)


class _Version(argparse.Action):
    """--version, looked up only when asked for: argparse's own action takes the text when the parser is made."""

    def __init__(self, option_strings: list[str], dest: str = argparse.SUPPRESS, help: str | None = None) -> None:
        super().__init__(option_strings, dest, nargs=0, help=help, default=argparse.SUPPRESS)

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        print(f"{PROG} {generator.__version__}")
        parser.exit()


def make_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The whole command line; without the scraper's commands if `command` is one of CORE_COMMANDS."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Broadsheet builds a static archive of the research papers listed on Hugging Face Daily Papers.",
        epilog=options.examples(f"{PROG} build", f"{PROG} serve", f"{PROG} scrape --since 2025-10-01")
        + f"\n\n'{PROG} COMMAND --help' shows a command's options.",
    )
    parser.add_argument("--version", action=_Version, help="show the version and exit")
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")
    add_build(sub)
    add_check(sub)
    add_import_listing(sub)
    add_serve(sub)
    if command not in CORE_COMMANDS:
        _add_optional_commands(sub)
    add_new(sub)
    add_tidy(sub)
    for each in {id(p): p for p in [parser, *sub.choices.values()]}.values():
        add_global_flags(each, top=each is parser)
    return parser


def add_global_flags(parser: argparse.ArgumentParser, top: bool) -> None:
    """-q, -v and --debug, before or after the command: `broadsheet -q build` = `broadsheet build -q`."""
    parser.formatter_class = argparse.RawDescriptionHelpFormatter  # keeps the examples' lines
    default = (lambda value: value) if top else (lambda value: argparse.SUPPRESS)
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "-q",
        "--quiet",
        dest="verbosity",
        action="store_const",
        const=-1,
        default=default(0),
        help="errors only: no warnings, progress or summary",
    )
    group.add_argument(
        "-v",
        "--verbose",
        dest="verbosity",
        action="store_const",
        const=1,
        default=default(0),
        help="more detail about each step",
    )
    parser.add_argument(
        "--debug", action="store_true", default=default(False), help="show the traceback of an unexpected error"
    )


def add_build(sub: argparse._SubParsersAction) -> None:
    p = options.command(
        sub,
        "build",
        "build the site from content/ into output/",
        f"{PROG} build",
        f"{PROG} build --base-url https://USER.github.io/REPO/",
        f"{PROG} build --content ../papers --output /tmp/site --no-search",
    )
    options.add_paths(p, options.existing_folder("content folder"))
    p.add_argument("--output", type=Path, default=Path("output"), metavar="DIR", help="output folder (default: output)")
    p.add_argument(
        "--base-url",
        type=options.site_url("--base-url"),
        metavar="URL",
        help="the absolute http(s) URL the site is served from (default: the config's base_url)",
    )
    p.add_argument(
        "--jobs",
        type=options.whole_number("--jobs", 1, 1024),
        default=None,
        metavar="N",
        help="worker processes, 1 to 1024 (default: all cores)",
    )
    p.add_argument("--no-search", dest="search", action="store_false", help="skip the Pagefind search index")
    p.add_argument(
        "--cache",
        type=Path,
        default=Path(".cache/broadsheet"),
        metavar="DIR",
        help="where builds keep what the next build can reuse; safe to delete (default: .cache/broadsheet)",
    )
    p.add_argument(
        "--no-cache",
        dest="cache",
        action="store_const",
        const=None,
        help="build everything from scratch and record nothing",
    )
    p.add_argument("--timings", action="store_true", help="print the wall time of each step")
    p.set_defaults(func=cmd_build)


def add_check(sub: argparse._SubParsersAction) -> None:
    p = options.command(
        sub,
        "check",
        "validate every content file and print each problem as path:line: message",
        f"{PROG} check",
        f"{PROG} check --content ../papers --config ../papers/site.yaml",
    )
    options.add_paths(p, options.existing_folder("content folder"))
    p.set_defaults(func=cmd_check)


def add_import_listing(sub: argparse._SubParsersAction) -> None:
    p = options.command(
        sub,
        "import-listing",
        "import the papers of a Daily Papers listing page as a browser copies it",
        f"{PROG} import-listing listing.txt --as-of 2025-10-29 --dry-run",
        f"{PROG} import-listing listing.txt --as-of 2025-10-29",
    )
    options.add_paths(p, options.new_or_existing_folder("content folder"))
    p.add_argument(
        "file",
        type=options.existing_file("listing file"),
        metavar="FILE",
        help="the text a browser copied from the page",
    )
    p.add_argument(
        "--as-of",
        type=options.day("--as-of", today=dt.date.today),  # the copier's own day: the page was copied here
        required=True,
        metavar="DAY",
        help="the day the page was copied: YYYY-MM-DD, today or yesterday (dates without a year are before it)",
    )
    p.add_argument("--dry-run", action="store_true", help="print the papers it would add; write nothing")
    p.set_defaults(func=cmd_import_listing)


def add_serve(sub: argparse._SubParsersAction) -> None:
    p = options.command(
        sub,
        "serve",
        "build, serve on 127.0.0.1, rebuild and reload the page on every change",
        f"{PROG} serve",
        f"{PROG} serve --port 0 --no-search",
    )
    options.add_paths(p, options.existing_folder("content folder"))
    p.add_argument(
        "--port",
        type=options.whole_number("--port", 0, 65535),
        default=8000,
        metavar="N",
        help="port on 127.0.0.1, 0 to 65535; 0 picks a free one (default: 8000)",
    )
    p.add_argument("--no-search", dest="search", action="store_false", help="skip the Pagefind search index")
    p.set_defaults(func=cmd_serve)


def _add_optional_commands(sub: argparse._SubParsersAction) -> None:
    try:
        from generator.scrape.commands import add_commands
    except ImportError:  # the scraper package is optional for a build-only install
        return
    add_commands(sub)


# -- the commands -------------------------------------------------------------------------------


def site_config(args: argparse.Namespace) -> SiteConfig:
    config = load_config(args.config, root=Path("."))
    report(config.warnings)
    if getattr(args, "base_url", None):
        config = dataclasses.replace(config, base_url=args.base_url)
    LOG.debug("config: %s; base URL %s; theme %r", args.config or "site.yaml if present", config.base_url, config.theme)
    return config


def cmd_build(args: argparse.Namespace) -> int:
    from generator.parallel import terminate_as_interrupt

    with terminate_as_interrupt():
        return _build(args)


def _build(args: argparse.Namespace) -> int:
    from generator.build import BuildError, build  # here, not above: other commands start faster without it

    config = site_config(args)
    try:
        done = build(
            args.content, args.output, config, jobs=args.jobs, search=args.search, cache_dir=args.cache, leave=LEFT
        )
    except BuildError as exc:
        print(f"build failed; {args.output}/ was left as it was.", file=sys.stderr)
        return report(exc.problems)
    report(done.warnings)
    if done.oversize:  # under -q too: the publishing workflow runs quiet, and Pages would refuse the site
        print(f"broadsheet: warning: {done.oversize}", file=sys.stderr)
    result(
        args,
        f"built {done.papers} papers: {done.pages} pages, {done.files} files in {args.output}/"
        f" ({done.written} written, {done.deleted} deleted)",
    )
    for step, seconds in done.timings:  # on stdout with --timings, else in the -v log: once, not both
        if args.timings:
            print(f"  {seconds:7.3f} s  {step}")
        else:
            LOG.debug("%7.3f s  %s", seconds, step)
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from generator.loader import load_content

    site_config(args)  # a broken site.yaml is a problem too
    loaded = load_content(args.content)
    status = report(loaded.problems)
    errors, warnings = len(loaded.errors), len(loaded.problems) - len(loaded.errors)
    result(args, f"checked {len(loaded.papers) + errors} files: {errors} error(s), {warnings} warning(s)")
    return status


def cmd_import_listing(args: argparse.Namespace) -> int:
    from generator.importer import plan_import, read_listing, write_plan

    config = site_config(args)
    plan = plan_import(read_listing(args.file, args.as_of), args.content, config)
    if args.dry_run:
        for planned in plan.new:
            result(args, f"would add {planned.path}: {planned.paper.title}")
        result(args, plan.summary(len(plan.new), "would be added") + "; nothing written (--dry-run)")
        return 0
    from generator.parallel import terminate_as_interrupt

    with terminate_as_interrupt():  # a write cut short by SIGTERM's default death left its temporary file
        result(args, plan.summary(write_plan(plan, args.content)))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from generator.serve import serve

    root = Path(".")  # where site_config finds site.yaml and themes/; a broken site.yaml is shown by the server
    watched = [args.content, root / "themes", args.config or root / "site.yaml"]
    return serve(args.content, lambda: site_config(args), watched, port=args.port, search=args.search)
