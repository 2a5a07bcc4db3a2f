"""``kechuang review FILE`` and ``kechuang bench review``.

``kechuang review FILE [--format json|table] [--min-level note|suspect|violation]`` reviews a
.docx, .pdf or .txt file — or a policy file of the policies module (``data/policies/*.yaml``:
its benefits' words, and any benefit given to an operator named by credit code or name,
第十条) — and prints its findings: a JSON list (``clause``, ``location``,
``article``, ``item``, ``level``, ``reason``, ``evidence`` and the engine's other fields) or a
table. Exit codes: 0 when the file was reviewed — whatever it found, since findings are
prompts for a reviewer, not a verdict; 1 when the file is refused (missing, empty, of an
unsupported type, undecodable, damaged, a scan without text), with the reason on stderr;
2 wrong usage. When the platform's database is set up, the names of the entity register
help recognise operators (``known_operators``); without one the engine reviews alone.

``kechuang bench review [--pages N]`` times parsing and reviewing an N-page document.
"""

from __future__ import annotations

import sys


def register(subparsers, common, bench_subparsers) -> None:
    from django.utils.translation import gettext as _

    review = subparsers.add_parser(
        "review", parents=[common],
        help=_("review a policy document (.docx, .pdf, .txt) or a policy file (.yaml) for fair competition "
               "and print the findings"))
    review.add_argument("file", metavar="FILE", help=_("the document or policy file to review"))
    review.add_argument("--min-level", choices=["note", "suspect", "violation"], default="note",
                        help=_("leave out findings below this level"))
    review.set_defaults(func=cmd_review)

    bench = bench_subparsers.add_parser("review", parents=[common],
                                        help=_("time the fair competition review of a long document"))
    bench.add_argument("--pages", type=int, default=100, help=_("length of the document in pages"))
    bench.set_defaults(func=cmd_bench_review)


def _register_names() -> list[str]:
    """The entity register's names, when the platform's database is set up (never creates one)."""
    from pathlib import Path

    from django.db import connection

    from kechuang.cli import _database_ready

    if connection.vendor == "sqlite" and not Path(str(connection.settings_dict["NAME"])).is_file():
        return []
    if not _database_ready():
        return []
    from .analysis import known_operators

    return known_operators()


def cmd_review(args) -> int:
    from django.utils.translation import gettext as _

    from kechuang.cli import EXIT_OK, EXIT_PROBLEMS, emit
    from kechuang.engine.review import (
        ReviewError,
        findings_to_dicts,
        is_policy_file,
        review_file,
        review_policy_file,
    )

    review = review_policy_file if is_policy_file(args.file) else review_file
    try:
        findings = review(args.file, known_operators=_register_names() or None, min_level=args.min_level)
    except ReviewError as error:
        print(error.message, file=sys.stderr)
        return EXIT_PROBLEMS
    from .models import Finding

    levels = dict(Finding.Level.choices)
    rows = [{"level": levels[f.level], "article": f"{f.article}{f.item}", "location": f.location.label(),
             "clause": f.clause if len(f.clause) <= 50 else f.clause[:49] + "…"} for f in findings]
    columns = [("level", _("Level")), ("article", _("Article")), ("location", _("Location")), ("clause", _("Clause"))]
    emit(args, findings_to_dicts(findings), rows, columns)
    if args.format != "json":
        counted = sum(1 for f in findings if f.level != "note")
        print()
        print(_("%(count)s finding(s) that may breach Articles 8 to 11, %(notes)s note(s).")
              % {"count": counted, "notes": len(findings) - counted})
    return EXIT_OK


def cmd_bench_review(args) -> int:
    from django.utils.translation import gettext as _

    from kechuang.cli import EXIT_OK, EXIT_USAGE, emit
    from kechuang.engine.review import bench_review

    if args.pages < 1:
        print(_("--pages must be at least 1."), file=sys.stderr)
        return EXIT_USAGE
    result = bench_review(args.pages)
    row = {**result, **{k: f"{result[k]:.3f}" for k in ("parse_seconds", "review_seconds", "total_seconds")}}
    emit(args, result, [row], [("pages", _("Pages")), ("chars", _("Characters")), ("clauses", _("Sentences")),
                               ("findings", _("Findings")), ("parse_seconds", _("Parse (s)")),
                               ("review_seconds", _("Review (s)")), ("total_seconds", _("Total (s)"))])
    return EXIT_OK
