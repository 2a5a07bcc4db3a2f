"""The audit trail. Actions record their changes with :func:`record`.

>>> record("accounts.orgunit.update", unit, actor=user, before=old, after=snapshot(unit))
"""

from __future__ import annotations

import contextvars
import datetime
import decimal
import uuid
from dataclasses import dataclass

__all__ = ["RequestContext", "current_context", "record", "snapshot", "use_context"]


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    ip: str | None = None


_EMPTY = RequestContext()
_context: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "kechuang_audit_context", default=None
)


def current_context() -> RequestContext:
    return _context.get() or _EMPTY


class use_context:  # noqa: N801 - used as a context manager
    """Set the request id and address that entries recorded inside the block carry."""

    def __init__(self, request_id: str | None = None, ip: str | None = None):
        self.value = RequestContext(request_id or uuid.uuid4().hex, ip)

    def __enter__(self) -> RequestContext:
        self.token = _context.set(self.value)
        return self.value

    def __exit__(self, *exc) -> None:
        _context.reset(self.token)


def _plain(value):
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    from django.db.models.fields.files import FieldFile

    if isinstance(value, FieldFile):  # a stored file: its name (an empty one has no url)
        return value.name or None
    return value


_SKIPPED_FIELDS = {"password", "updated_at", "last_login", "path", "depth"}


def snapshot(instance, fields: list[str] | None = None) -> dict:
    """A JSON-ready dict of a model instance's concrete field values (FKs as ids).

    Secrets (passwords) and derived bookkeeping fields are left out.
    """
    data = {}
    for field in instance._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        if field.name in _SKIPPED_FIELDS:
            continue
        data[field.name] = _plain(getattr(instance, field.attname))
    return data


def record(
    verb: str,
    obj=None,
    *,
    actor=None,
    before: dict | None = None,
    after: dict | None = None,
    note: str = "",
    unit=None,
    batch_file=None,
    row_count: int | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    object_repr: str | None = None,
):
    """Write one audit entry (call it inside the action's transaction).

    ``unit`` is the org unit the change belongs to (for scoping who may read the entry);
    it defaults to ``obj.org_unit`` or ``obj`` itself when that is an org unit.
    ``batch_file`` is a Django ``File`` kept with the entry (an import's upload).
    """
    from .models import AuditEntry

    context = current_context()
    if unit is None and obj is not None:
        if obj._meta.label_lower == "accounts.orgunit":
            unit = obj
        else:
            unit = getattr(obj, "org_unit", None)
    entry = AuditEntry(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_username=getattr(actor, "username", "") or "",
        ip=context.ip,
        request_id=context.request_id,
        verb=verb,
        object_type=object_type or (obj._meta.label_lower if obj is not None else ""),
        object_id=object_id or (str(obj.pk) if obj is not None and obj.pk is not None else ""),
        object_repr=(object_repr or (str(obj) if obj is not None else ""))[:300],
        unit_path=getattr(unit, "path", "") or "",
        before=_plain(before) if before is not None else None,
        after=_plain(after) if after is not None else None,
        note=note,
        row_count=row_count,
    )
    if batch_file is not None:
        entry.batch_file.save(getattr(batch_file, "name", "batch") or "batch", batch_file, save=False)
    entry.save()
    return entry
