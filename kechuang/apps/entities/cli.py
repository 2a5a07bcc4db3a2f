"""`kechuang assess`, `kechuang bench assess`, `bench import` and `bench assess-store`."""

from __future__ import annotations

import datetime
import json
import sys

from django.utils.translation import gettext as _


def register(sub, common, bench) -> None:
    assess = sub.add_parser("assess", parents=[common],
                            help=_("assess the entities of an exchange file (high-tech, tech SME, three zeros)"))
    assess.add_argument("--input", required=True, help=_("exchange table: .xlsx, .csv, .json or .parquet"))
    assess.add_argument("--year", type=int, required=True, help=_("application year Y (fiscal years Y-3…Y-1)"))
    assess.add_argument("--on", type=datetime.date.fromisoformat, default=None,
                        help=_("application date, YYYY-MM-DD (default Y-06-30)"))
    assess.set_defaults(func=cmd_assess)

    bench_assess = bench.add_parser("assess", parents=[common], help=_("batch assessment against the reference"))
    bench_assess.add_argument("--harness", required=True, help=_("folder of the reference harness"))
    source = bench_assess.add_mutually_exclusive_group(required=True)
    source.add_argument("--entities", type=int, help=_("generate a register of N entities with the harness"))
    source.add_argument("--input", help=_("a register file (.parquet or .csv)"))
    bench_assess.set_defaults(func=cmd_bench_assess)

    bench_import = bench.add_parser("import", parents=[common],
                                    help=_("time an .xlsx import of yearly facts into the configured database"))
    bench_import.add_argument("--entities", type=int, default=33334,
                              help=_("fictitious entities (3 yearly rows each); default about 100,000 rows"))
    bench_import.set_defaults(func=cmd_bench_import)

    bench_store = bench.add_parser("assess-store", parents=[common],
                                   help=_("time a stored assessment run and the entity page in the configured database"))
    bench_store.add_argument("--entities", type=int, default=30000, help=_("fictitious entities (3 yearly rows each)"))
    bench_store.set_defaults(func=cmd_bench_assess_store)


def cmd_assess(args) -> int:
    from kechuang.cli import EXIT_OK, EXIT_PROBLEMS, print_table
    from kechuang.engine.assess import assess_file
    from kechuang.engine.exchange import ExchangeRejected

    try:
        records = assess_file(args.input, args.year, args.on)
    except ExchangeRejected as rejected:
        for error in rejected.errors:
            message = error.message if not args.lang == "en" else error.message_en
            print(f"{error.sheet}:{error.row or ''}:{error.column}: {message}", file=sys.stderr)
        return EXIT_PROBLEMS
    except FileNotFoundError:
        print(_("No such file: %(path)s") % {"path": args.input}, file=sys.stderr)
        return EXIT_PROBLEMS
    if args.format == "json":
        print(json.dumps(records, ensure_ascii=False, indent=2, default=str))
        return EXIT_OK
    rows = [{"uscc": r["uscc"], "hte": _yes_no(r["hte"]["eligible"]), "tsme": _yes_no(r["tsme"]["eligible"]),
             "score": f"{r['hte']['score']['total'][0]}–{r['hte']['score']['total'][1]}",
             "zeros": "、".join(r["three_zeros"]), "stage": r["stage"]} for r in records]
    print_table(rows, [("uscc", _("Credit code")), ("hte", _("High-tech")), ("score", _("Innovation score")),
                       ("tsme", _("Tech SME")), ("zeros", _("Three zeros")), ("stage", _("Stage"))])
    return EXIT_OK


def _yes_no(value) -> str:
    if value is None:
        return _("undecided")
    return _("Yes") if value else _("No")


def cmd_bench_assess(args) -> int:
    from kechuang.cli import EXIT_OK
    from kechuang.engine.assess import bench_assess

    result = bench_assess(args.harness, entities=args.entities, input_path=args.input)
    print(json.dumps(result, ensure_ascii=False, indent=2, default=str))
    return EXIT_OK


def cmd_bench_import(args) -> int:
    """Generate an .xlsx of demo rows, then time reading + column-wise validation and the
    bulk write into the configured database. The write is rolled back at the end, so the
    database is left as it was (run it on a database that has the demo's org units)."""
    import tempfile
    import time
    from pathlib import Path

    from django.db import connection, transaction
    from openpyxl import Workbook

    from kechuang.apps.accounts.models import OrgUnit
    from kechuang.cli import EXIT_OK
    from kechuang.engine.exchange import COLUMNS, read_exchange

    from . import actions
    from .demo import demo_rows

    rows = demo_rows(args.entities, seed=7)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "facts.xlsx"
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("facts")
        sheet.append([c.header for c in COLUMNS])
        for row in rows:
            sheet.append([row.get(c.key) for c in COLUMNS])
        workbook.save(path)
        started = time.perf_counter()
        table = read_exchange(path, division_codes=set(OrgUnit.objects.values_list("code", flat=True)))
        read_s = time.perf_counter() - started

        started = time.perf_counter()
        with transaction.atomic():
            actions.do_import_exchange(table, acting_user=None)
            write_s = time.perf_counter() - started
            transaction.set_rollback(True)   # a benchmark leaves nothing behind
    result = {"rows": len(table), "database": connection.vendor, "read_validate_s": round(read_s, 2),
              "write_s": round(write_s, 2), "total_s": round(read_s + write_s, 2)}
    print(json.dumps({"kechuang": result}, ensure_ascii=False, indent=2))
    return EXIT_OK


def cmd_bench_assess_store(args) -> int:
    """Build a fictitious registry of N entities (three fiscal years each), run a stored
    assessment over the whole region (``actions.do_run_assessment``), then time the entity
    page (GET /entities/<pk>/, with its explain trace and stored history) and the explain
    pass alone. Everything happens in one transaction that is rolled back, so the database
    is left as it was (run it on a database that has the demo's org units)."""
    import statistics
    import time

    from django.conf import settings
    from django.db import connection, transaction
    from django.test import Client

    from kechuang.apps.accounts.models import OrgUnit, User
    from kechuang.cli import EXIT_OK
    from kechuang.engine.exchange import exchange_from_rows

    from . import actions
    from .demo import demo_rows
    from .models import AssessmentResult, Entity
    from .views import explain_entity

    rows = demo_rows(args.entities, seed=11)
    result: dict = {"entities": args.entities, "database": connection.vendor}
    with transaction.atomic():
        started = time.perf_counter()
        actions.do_import_exchange(exchange_from_rows(rows, source="bench"), acting_user=None)
        result["setup_import_s"] = round(time.perf_counter() - started, 2)
        region = OrgUnit.objects.filter(parent__isnull=True).order_by("path").first()
        phases: dict[str, float] = {}

        def progress(done, total, message=""):
            phases.setdefault(str(message), time.perf_counter())

        started = time.perf_counter()
        run = actions.do_run_assessment(year=2025, unit=region, acting_user=None, progress=progress)
        result["run_s"] = round(time.perf_counter() - started, 2)
        ended = time.perf_counter()
        marks = sorted(phases.items(), key=lambda item: item[1])   # each phase lasts until the next begins
        result["run_phases_s"] = {name: round((marks[i + 1][1] if i + 1 < len(marks) else ended) - at, 2)
                                  for i, (name, at) in enumerate(marks)}
        result["results"] = run.entity_count
        started = time.perf_counter()
        run.refresh_from_db()
        sample = AssessmentResult.objects.filter(run=run).order_by("pk").first()
        result["facts_of_one_result_ms"] = round((time.perf_counter() - started) * 1000 + _ms(lambda: sample.facts), 1)
        entity = Entity.objects.get(pk=sample.entity_id)
        explain_ms = [_ms(lambda: explain_entity(entity, 2025)) for _ in range(7)]
        result["explain_ms_median"] = round(statistics.median(explain_ms[1:]), 1)
        admin = User.objects.create_superuser("bench-assess-store", "bench@example.invalid", None)
        client = Client(HTTP_HOST=(settings.ALLOWED_HOSTS or ["localhost"])[0].lstrip(".") or "localhost")
        client.force_login(admin)
        url = entity.get_absolute_url()
        statuses = set()
        page_ms = []
        for _ in range(7):
            started = time.perf_counter()
            statuses.add(client.get(url).status_code)
            page_ms.append((time.perf_counter() - started) * 1000)
        result["entity_page_status"] = sorted(statuses)
        result["entity_page_ms_median"] = round(statistics.median(page_ms[1:]), 1)
        transaction.set_rollback(True)   # a benchmark leaves nothing behind
    print(json.dumps({"kechuang": result}, ensure_ascii=False, indent=2))
    return EXIT_OK


def _ms(call) -> float:
    import time

    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000
