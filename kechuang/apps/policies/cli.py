"""``kechuang policy check|eval|explain|whatif`` and ``kechuang bench policy``.

* ``policy check [DIR]`` — load every policy file of DIR (default: the shipped
  ``data/policies``) and run the test cases written in them; exit 1 on any error or failed
  case, each listed as ``file:line:column: CODE reason``.
* ``policy eval --year Y --input FILE [--policies DIR]`` — FILE in the exchange table's
  columns (.xlsx, .csv, .json, .parquet; every fiscal year the panel facts need): read and
  validated, assessed (``hte_eligible``, ``tsme_eligible``), panel facts derived, every
  policy evaluated; per entity and benefit the amount in yuan as a decimal string, plus totals.
* ``policy explain POLICY --entity USCC --year Y [--input FILE]`` — the step-by-step
  explanation; without ``--input`` the entity's facts come from the platform's registry.
* ``policy whatif --set NAME=VALUE … --year Y --input FILE`` — the baseline against the
  changed parameters: totals, per benefit, gainers and losers.
* ``bench policy-registry [--entities N] [--year Y]`` — the policy pages' computations over
  a registry of N fictitious entities, imported and rolled back (``bench.py``), as JSON.
* ``bench policy --harness DIR (--entities N | --input FILE) --programmes K [--python PY]``
  — the engine's ``bench_policy``: ``{"kechuang": …, "openfisca": …, "numpy": …}``.

Without ``--policies`` the policies are the live version (the files plus the officers'
parameter versions) when the platform's database is set up, else the shipped files.
"""

from __future__ import annotations

import json
import sys

from django.utils.translation import gettext as _


def register(sub, common, bench) -> None:
    policy = sub.add_parser("policy", parents=[common], help=_("check and evaluate subsidy and award policies"))
    psub = policy.add_subparsers(dest="policy_command", metavar="SUBCOMMAND")

    check = psub.add_parser("check", parents=[common], help=_("validate the policy files and run their test cases"))
    check.add_argument("dir", nargs="?", default=None, metavar="DIR",
                       help=_("a folder of policy files (default: the shipped policies)"))
    check.set_defaults(func=cmd_check)

    def inputs(p, required=True):
        p.add_argument("--year", type=int, required=True, help=_("the year evaluated"))
        p.add_argument("--input", required=required, help=_("exchange table: .xlsx, .csv, .json or .parquet"))
        p.add_argument("--policies", default=None, metavar="DIR", help=_("a folder of policy files"))

    ev = psub.add_parser("eval", parents=[common], help=_("evaluate every policy for the entities of a file"))
    inputs(ev)
    ev.set_defaults(func=cmd_eval)

    ex = psub.add_parser("explain", parents=[common], help=_("explain one entity's benefits under one policy"))
    ex.add_argument("policy", metavar="POLICY", help=_("policy code"))
    ex.add_argument("--entity", required=True, metavar="USCC", help=_("the entity's credit code"))
    inputs(ex, required=False)
    ex.set_defaults(func=cmd_explain)

    wi = psub.add_parser("whatif", parents=[common], help=_("compare changed parameters with the baseline"))
    wi.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", dest="changes",
                    help=_("a parameter and its value, e.g. rd_increment_cap=500万 (repeatable)"))
    inputs(wi)
    wi.set_defaults(func=cmd_whatif)

    bp = bench.add_parser("policy", parents=[common], help=_("the policy engine against the OpenFisca harness"))
    bp.add_argument("--harness", required=True, help=_("folder of the reference harness"))
    source = bp.add_mutually_exclusive_group(required=True)
    source.add_argument("--entities", type=int, help=_("generate a register of N entities with the harness"))
    source.add_argument("--input", help=_("a register file (.parquet or .csv)"))
    bp.add_argument("--programmes", type=int, default=1, help=_("number of parameter sets evaluated in one pass"))
    bp.add_argument("--python", default=None, help=_("an interpreter with NumPy and OpenFisca for the harness scripts"))
    bp.set_defaults(func=cmd_bench)

    br = bench.add_parser("policy-registry", parents=[common],
                          help=_("time the policy facts, budget and what-if over a registry in the database"))
    br.add_argument("--entities", type=int, default=3000,
                    help=_("fictitious entities imported for the run and rolled back (0: the registry as it is)"))
    br.add_argument("--year", type=int, default=2024, help=_("the year evaluated"))
    br.add_argument("--repeat", type=int, default=3, help=_("runs per measure; the best is reported"))
    br.set_defaults(func=cmd_bench_registry)


def _lang(args) -> str:
    return "en" if args.lang == "en" else "zh"


def _database_ready() -> bool:
    from pathlib import Path

    from django.db import connection

    from kechuang.cli import _database_ready as ready

    if connection.vendor == "sqlite" and not Path(str(connection.settings_dict["NAME"])).is_file():
        return False
    return ready()


def _policies(args):
    from kechuang.engine.rules import load_policies

    if args.policies:
        return load_policies(args.policies)
    from . import live

    if _database_ready():
        return live.live_policies()
    return live.baseline_policies()


def _rule_error(args, exc) -> int:
    from kechuang.cli import EXIT_PROBLEMS

    for p in exc.problems:
        print(p.format(_lang(args)), file=sys.stderr)
    return EXIT_PROBLEMS


def _facts(args):
    """The facts frame of --input for --year (None and a message on stderr when refused)."""
    from kechuang.engine.exchange import ExchangeRejected, read_exchange

    from .facts import policy_facts

    try:
        table = read_exchange(args.input)
    except ExchangeRejected as rejected:
        for e in rejected.errors:
            print(f"{e.sheet}:{e.row or ''}:{e.column}: {e.message_en if args.lang == 'en' else e.message}",
                  file=sys.stderr)
        return None
    except FileNotFoundError:
        print(_("No such file: %(path)s") % {"path": args.input}, file=sys.stderr)
        return None
    return policy_facts(table, args.year)


def cmd_check(args) -> int:
    from kechuang.cli import EXIT_OK, EXIT_PROBLEMS
    from kechuang.engine.rules import check_policies

    from . import live

    report = check_policies(args.dir or live.baseline_dir())
    if args.format == "json":
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        text = report.text(_lang(args))
        if report.ok:
            print(text)
        else:
            print(text, file=sys.stderr)
    return EXIT_OK if report.ok else EXIT_PROBLEMS


def cmd_eval(args) -> int:
    from kechuang.cli import EXIT_OK, EXIT_PROBLEMS, print_table
    from kechuang.engine.rules import RuleError, evaluate

    from .api.views import evaluation_json

    try:
        pset = _policies(args)
    except RuleError as exc:
        return _rule_error(args, exc)
    facts = _facts(args)
    if facts is None:
        return EXIT_PROBLEMS
    if facts.height == 0:
        print(_("The file has no rows for %(year)s.") % {"year": args.year}, file=sys.stderr)
        return EXIT_PROBLEMS
    try:
        ev = evaluate(pset, facts, args.year)
    except RuleError as exc:
        return _rule_error(args, exc)
    result = evaluation_json(ev)
    if args.format == "json":
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return EXIT_OK
    rows = [{"benefit": b["benefit"], "label": b["label"], "n": b["n_awarded"], "unknown": b["n_unknown"],
             "total": b["total_yuan"]} for b in result["benefits"]]
    print_table(rows, [("benefit", _("Benefit")), ("label", _("Name")), ("n", _("Awarded")),
                       ("unknown", _("Undecided")), ("total", _("Total (yuan)"))])
    print()
    print(_("Grants in total: %(total)s yuan to %(n)s of %(all)s entities.")
          % {"total": result["total_yuan"], "n": result["n_awarded"], "all": result["n_entities"]})
    return EXIT_OK


def cmd_explain(args) -> int:
    import polars as pl

    from kechuang.cli import EXIT_OK, EXIT_PROBLEMS
    from kechuang.engine.rules import RuleError, explain

    try:
        pset = _policies(args)
    except RuleError as exc:
        return _rule_error(args, exc)
    if args.policy not in pset.policies:
        print(_("No such policy: %(code)s") % {"code": args.policy}, file=sys.stderr)
        return EXIT_PROBLEMS
    state = None
    if args.input:
        facts = _facts(args)
        if facts is None:
            return EXIT_PROBLEMS
    else:
        if not _database_ready():
            print(_("Give --input FILE: the platform's database is not set up."), file=sys.stderr)
            return EXIT_PROBLEMS
        from kechuang.apps.entities.models import Entity

        from .evaluation import decision_state
        from .facts import registry_facts

        one = Entity.objects.filter(uscc=args.entity)
        facts = registry_facts(one, args.year)
        st = decision_state(args.year, one)
        state = {b: y for _u, b, y in st.iter_rows() if b.startswith(args.policy + ".")} or None
    row = facts.filter(pl.col("uscc") == args.entity) if "uscc" in facts.columns else facts.head(0)
    if row.height == 0:
        print(_("No facts for %(uscc)s in %(year)s.") % {"uscc": args.entity, "year": args.year}, file=sys.stderr)
        return EXIT_PROBLEMS
    try:
        trace = explain(pset, args.policy, row.head(1), args.year, state=state)
    except RuleError as exc:
        return _rule_error(args, exc)
    if args.format == "json":
        print(json.dumps(trace.to_json(), ensure_ascii=False, indent=2))
    else:
        print(trace.text(_lang(args)))
    return EXIT_OK


def cmd_whatif(args) -> int:
    from kechuang.cli import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, print_table
    from kechuang.engine.rules import RuleError, whatif

    changes = {}
    for item in args.changes:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            print(_("Write --set NAME=VALUE, e.g. rd_increment_cap=500万."), file=sys.stderr)
            return EXIT_USAGE
        changes[name.strip()] = value.strip()
    if not changes:
        print(_("Give at least one --set NAME=VALUE."), file=sys.stderr)
        return EXIT_USAGE
    try:
        pset = _policies(args)
    except RuleError as exc:
        return _rule_error(args, exc)
    facts = _facts(args)
    if facts is None:
        return EXIT_PROBLEMS
    try:
        w = whatif(pset, facts, args.year, set=changes)
    except RuleError as exc:
        return _rule_error(args, exc)
    result = w.to_json()
    if args.format == "json":
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return EXIT_OK
    rows = [{"benefit": b["benefit"], "baseline": b["baseline_yuan"], "reform": b["reform_yuan"],
             "delta": b["delta_yuan"]} for b in result["benefits"] if b["delta_yuan"] not in ("0.00", None)]
    print_table(rows, [("benefit", _("Benefit")), ("baseline", _("Baseline (yuan)")), ("reform", _("What-if (yuan)")),
                       ("delta", _("Change (yuan)"))])
    print()
    print(_("Total: %(base)s → %(reform)s yuan; %(gain)s gain, %(lose)s lose.")
          % {"base": result["baseline_total_yuan"], "reform": result["reform_total_yuan"],
             "gain": result["n_gainers"], "lose": result["n_losers"]})
    return EXIT_OK


def cmd_bench(args) -> int:
    from pathlib import Path

    from kechuang.cli import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE
    from kechuang.engine.rules import bench_policy

    if args.programmes < 1 or (args.entities is not None and args.entities < 1):
        print(_("--entities and --programmes must be at least 1."), file=sys.stderr)
        return EXIT_USAGE
    if not Path(args.harness).is_dir():
        print(_("No such folder: %(path)s") % {"path": args.harness}, file=sys.stderr)
        return EXIT_PROBLEMS
    try:
        result = bench_policy(args.harness, entities=args.entities, input_path=args.input,
                              programmes=args.programmes, python=args.python)
    except (RuntimeError, ValueError, OSError) as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_PROBLEMS
    out = {"kechuang": result.get("kechuang"), "openfisca": result.get("openfisca"), "numpy": result.get("numpy"),
           **{k: v for k, v in result.items() if k not in ("kechuang", "openfisca", "numpy")}}
    print(json.dumps(out, ensure_ascii=False, indent=2, default=str))
    return EXIT_OK


def cmd_bench_registry(args) -> int:
    from kechuang.cli import EXIT_OK, EXIT_USAGE

    from .bench import bench_policy_registry

    if args.entities < 0 or args.repeat < 1:
        print(_("--entities must be at least 0 and --repeat at least 1."), file=sys.stderr)
        return EXIT_USAGE
    result = bench_policy_registry(args.entities, year=args.year, repeat=args.repeat)
    print(json.dumps({"kechuang": result}, ensure_ascii=False, indent=2))
    return EXIT_OK
