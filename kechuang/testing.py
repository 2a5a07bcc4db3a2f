"""Fixed test users, one per role, in a small real slice of the unit tree (healthchecks).

    >>> people = make_personas()
    >>> people.officer_wuhai.has_capability("accounts.view_orgunit")
    True
"""

from __future__ import annotations

from dataclasses import dataclass

from kechuang.apps.accounts import actions
from kechuang.apps.accounts.models import OrgUnit, User
from kechuang.apps.accounts.roles import Role

PASSWORD = "Persona-Password-2026"

# A slice of the shipped units: the region, two cities, counties, a zone and a body.
UNITS = [
    ("150000", "内蒙古自治区", "", "region"),
    ("150300", "乌海市", "150000", "city"),
    ("150302", "海勃湾区", "150300", "county"),
    ("150303", "海南区", "150300", "county"),
    ("150300Z01", "乌海高新技术产业开发区", "150300", "zone"),
    ("150300D001", "乌海市科学技术局", "150300", "department"),
    ("150100", "呼和浩特市", "150000", "city"),
    ("150102", "新城区", "150100", "county"),
]

# name -> (role, unit code). "public" is the visitor who is not signed in.
PERSONAS = {
    "admin": (Role.ADMIN, "150000"),
    "admin_wuhai": (Role.ADMIN, "150300"),
    "officer_wuhai": (Role.OFFICER, "150300"),
    "officer_hohhot": (Role.OFFICER, "150100"),
    "reporter_haibowan": (Role.REPORTER, "150302"),
    "enterprise": (Role.ENTERPRISE, "150302"),
    "expert": (Role.EXPERT, "150300"),
}


@dataclass
class Personas:
    units: dict[str, OrgUnit]
    users: dict[str, User]

    def __getattr__(self, name: str):
        try:
            return self.users[name]
        except KeyError:
            raise AttributeError(name) from None

    def role_of(self, name: str) -> Role:
        return PERSONAS[name][0]


def make_units() -> dict[str, OrgUnit]:
    rows = [actions.UnitRow(None, code, name, parent, kind, [], None, "test") for code, name, parent, kind in UNITS]
    actions.do_import_org_units(rows, acting_user=None)
    return {u.code: u for u in OrgUnit.objects.all()}


def make_personas() -> Personas:
    units = make_units()
    users = {}
    for name, (role, code) in PERSONAS.items():
        users[name] = actions.do_create_user(
            acting_user=None, username=name, name=name, password=PASSWORD, roles=[(role, units[code])]
        )
    return Personas(units, users)
