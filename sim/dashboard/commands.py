"""The dashboard's sub-commands for the `govsim` command line (sim/cli.py adds them).

Light to import: the CLI builds its parser on every call, and the recording code (matplotlib, the
model) is imported only when `govsim animate` runs.
"""

from __future__ import annotations

from .. import options
from .i18n import LANGS


def add_animate_parser(sub) -> None:
    """The `govsim animate` sub-command, added to the sub-parsers `sub` of the `govsim` parser."""
    a = sub.add_parser("animate", help="record a run as an animated GIF (or MP4) of the map and charts, for slides")
    a.add_argument("scenario", help="a scenario file, e.g. scenarios/workshop.toml")
    a.add_argument("--out", required=True, help="output file: .gif, or .mp4 where ffmpeg is present")
    a.add_argument("--force", action="store_true", help="replace an existing file at --out that is not a "
                                                        "GIF or MP4 animation")
    a.add_argument("--days", type=options.days, help="days to record (default: the scenario's sim.days)")
    a.add_argument("--seed", type=options.nonneg_int, default=0, help="random seed (default 0)")
    a.add_argument("--lang", choices=LANGS, default="zh", help="language of the labels (default zh)")
    a.add_argument("--every", type=options.positive_int, default=1, help="a frame every K days (default 1)")
    a.add_argument("--fps", type=options.positive_int, default=5, help="frames per second (default 5)")
    a.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override a parameter, e.g. --set policy.decentralisation=0.8 (repeatable)")
    a.add_argument("--emergency-day", type=options.nonneg_int, help="start an emergency at the start of this day")
    a.add_argument("--emergency", help="which of the scenario's emergencies (default: its first, or a demo cold wave)")
    a.add_argument("--no-progress", action="store_true", help="no progress bar")
    a.set_defaults(func=_animate)


def _animate(args) -> int:
    from .animate import main_animate

    return main_animate(args)


def add_lessons_parser(sub) -> None:
    """`govsim lessons check [FOLDER]` and `govsim lessons list [FOLDER]`: the guided lessons (lessons/)."""
    a = sub.add_parser("lessons", help="check or list the guided workshop lessons (lessons/*.toml)")
    s = a.add_subparsers(dest="lessons_command", metavar="{check,list}", required=True)
    c = s.add_parser("check", help="validate every lesson file (levers through the scenario rules); exit 2 on a bad one")
    c.add_argument("folder", nargs="?", default="lessons", help="folder of lesson files (default lessons/)")
    c.set_defaults(func=_lessons_check)
    li = s.add_parser("list", help="list the lessons: id, steps and title")
    li.add_argument("folder", nargs="?", default="lessons", help="folder of lesson files (default lessons/)")
    li.add_argument("--lang", choices=LANGS, default="zh", help="language of the titles (default zh)")
    li.set_defaults(func=_lessons_list)


def _lessons_check(args) -> int:
    import sys

    from .lessons import check_lessons

    results = check_lessons(args.folder)
    if not results:
        print(f"govsim: error: {args.folder}: no lesson files (*.toml) there", file=sys.stderr)
        return 2
    for file, problem in results:
        if problem:
            print(f"govsim: error: {problem}", file=sys.stderr)
        else:
            print(f"ok {file}")
    bad = sum(1 for _, problem in results if problem)
    print(f"{len(results) - bad} of {len(results)} lesson files valid")
    return 2 if bad else 0


def _lessons_list(args) -> int:
    from .lessons import list_lessons

    for lesson in list_lessons(args.folder):
        print(f"{lesson.id}\t{len(lesson.steps)} steps\t{lesson.title(args.lang)}")
    return 0
