"""``kechuang plans …`` and ``kechuang bench plans``.

- ``plans load DIR``: check every file of a plan folder and load it all, or nothing
  (exit 1 with every problem as ``file:line: [code] reason`` on stderr);
- ``plans list``: the plans in the database;
- ``plans export [PLAN] --format json``: the engine's ``export_plans`` shape;
- ``plans evaluate PLAN --as-of DATE --format json``: each indicator's achievement,
  required growth, forecast and status, with the data as known on DATE;
- ``plans report PLAN --year YEAR --out FILE.docx`` (or ``.pdf``): the annual report;
- ``bench plans``: the engine's timings as JSON;
- ``bench dashboard``: render a plan's dashboard and evaluation page on 200 units × 10
  years of quarterly values (built in the configured database, then rolled back), JSON.
"""

from __future__ import annotations

import datetime
import json
import sys


def register(subparsers, common, bench_subparsers) -> None:
    from django.utils.translation import gettext as _

    plans = subparsers.add_parser("plans", parents=[common], help=_("plans: load, list, export, evaluate, report"))
    sub = plans.add_subparsers(dest="plans_command", metavar="SUBCOMMAND")

    load = sub.add_parser("load", parents=[common], help=_("check a plan folder and load it (all or nothing)"))
    load.add_argument("directory", metavar="DIR", help=_("the folder with catalogue.yaml and the plan files"))
    load.set_defaults(func=cmd_load)

    listing = sub.add_parser("list", parents=[common], help=_("list the loaded plans"))
    listing.set_defaults(func=cmd_list)

    export = sub.add_parser("export", parents=[common], help=_("print plans as JSON (the engine's export shape)"))
    export.add_argument("plan", metavar="PLAN", nargs="?", help=_("a plan code (default: every plan)"))
    export.set_defaults(func=cmd_export)

    evaluate = sub.add_parser("evaluate", parents=[common], help=_("evaluate a plan with the data as known on a date"))
    evaluate.add_argument("plan", metavar="PLAN", help=_("a plan code"))
    evaluate.add_argument("--as-of", dest="as_of", default=None, help=_("YYYY-MM-DD (default: today)"))
    evaluate.add_argument("--unit", default=None, help=_("the org unit judged (default: the plan's place)"))
    evaluate.set_defaults(func=cmd_evaluate)

    report = sub.add_parser("report", parents=[common], help=_("write the annual evaluation report (.docx or .pdf)"))
    report.add_argument("plan", metavar="PLAN", help=_("a plan code"))
    report.add_argument("--year", type=int, required=True, help=_("the year evaluated"))
    report.add_argument("--as-of", dest="as_of", default=None, help=_("YYYY-MM-DD (default: today)"))
    report.add_argument("--out", required=True, help=_("the file to write: .docx or .pdf"))
    report.set_defaults(func=cmd_report)

    bench = bench_subparsers.add_parser("plans", parents=[common], help=_("time the evaluation of many plans"))
    bench.add_argument("--plans", type=int, default=100)
    bench.add_argument("--indicators", type=int, default=50)
    bench.add_argument("--years", type=int, default=10)
    bench.add_argument("--units", type=int, default=200)
    bench.set_defaults(func=cmd_bench)

    dashboard = bench_subparsers.add_parser(
        "dashboard", parents=[common],
        help=_("time the plan dashboard on years of quarterly values from many units (rolled back)"))
    dashboard.add_argument("--units", type=int, default=200)
    dashboard.add_argument("--years", type=int, default=10)
    dashboard.add_argument("--indicators", type=int, default=20)
    dashboard.add_argument("--renders", type=int, default=5, help=_("renders of each page"))
    dashboard.set_defaults(func=cmd_bench_dashboard)


def _not_ready() -> int | None:
    from django.utils.translation import gettext as _

    from kechuang.cli import EXIT_NOT_READY, _database_ready

    if not _database_ready():
        print(_("The database is not set up: run `kechuang demo` (or `kechuang migrate`) first."), file=sys.stderr)
        return EXIT_NOT_READY
    return None


def _message(issue: dict) -> str:
    from django.utils.translation import get_language

    text = issue["message_en"] if (get_language() or "").startswith("en") else issue["message_zh"]
    return f"{issue['file']}:{issue['line']}: [{issue['code']}] {text}"


def cmd_load(args) -> int:
    from django.utils.translation import gettext as _

    from kechuang.cli import EXIT_OK, EXIT_PROBLEMS, emit

    from .actions import PlansRejected, do_load_plans

    if (code := _not_ready()) is not None:
        return code
    try:
        summary = do_load_plans(args.directory, acting_user=None)
    except PlansRejected as rejected:
        if args.format == "json":
            print(json.dumps({"ok": False, "issues": rejected.issues}, ensure_ascii=False, indent=2))
        for issue in rejected.issues:
            print(_message(issue), file=sys.stderr)
        print(_("Nothing was loaded: %(count)s problem(s).") % {"count": len(rejected.issues)}, file=sys.stderr)
        return EXIT_PROBLEMS
    emit(args, {"ok": True, **summary}, summary["plans"],
         [("code", _("Code")), ("version", _("Version")), ("state", _("State")), ("indicators", _("Indicators")),
          ("tasks", _("Tasks"))])
    if args.format != "json":
        for issue in summary["warnings"]:
            print(_message(issue), file=sys.stderr)
    return EXIT_OK


def cmd_list(args) -> int:
    from django.utils.translation import gettext as _

    from kechuang.cli import EXIT_OK, emit

    from .models import Plan

    if (code := _not_ready()) is not None:
        return code
    rows = [{"code": p.code, "title": p.title, "period": p.period, "place": p.org_unit.code if p.org_unit else "",
             "version": p.version, "sha256": p.sha256, "published": p.published,
             "indicators": p.indicators.count(), "tasks": p.tasks.count()}
            for p in Plan.objects.select_related("org_unit").order_by("code")]
    emit(args, rows, rows, [("code", _("Code")), ("title", _("Title")), ("period", _("Period")),
                            ("place", _("Place")), ("version", _("Version")), ("indicators", _("Indicators"))])
    return EXIT_OK


def _plan(code: str):
    from django.utils.translation import gettext as _

    from .models import Plan

    plan = Plan.objects.filter(code=code).first()
    if plan is None:
        print(_("No plan with the code “%(code)s”; see `kechuang plans list`.") % {"code": code}, file=sys.stderr)
    return plan


def cmd_export(args) -> int:
    from kechuang.cli import EXIT_OK, EXIT_PROBLEMS, emit
    from kechuang.engine.plans import export_plans

    from .definitions import engine_plan
    from .models import Plan

    if (code := _not_ready()) is not None:
        return code
    if args.plan:
        plan = _plan(args.plan)
        if plan is None:
            return EXIT_PROBLEMS
        rows = [plan]
    else:
        rows = list(Plan.objects.filter(in_source=True).order_by("code"))
    payload = export_plans([engine_plan(p) for p in rows])
    if args.format == "json":
        emit(args, payload)
    else:
        for item in payload:
            print(f"{item['code']}  {item['title']}  {item['period']['start']}–{item['period']['end']}  "
                  f"{len(item['indicators'])}/{len(item['tasks'])}")
    return EXIT_OK


def _date(text: str | None) -> datetime.date | None:
    if not text:
        return None
    return datetime.date.fromisoformat(text)


def cmd_evaluate(args) -> int:
    from django.utils.translation import gettext as _

    from kechuang.cli import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, emit

    from .evaluation import evaluate_plan

    if (code := _not_ready()) is not None:
        return code
    try:
        as_of = _date(args.as_of)
    except ValueError:
        print(_("--as-of must be a date YYYY-MM-DD."), file=sys.stderr)
        return EXIT_USAGE
    plan = _plan(args.plan)
    if plan is None:
        return EXIT_PROBLEMS
    result = evaluate_plan(plan, as_of, unit=args.unit)
    rows = [{"code": i["code"], "status": i["status_label"],
             "achievement": "—" if i["achievement"] is None else f"{i['achievement'] * 100:.1f}%",
             "required_growth": "—" if i["required_growth"] is None else f"{i['required_growth'] * 100:.1f}%",
             "forecast": "—" if i["forecast"]["value"] is None else f"{i['forecast']['value']:g}"}
            for i in result["indicators"]]
    emit(args, result, rows, [("code", _("Indicator")), ("status", _("Status")), ("achievement", _("Achievement")),
                              ("required_growth", _("Required growth")), ("forecast", _("Forecast"))])
    return EXIT_OK


def cmd_report(args) -> int:
    from pathlib import Path

    from django.utils.translation import gettext as _

    from kechuang.cli import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, emit

    from . import documents

    if (code := _not_ready()) is not None:
        return code
    out = Path(args.out)
    if out.suffix.lower() not in (".docx", ".pdf"):
        print(_("--out must end in .docx or .pdf."), file=sys.stderr)
        return EXIT_USAGE
    try:
        as_of = _date(args.as_of)
    except ValueError:
        print(_("--as-of must be a date YYYY-MM-DD."), file=sys.stderr)
        return EXIT_USAGE
    plan = _plan(args.plan)
    if plan is None:
        return EXIT_PROBLEMS
    maker = documents.pdf_report if out.suffix.lower() == ".pdf" else documents.word_report
    data = maker(plan, args.year, as_of)
    out.write_bytes(data)
    emit(args, {"file": str(out), "bytes": len(data)}, [{"file": str(out), "bytes": len(data)}],
         [("file", _("File")), ("bytes", _("Bytes"))])
    return EXIT_OK


def cmd_bench(args) -> int:
    from kechuang.cli import EXIT_OK
    from kechuang.engine.indicators import bench_plans

    timings = bench_plans(n_plans=args.plans, n_indicators=args.indicators, n_years=args.years, n_units=args.units)
    print(json.dumps(timings, ensure_ascii=False, indent=2, default=str))
    return EXIT_OK


def cmd_bench_dashboard(args) -> int:
    """Build the data set in the configured database, time the pages, roll it all back."""
    from kechuang.cli import EXIT_OK

    from .bench import bench_dashboard

    if (code := _not_ready()) is not None:
        return code
    result = bench_dashboard(n_units=args.units, n_years=args.years, n_indicators=args.indicators,
                             renders=args.renders)
    print(json.dumps(result, ensure_ascii=False, indent=2, default=str))
    return EXIT_OK
