"""The ``kechuang`` command.

Conventions every command follows:

- messages in Chinese by default, English with ``--lang en``;
- ``--format table`` (default, for people) or ``--format json`` (for machines, on stdout);
- exit codes: 0 success, 1 the work found problems (a failed check, refused input),
  2 wrong usage, 3 the platform is not ready (no database, migrations not applied).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, EXIT_NOT_READY = 0, 1, 2, 3


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kechuang.config.settings")
    import django

    django.setup()


def print_table(rows: list[dict], columns: list[tuple[str, str]]) -> None:
    """Print rows as an aligned text table (CJK characters count as two columns)."""
    import unicodedata

    def width(text: str) -> int:
        return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)

    cells = [[str(row.get(key, "")) for key, _h in columns] for row in rows]
    headers = [header for _k, header in columns]
    widths = [max([width(h)] + [width(r[i]) for r in cells]) for i, h in enumerate(headers)]

    def line(values: list[str]) -> str:
        return "  ".join(v + " " * (widths[i] - width(v)) for i, v in enumerate(values)).rstrip()

    print(line(headers))
    print("  ".join("-" * w for w in widths))
    for row in cells:
        print(line(row))


def emit(args, payload, rows: list[dict] | None = None, columns=None) -> None:
    """Print a command's result: JSON on stdout for ``--format json``, else a table."""
    if args.format == "json":
        print(json.dumps(payload, ensure_ascii=False, indent=2, default=str))
    elif rows is not None and columns is not None:
        print_table(rows, columns)


# --- serve --------------------------------------------------------------------------


def cmd_serve(args) -> int:
    from django.utils.translation import gettext as _
    from waitress import serve

    from kechuang.config.wsgi import application

    if not _database_ready():
        print(_("The database is not set up: run `kechuang demo` (or `kechuang migrate`) first."), file=sys.stderr)
        return EXIT_NOT_READY
    print(_("kechuang is serving at http://%(host)s:%(port)s/ (Ctrl+C stops it)")
          % {"host": args.host, "port": args.port}, flush=True)
    # waitress: a production WSGI server in pure Python (runs on Windows and Linux alike).
    serve(application, host=args.host, port=args.port, threads=args.threads, ident="kechuang",
          clear_untrusted_proxy_headers=True)
    return EXIT_OK


def cmd_worker(args) -> int:
    from django.conf import settings
    from django.utils.translation import gettext as _

    if not settings.REDIS_URL:
        print(_("`kechuang worker` needs KECHUANG_REDIS_URL; without it, tasks run inside `kechuang serve`."),
              file=sys.stderr)
        return EXIT_USAGE
    from rq import Worker

    from kechuang.apps.tasks.runner import rq_queue

    queue = rq_queue()
    worker = Worker([queue], connection=queue.connection)
    worker.work(burst=args.burst, with_scheduler=False)
    return EXIT_OK


# --- database and demo --------------------------------------------------------------


def _database_ready() -> bool:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    try:
        executor = MigrationExecutor(connection)
        return not executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception:
        return False


def cmd_migrate(args) -> int:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0 if args.format == "json" else 1)
    return EXIT_OK


def cmd_demo(args) -> int:
    from django.utils.translation import gettext as _

    from kechuang import demo

    if args.if_empty and _database_ready() and demo.has_data():
        if args.format != "json":
            print(_("The database already has data; leaving it as it is."))
        accounts = demo.demo_accounts()
    else:
        if not args.if_empty and demo.has_data() and not args.yes:
            print(_("`kechuang demo` erases every record in the database. Add --yes to confirm."), file=sys.stderr)
            return EXIT_USAGE
        accounts = demo.reset(verbose=args.format != "json")
    columns = [("username", _("User name")), ("password", _("Password")), ("role", _("Role")), ("unit", _("Unit"))]
    if args.format != "json":
        print()
        print(_("Demo accounts:"))
    emit(args, {"accounts": accounts}, accounts, columns)
    return EXIT_OK


# --- check --------------------------------------------------------------------------


def cmd_check(args) -> int:
    from django.conf import settings
    from django.core import checks
    from django.db import connection
    from django.utils.translation import gettext as _

    results: list[dict] = []

    def add(name: str, ok: bool, detail: str, level: str | None = None) -> None:
        results.append({"check": name, "status": level or ("ok" if ok else "error"), "detail": detail})

    # Configuration: Django's own checks plus kechuang's deployment checks.
    messages = checks.run_checks(include_deployment_checks=True)
    serious = [m for m in messages if m.level >= checks.ERROR]
    add(_("configuration"), not serious, "; ".join(f"{m.id}: {m.msg}" for m in serious) or _("no errors"))
    for message in messages:
        if message.id and message.id.startswith("kechuang.") and message.level < checks.ERROR:
            add(_("configuration"), True, f"{message.id}: {message.msg}",
                "warning" if message.level >= checks.WARNING else "info")
    # Database: reachable, migrations applied.
    try:
        connection.ensure_connection()
        add(_("database"), True, f"{connection.vendor} {connection.settings_dict.get('NAME')}")
        ready = _database_ready()
        add(_("migrations"), ready, _("all applied") if ready else _("not applied: run `kechuang migrate`"))
    except Exception as exc:
        add(_("database"), False, str(exc))
    # Assets: every vendored file the pages load is served by the platform itself.
    from kechuang.apps.common.assets import REQUIRED_ASSETS, missing_assets

    missing = missing_assets()
    add(_("assets"), not missing, _("missing: %(files)s") % {"files": ", ".join(missing[:10])} if missing
        else _("%(count)s files served locally") % {"count": len(REQUIRED_ASSETS)})
    # Translations: the compiled catalogue is shipped.
    mo = settings.LOCALE_PATHS[0] / "zh_Hans" / "LC_MESSAGES" / "django.mo"
    add(_("translations"), mo.is_file(), str(mo.name) if mo.is_file() else _("django.mo is missing"))
    # Task queue.
    if settings.TASKS_BACKEND == "rq":
        try:
            from redis import Redis

            Redis.from_url(settings.REDIS_URL).ping()
            add(_("task queue"), True, "redis")
        except Exception as exc:
            add(_("task queue"), False, str(exc))
    else:
        add(_("task queue"), True, settings.TASKS_BACKEND)
    # Demo accounts must not keep their published password in production.
    if not settings.DEBUG and _database_ready():
        from kechuang import demo

        weak = demo.accounts_with_demo_password()
        if weak:
            add(_("demo accounts"), True, _("still use the demo password: %(names)s") % {"names": ", ".join(weak)},
                "warning")
    failed = any(r["status"] == "error" for r in results)
    labels = {"ok": _("OK"), "error": _("ERROR"), "warning": _("WARNING"), "info": _("NOTE")}
    emit(args, {"ok": not failed, "checks": results},
          [{**r, "status": labels[r["status"]]} for r in results],
          [("check", _("Check")), ("status", _("Status")), ("detail", _("Detail"))])
    return EXIT_PROBLEMS if failed else EXIT_OK


def cmd_audit_purge(args) -> int:
    from django.utils.translation import gettext as _

    from kechuang.apps.audit.retention import purge_expired

    try:
        deleted = purge_expired()
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_PROBLEMS
    emit(args, {"deleted": deleted}, [{"deleted": deleted}], [("deleted", _("Entries deleted"))])
    return EXIT_OK


def cmd_manage(args) -> int:
    from django.core.management import execute_from_command_line

    execute_from_command_line(["kechuang manage", *args.rest])
    return EXIT_OK


# --- the parser ---------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    from django.utils.translation import gettext as _

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--format", choices=["table", "json"], default="table",
                        help=_("output for people (table) or machines (json)"))
    common.add_argument("--lang", choices=["zh", "en"], default=None, help=_("message language"))

    parser = argparse.ArgumentParser(prog="kechuang", description=_("kechuang, the regional S&T innovation platform"),
                                     parents=[common])
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    serve = sub.add_parser("serve", parents=[common], help=_("serve the platform over HTTP"))
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--threads", type=int, default=8)
    serve.set_defaults(func=cmd_serve)

    demo = sub.add_parser("demo", parents=[common], help=_("reset the database to the demo data"))
    demo.add_argument("--yes", action="store_true", help=_("confirm erasing the existing data"))
    demo.add_argument("--if-empty", action="store_true", help=_("load the demo data only into an empty database"))
    demo.set_defaults(func=cmd_demo)

    check = sub.add_parser("check", parents=[common], help=_("check configuration, database, migrations and assets"))
    check.set_defaults(func=cmd_check)

    migrate = sub.add_parser("migrate", parents=[common], help=_("create or upgrade the database tables"))
    migrate.set_defaults(func=cmd_migrate)

    worker = sub.add_parser("worker", parents=[common], help=_("run background tasks from the Redis queue"))
    worker.add_argument("--burst", action="store_true", help=_("stop when the queue is empty"))
    worker.set_defaults(func=cmd_worker)

    audit = sub.add_parser("audit", parents=[common], help=_("audit trail maintenance"))
    audit_sub = audit.add_subparsers(dest="audit_command", metavar="SUBCOMMAND")
    purge = audit_sub.add_parser("purge", parents=[common],
                                 help=_("delete entries older than KECHUANG_AUDIT_RETENTION_DAYS"))
    purge.set_defaults(func=cmd_audit_purge)

    manage = sub.add_parser("manage", help=_("run a Django management command"))
    manage.add_argument("rest", nargs=argparse.REMAINDER)
    manage.set_defaults(func=cmd_manage)

    # Each app adds its own commands: a module ``<app>/cli.py`` with
    # ``register(subparsers, common, bench)``, where ``common`` is the parent parser with
    # --format/--lang and ``bench`` the subparsers of `kechuang bench`.
    bench = sub.add_parser("bench", parents=[common], help=_("measure the platform's speed"))
    bench_sub = bench.add_subparsers(dest="bench_command", metavar="WHAT")
    from django.apps import apps

    for config in apps.get_app_configs():
        if config.name.startswith("kechuang.apps."):
            try:
                module = importlib.import_module(f"{config.name}.cli")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.cli":
                    raise
                continue
            module.register(sub, common, bench_sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    _setup_django()
    from django.utils import translation

    language = "en" if _lang_from(argv) == "en" else "zh-hans"
    with translation.override(language):
        parser = build_parser()
        try:
            args = parser.parse_args(argv)
        except SystemExit as exc:
            return EXIT_USAGE if exc.code not in (0, None) else EXIT_OK
        if not getattr(args, "func", None):
            parser.print_help()
            return EXIT_USAGE
        return args.func(args)


def _lang_from(argv: list[str]) -> str | None:
    for index, value in enumerate(argv):
        if value == "--lang" and index + 1 < len(argv):
            return argv[index + 1]
        if value.startswith("--lang="):
            return value.split("=", 1)[1]
    return os.environ.get("KECHUANG_LANG")


if __name__ == "__main__":
    sys.exit(main())
