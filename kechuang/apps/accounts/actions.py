"""Every write to users, roles and org units: ``do_<verb>_<noun>(…, acting_user)``.

Each action is one transaction that checks the change, writes it, and records the audit
entry (verb ``accounts.<model>.<verb>``). Views, the API, imports and commands call these
and nothing else writes.
"""

from __future__ import annotations

import csv
import datetime
import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from kechuang.apps.audit import record, snapshot
from kechuang.apps.common.tabular import CellError, ImportRejected, Table

from .models import OrgUnit, OrgUnitChange, RoleAssignment, User
from .roles import Role

DATA_DIR = Path(__file__).resolve().parent / "data"
DIVISIONS_CSV = DATA_DIR / "admin_divisions_150000.csv"
SEED_UNITS_YAML = DATA_DIR / "seed_units.yaml"

# A 6-digit division code, or a platform code: parent code + Z + 2 digits (zones and
# parks) or + D + 3 digits (other bodies), e.g. 150300Z01, 150100D001.
UNIT_CODE = re.compile(r"^\d{6}(Z\d{2}|D\d{3})?$")


def _require_scope(acting_user, unit: OrgUnit | None, capability: str) -> None:
    """Refuse a change to a unit outside the acting user's units (system calls pass None)."""
    if acting_user is None:
        return
    if unit is None:
        if not acting_user.is_superuser:
            raise ValidationError(_("Only a superuser may create a top-level unit."))
        return
    if not OrgUnit.objects.visible_to(acting_user, capability).filter(pk=unit.pk).exists():
        raise ValidationError(_("“%(unit)s” is outside your units.") % {"unit": unit.name})


def validate_unit_code(code: str) -> None:
    if not UNIT_CODE.match(code or ""):
        raise ValidationError(
            _("“%(code)s” is not a unit code: use a 6-digit division code, or a parent code "
              "followed by Z and 2 digits (zones) or D and 3 digits (other bodies).") % {"code": code}
        )


def _set_path(unit: OrgUnit) -> None:
    unit.path, unit.depth = unit.compute_path()


# --- org units ----------------------------------------------------------------------


@transaction.atomic
def do_create_org_unit(
    *,
    acting_user,
    code: str,
    name: str,
    kind: str,
    parent: OrgUnit | None,
    aliases: list[str] | None = None,
    valid_from: datetime.date | None = None,
    source: str = "",
) -> OrgUnit:
    """Create a unit below ``parent``. Audit verb ``accounts.orgunit.create``."""
    _require_scope(acting_user, parent, "accounts.manage_orgunit")
    validate_unit_code(code)
    if OrgUnit.objects.filter(code=code).exists():
        raise ValidationError(_("The code %(code)s is already used.") % {"code": code})
    if parent is not None and not parent.is_active:
        raise ValidationError(_("“%(unit)s” is closed; units cannot be added below it.") % {"unit": parent.name})
    unit = OrgUnit(
        code=code, name=name.strip(), kind=kind, parent=parent, aliases=list(aliases or []),
        valid_from=valid_from, source=source, created_by=acting_user, modified_by=acting_user,
    )
    _set_path(unit)
    unit.full_clean()
    unit.save()
    OrgUnitChange.objects.create(
        unit=unit, kind=OrgUnitChange.Kind.OPENED,
        effective_on=valid_from or datetime.date.today(), new_value=unit.name,
    )
    record("accounts.orgunit.create", unit, actor=acting_user, after=snapshot(unit))
    return unit


@transaction.atomic
def do_update_org_unit(unit: OrgUnit, *, acting_user, aliases: list[str], kind: str, source: str) -> OrgUnit:
    """Change a unit's descriptive fields (not its name, place or life: see rename,
    merge, close). Audit verb ``accounts.orgunit.update``."""
    _require_scope(acting_user, unit, "accounts.manage_orgunit")
    before = snapshot(unit)
    unit.aliases = [a.strip() for a in aliases if a.strip()]
    unit.kind = kind
    unit.source = source
    unit.modified_by = acting_user
    unit.full_clean()
    unit.save()
    record("accounts.orgunit.update", unit, actor=acting_user, before=before, after=snapshot(unit))
    return unit


@transaction.atomic
def do_rename_org_unit(unit: OrgUnit, new_name: str, *, effective_on: datetime.date, acting_user, note: str = "") -> OrgUnit:
    """Rename a unit from a date; the old name stays as an alias and in its history.
    Audit verb ``accounts.orgunit.rename``."""
    _require_scope(acting_user, unit, "accounts.manage_orgunit")
    new_name = new_name.strip()
    if not new_name or new_name == unit.name:
        raise ValidationError(_("Enter a new name that differs from the current one."))
    before = snapshot(unit)
    old_name = unit.name
    unit.name = new_name
    if old_name not in unit.aliases:
        unit.aliases = [*unit.aliases, old_name]
    unit.modified_by = acting_user
    unit.full_clean()
    unit.save()
    OrgUnitChange.objects.create(
        unit=unit, kind=OrgUnitChange.Kind.RENAMED, effective_on=effective_on,
        old_value=old_name, new_value=new_name, note=note,
    )
    record("accounts.orgunit.rename", unit, actor=acting_user, before=before, after=snapshot(unit), note=note)
    return unit


@transaction.atomic
def do_close_org_unit(unit: OrgUnit, *, effective_on: datetime.date, acting_user, note: str = "") -> OrgUnit:
    """Close a unit from a date. Units still open below it must be closed or merged first.
    Audit verb ``accounts.orgunit.close``."""
    _require_scope(acting_user, unit, "accounts.manage_orgunit")
    if unit.valid_to is not None:
        raise ValidationError(_("“%(unit)s” is already closed.") % {"unit": unit.name})
    if unit.parent_id is None:
        raise ValidationError(_("The top-level unit cannot be closed."))
    open_children = unit.children.filter(valid_to__isnull=True)
    if open_children.exists():
        names = "、".join(open_children.values_list("name", flat=True)[:5])
        raise ValidationError(
            _("Close or merge the units below it first: %(names)s.") % {"names": names}
        )
    if unit.valid_from and effective_on <= unit.valid_from:
        raise ValidationError(_("The closing date must be after the date the unit opened."))
    before = snapshot(unit)
    unit.valid_to = effective_on
    unit.modified_by = acting_user
    unit.save()
    OrgUnitChange.objects.create(unit=unit, kind=OrgUnitChange.Kind.CLOSED, effective_on=effective_on, note=note)
    record("accounts.orgunit.close", unit, actor=acting_user, before=before, after=snapshot(unit), note=note)
    return unit


@transaction.atomic
def do_merge_org_unit(unit: OrgUnit, into: OrgUnit, *, effective_on: datetime.date, acting_user, note: str = "") -> OrgUnit:
    """Merge ``unit`` into ``into`` from a date: units below it and the roles held in it
    move to ``into``; ``unit`` is closed with ``into`` as its successor and its name
    becomes an alias of ``into``. Audit verb ``accounts.orgunit.merge`` (one entry per
    unit changed)."""
    _require_scope(acting_user, unit, "accounts.manage_orgunit")
    _require_scope(acting_user, into, "accounts.manage_orgunit")
    if unit.pk == into.pk:
        raise ValidationError(_("A unit cannot be merged into itself."))
    if into.path.startswith(unit.path):
        raise ValidationError(_("A unit cannot be merged into a unit below it."))
    if unit.valid_to is not None or into.valid_to is not None:
        raise ValidationError(_("Both units must be open."))
    if unit.parent_id is None:
        raise ValidationError(_("The top-level unit cannot be merged."))
    before_unit, before_into = snapshot(unit), snapshot(into)
    for child in unit.children.filter(valid_to__isnull=True):
        _move_subtree(child, into)
    moved_roles = 0
    for assignment in unit.role_assignments.all():
        if RoleAssignment.objects.filter(user=assignment.user, role=assignment.role, org_unit=into).exists():
            assignment.delete()
        else:
            assignment.org_unit = into
            assignment.save()
        moved_roles += 1
    unit.valid_to = effective_on
    unit.successor = into
    unit.modified_by = acting_user
    unit.save()
    if unit.name not in into.aliases and unit.name != into.name:
        into.aliases = [*into.aliases, unit.name]
        into.modified_by = acting_user
        into.save()
    OrgUnitChange.objects.create(
        unit=unit, kind=OrgUnitChange.Kind.MERGED, effective_on=effective_on,
        old_value=unit.name, new_value=into.name, note=note,
    )
    record("accounts.orgunit.merge", unit, actor=acting_user, before=before_unit, after=snapshot(unit),
           note=note or _("Merged into %(unit)s; %(count)s role(s) moved.") % {"unit": into.name, "count": moved_roles})
    record("accounts.orgunit.merge", into, actor=acting_user, before=before_into, after=snapshot(into), note=note)
    return into


def _move_subtree(unit: OrgUnit, new_parent: OrgUnit) -> None:
    old_path = unit.path
    unit.parent = new_parent
    _set_path(unit)
    unit.save()
    for descendant in OrgUnit.objects.filter(path__startswith=old_path).exclude(pk=unit.pk):
        descendant.path = unit.path + descendant.path[len(old_path):]
        descendant.depth = descendant.path.count("/") - 2
        descendant.save(update_fields=["path", "depth"])


# --- bulk: the reference units and imports --------------------------------------------

IMPORT_COLUMNS = {
    "code": "code", "编码": "code", "单位编码": "code",
    "name": "name", "名称": "name", "单位名称": "name",
    "parent_code": "parent_code", "上级编码": "parent_code", "上级单位编码": "parent_code",
    "kind": "kind", "类型": "kind", "单位类型": "kind",
    "aliases": "aliases", "别名": "aliases",
    "valid_from": "valid_from", "成立日期": "valid_from", "启用日期": "valid_from",
    "source": "source", "来源": "source",
}
IMPORT_HEADERS = {
    "code": "编码", "name": "名称", "parent_code": "上级编码", "kind": "类型",
    "aliases": "别名", "valid_from": "启用日期", "source": "来源",
}


@dataclass
class UnitRow:
    row: int | None
    code: str
    name: str
    parent_code: str
    kind: str
    aliases: list[str]
    valid_from: datetime.date | None
    source: str


def _kind_of(text: str) -> str | None:
    for value, label in OrgUnit.Kind.choices:
        if text in (value, str(label)):
            return value
    chinese = {"自治区": "region", "盟市": "city", "旗县区": "county", "园区": "zone", "部门": "department"}
    return chinese.get(text)


def validate_unit_rows(table: Table) -> list[UnitRow]:
    """Check every row of an org-unit table; raise ImportRejected listing all problems."""
    errors: list[CellError] = []
    rows: list[UnitRow] = []
    known = set(OrgUnit.objects.values_list("code", flat=True))
    in_file: dict[str, int] = {}
    header = {key: IMPORT_HEADERS.get(key, key) for key in IMPORT_COLUMNS.values()}
    for number, cells in table.rows:
        def err(column: str, message: str, number: int = number) -> None:
            errors.append(CellError(table.sheet, number, header[column], message))

        code = cells.get("code", "")
        name = cells.get("name", "")
        parent_code = cells.get("parent_code", "")
        kind = _kind_of(cells.get("kind", ""))
        try:
            validate_unit_code(code)
        except ValidationError as exc:
            err("code", exc.messages[0])
        if code in in_file:
            err("code", _("The code %(code)s repeats row %(row)s.") % {"code": code, "row": in_file[code]})
        in_file.setdefault(code, number)
        if not name:
            err("name", _("The name is empty."))
        elif len(name) > 100:
            err("name", _("The name is longer than 100 characters."))
        if kind is None:
            err("kind", _("Unknown kind “%(kind)s”.") % {"kind": cells.get("kind", "")})
        if parent_code and parent_code not in known and parent_code not in in_file:
            err("parent_code", _("No unit has the code %(code)s (it must exist or come earlier in the file).") % {"code": parent_code})
        if not parent_code and kind != OrgUnit.Kind.REGION:
            err("parent_code", _("Only the region has no parent unit."))
        valid_from = None
        if cells.get("valid_from"):
            try:
                valid_from = datetime.date.fromisoformat(cells["valid_from"][:10])
            except ValueError:
                err("valid_from", _("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": cells["valid_from"]})
        aliases = [a.strip() for a in re.split(r"[、;；,，]", cells.get("aliases", "")) if a.strip()]
        rows.append(UnitRow(number, code, name, parent_code, kind or "", aliases, valid_from, cells.get("source", "")))
    if errors:
        raise ImportRejected(errors)
    return rows


@transaction.atomic
def do_import_org_units(rows: list[UnitRow], *, acting_user, batch_file=None, progress=None) -> dict:
    """Create the units of validated rows (parents first), all or nothing.

    A row whose code exists with the same name, kind and parent is left as it is; one
    whose code exists with other values is refused (rename, merge or move it instead).
    One audit entry (``accounts.orgunit.import``) records the batch, with the file kept.
    """
    existing = {u.code: u for u in OrgUnit.objects.all()}
    errors = []
    for row in rows:
        unit = existing.get(row.code)
        if unit is not None:
            parent_code = unit.parent.code if unit.parent_id else ""
            if (unit.name, unit.kind, parent_code) != (row.name, row.kind, row.parent_code):
                errors.append(CellError("", row.row, IMPORT_HEADERS["code"],
                    _("The unit %(code)s exists as “%(name)s”; rename, merge or move it instead.") % {"code": row.code, "name": unit.name}))
        elif acting_user is not None:
            parent = existing.get(row.parent_code)
            if parent is not None and not OrgUnit.objects.visible_to(acting_user, "accounts.manage_orgunit").filter(pk=parent.pk).exists():
                errors.append(CellError("", row.row, IMPORT_HEADERS["parent_code"],
                    _("“%(unit)s” is outside your units.") % {"unit": parent.name}))
    if errors:
        raise ImportRejected(errors)
    created = 0
    pending = [r for r in rows if r.code not in existing]
    total = len(pending)
    while pending:
        ready = [r for r in pending if not r.parent_code or r.parent_code in existing]
        if not ready:  # a cycle in the file's parent codes
            raise ImportRejected([CellError("", r.row, IMPORT_HEADERS["parent_code"], _("The parent codes form a cycle.")) for r in pending])
        for row in ready:
            unit = OrgUnit(
                code=row.code, name=row.name, kind=row.kind, parent=existing.get(row.parent_code),
                aliases=row.aliases, valid_from=row.valid_from, source=row.source,
                created_by=acting_user, modified_by=acting_user,
            )
            _set_path(unit)
            unit.save()
            OrgUnitChange.objects.create(unit=unit, kind=OrgUnitChange.Kind.OPENED,
                                         effective_on=row.valid_from or datetime.date.today(), new_value=unit.name)
            existing[unit.code] = unit
            created += 1
            if progress and created % 50 == 0:
                progress(created, total)
        pending = [r for r in pending if r.code not in existing]
    summary = {"rows": len(rows), "created": created, "unchanged": len(rows) - created}
    record(
        "accounts.orgunit.import", actor=acting_user, object_type="accounts.orgunit",
        object_repr=_("Import of %(count)s org units") % {"count": len(rows)},
        after=summary, batch_file=batch_file, row_count=len(rows),
    )
    return summary


def reference_unit_rows() -> list[UnitRow]:
    """The shipped units: Inner Mongolia's divisions (GB/T 2260 and the statistics
    bureau's zone codes) and the parks and bodies the seed documents name."""
    rows: list[UnitRow] = []
    with DIVISIONS_CSV.open(encoding="utf-8") as handle:
        for line in csv.DictReader(handle):
            rows.append(UnitRow(None, line["code"], line["name"], line["parent_code"], line["kind"], [],
                                None, "admin_divisions_150000.csv"))
    seeds = yaml.safe_load(SEED_UNITS_YAML.read_text(encoding="utf-8"))
    by_code = {r.code: r for r in rows}
    for entry in seeds.get("aliases", []):
        by_code[str(entry["code"])].aliases.extend(entry.get("aliases", []))
    for entry in seeds.get("units", []):
        sources = "、".join(sorted({s["seed"] for s in entry.get("sources", [])}))
        rows.append(UnitRow(None, str(entry["code"]), entry["name"], str(entry["parent"]), entry["kind"],
                            list(entry.get("aliases", [])), None, sources))
    return rows


# --- users and roles ----------------------------------------------------------------


def _validate_password(password: str, user: User) -> None:
    password_validation.validate_password(password, user)


@transaction.atomic
def do_create_user(
    *, acting_user, username: str, name: str, password: str, email: str = "", phone: str = "",
    roles: list[tuple[str, OrgUnit]] = (),
) -> User:
    """Create a user with its roles. Audit verb ``accounts.user.create``."""
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError(_("The user name “%(name)s” is taken.") % {"name": username})
    user = User(username=username, name=name, email=email, phone=phone)
    _validate_password(password, user)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    record("accounts.user.create", user, actor=acting_user, after=snapshot(user))
    for role, unit in roles:
        do_grant_role(user, role, unit, acting_user=acting_user)
    return user


@transaction.atomic
def do_update_user(user: User, *, acting_user, name: str, email: str, phone: str, is_active: bool) -> User:
    """Change a user's details or deactivate it. Audit verb ``accounts.user.update``."""
    if acting_user is not None and user.pk == acting_user.pk and not is_active:
        raise ValidationError(_("You cannot deactivate your own account."))
    before = snapshot(user)
    user.name, user.email, user.phone, user.is_active = name, email, phone, is_active
    user.full_clean(exclude=["password"])
    user.save()
    record("accounts.user.update", user, actor=acting_user, before=before, after=snapshot(user))
    return user


@transaction.atomic
def do_set_password(user: User, password: str, *, acting_user) -> User:
    """Set a new password (validated by Django's validators). Audit verb
    ``accounts.user.set_password``; the entry holds no password."""
    _validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    record("accounts.user.set_password", user, actor=acting_user)
    return user


@transaction.atomic
def do_grant_role(user: User, role: str, unit: OrgUnit, *, acting_user) -> RoleAssignment:
    """Give a user a role in a unit inside the acting user's units. Audit verb
    ``accounts.roleassignment.create``."""
    _require_scope(acting_user, unit, "accounts.manage_user")
    if role not in Role.values:
        raise ValidationError(_("Unknown role “%(role)s”.") % {"role": role})
    if not unit.is_active:
        raise ValidationError(_("“%(unit)s” is closed.") % {"unit": unit.name})
    if RoleAssignment.objects.filter(user=user, role=role, org_unit=unit).exists():
        raise ValidationError(_("The user already holds this role in this unit."))
    assignment = RoleAssignment.objects.create(
        user=user, role=role, org_unit=unit, created_by=acting_user, modified_by=acting_user
    )
    record("accounts.roleassignment.create", assignment, actor=acting_user, after=snapshot(assignment))
    return assignment


@transaction.atomic
def do_revoke_role(assignment: RoleAssignment, *, acting_user) -> None:
    """Take a role away. Audit verb ``accounts.roleassignment.delete``."""
    _require_scope(acting_user, assignment.org_unit, "accounts.manage_user")
    if (acting_user is not None and assignment.user_id == acting_user.pk
            and assignment.role == Role.ADMIN):
        raise ValidationError(_("You cannot take away your own administrator role."))
    before = snapshot(assignment)
    record("accounts.roleassignment.delete", assignment, actor=acting_user, before=before)
    assignment.delete()


@transaction.atomic
def do_unlock_user(user: User, *, acting_user) -> int:
    """Lift a lockout after repeated failed logins. Audit verb ``accounts.user.unlock``."""
    from axes.utils import reset

    count = reset(username=user.username)
    record("accounts.user.unlock", user, actor=acting_user, note=str(count))
    return count


@transaction.atomic
def do_create_api_token(user: User, *, acting_user) -> Token:
    """Issue a new API token for a user, replacing any previous one. Audit verb
    ``accounts.token.create``; the entry holds no key."""
    Token.objects.filter(user=user).delete()
    token = Token.objects.create(user=user)
    record("accounts.token.create", user, actor=acting_user, object_type="authtoken.token")
    return token


@transaction.atomic
def do_revoke_api_token(user: User, *, acting_user) -> None:
    """Revoke a user's API token. Audit verb ``accounts.token.delete``."""
    deleted, _unused = Token.objects.filter(user=user).delete()
    if deleted:
        record("accounts.token.delete", user, actor=acting_user, object_type="authtoken.token")
