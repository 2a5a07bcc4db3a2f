"""The demo installation: the shipped org units and one account per role.

``kechuang demo`` erases the database and loads this; ``make run`` loads it into an
empty database only. The accounts share ``settings.DEMO_PASSWORD``.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction

from kechuang.apps.accounts import actions
from kechuang.apps.accounts.models import OrgUnit, User
from kechuang.apps.accounts.roles import Role
from kechuang.apps.entities import actions as entity_actions
from kechuang.apps.entities import demo as entity_demo
from kechuang.apps.entities.models import Entity

DEMO_ENTITIES = 3000

# (user name, full name, role, unit code). Names are fictitious.
DEMO_USERS = [
    ("admin", "平台管理员（演示）", Role.ADMIN, "150000"),
    ("officer_wuhai", "乌海市科技局业务员（演示）", Role.OFFICER, "150300"),
    ("officer_hohhot", "呼和浩特市科技局业务员（演示）", Role.OFFICER, "150100"),
    ("reporter_haibowan", "海勃湾区填报员（演示）", Role.REPORTER, "150302"),
    ("reporter_wuhai_hitech", "乌海高新区填报员（演示）", Role.REPORTER, "150300Z01"),
    ("enterprise_demo", "演示企业用户", Role.ENTERPRISE, "150302"),
    ("expert_demo", "演示专家", Role.EXPERT, "150300"),
]


def has_data() -> bool:
    try:
        return OrgUnit.objects.exists()
    except Exception:
        return False


def demo_accounts() -> list[dict]:
    units = {u.code: u for u in OrgUnit.objects.filter(code__in=[c for *_r, c in DEMO_USERS])}
    return [
        {"username": username, "password": settings.DEMO_PASSWORD, "role": str(role.label),
         "unit": units[code].name if code in units else code}
        for username, _name, role, code in DEMO_USERS
        if User.objects.filter(username=username).exists()
    ]


def accounts_with_demo_password() -> list[str]:
    return [u.username for u in User.objects.filter(username__in=[d[0] for d in DEMO_USERS], is_active=True)
            if u.check_password(settings.DEMO_PASSWORD)]


def _erase() -> None:
    """Empty every table. The audit trail refuses deletes (triggers), so they go first."""
    from kechuang.apps.audit.retention import drop_guards, install_guards

    drop_guards(connection)
    try:
        call_command("flush", interactive=False, verbosity=0)
    finally:
        install_guards(connection)


def reset(verbose: bool = True) -> list[dict]:
    call_command("migrate", interactive=False, verbosity=0)
    if has_data():
        _erase()
    load(verbose=verbose)
    return demo_accounts()


@transaction.atomic
def load(verbose: bool = True) -> None:
    rows = actions.reference_unit_rows()
    summary = actions.do_import_org_units(rows, acting_user=None)
    if verbose:
        print(f"org units: {summary['created']}")
    units = {u.code: u for u in OrgUnit.objects.all()}
    users = {}
    for username, name, role, code in DEMO_USERS:
        users[username] = actions.do_create_user(acting_user=None, username=username, name=name,
                                                 password=settings.DEMO_PASSWORD, roles=[(role, units[code])])
    summary = entity_actions.do_import_exchange(entity_demo.demo_table(DEMO_ENTITIES), acting_user=None)
    if verbose:
        print(f"entities: {summary['entities_created']} ({summary['rows']} yearly rows, fictitious)")
    first = Entity.objects.filter(org_unit__code="150302").order_by("uscc").first()
    entity_actions.do_link_member(first, users["enterprise_demo"], acting_user=None)
    entity_demo.run_demo_assessments(verbose=verbose)
    from kechuang.apps.plans import demo as plans_demo

    plans_demo.load(verbose)
