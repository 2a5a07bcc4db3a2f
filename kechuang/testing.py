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
    entities: dict[str, object]

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


def valid_uscc(body: str) -> str:
    """A credit code with the right check character for 17 characters (test data)."""
    from kechuang.engine.codes import uscc_check_char

    return body + uscc_check_char(body)


# (key, credit code body, name, division): fictitious enterprises, one per city.
ENTITIES = [
    ("wuhai", "91150302MA0000001", "乌海示例科技有限公司", "150302"),
    ("hohhot", "91150102MA0000002", "呼和浩特示例材料有限公司", "150102"),
]


def make_personas() -> Personas:
    from kechuang.apps.entities import actions as entity_actions

    units = make_units()
    users = {}
    for name, (role, code) in PERSONAS.items():
        users[name] = actions.do_create_user(
            acting_user=None, username=name, name=name, password=PASSWORD, roles=[(role, units[code])]
        )
    entities = {}
    for key, body, name, code in ENTITIES:
        entities[key] = entity_actions.do_create_entity(
            acting_user=None, uscc=valid_uscc(body), name=name, org_unit=units[code])
    entity_actions.do_link_member(entities["wuhai"], users["enterprise"], acting_user=None)
    return Personas(units, users, entities)
