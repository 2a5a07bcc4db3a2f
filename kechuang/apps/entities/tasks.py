"""Background tasks of the entity registry."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from kechuang.apps.accounts.models import OrgUnit
from kechuang.apps.common.tabular import ImportRejected
from kechuang.apps.tasks.registry import task
from kechuang.apps.tasks.runner import TaskFailed, TaskRun
from kechuang.engine.exchange import ExchangeRejected, read_exchange

from . import actions


@task("entities.import_exchange")
def import_exchange(run: TaskRun) -> dict:
    """Validate an exchange-table file column by column, then write it all or nothing."""
    data = run.read_input()
    filename = run.params.get("filename", "upload.xlsx")
    run.progress(0, None, _("Checking the file"))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / Path(filename).name
        path.write_bytes(data)
        try:
            table = read_exchange(path, division_codes=set(OrgUnit.objects.values_list("code", flat=True)))
            run.progress(0, len(table), _("Writing %(count)s rows") % {"count": len(table)})
            summary = actions.do_import_exchange(table, acting_user=run.user,
                                                 batch_file=ContentFile(data, name=filename),
                                                 progress=lambda done, total: run.progress(done, total))
        except ExchangeRejected as rejected:
            errors = [{"sheet": e.sheet, "row": e.row, "column": e.column, "message": e.message}
                      for e in rejected.errors]
            raise TaskFailed(_("The file was refused: %(count)s problem(s); nothing was written.")
                             % {"count": len(errors)}, {"errors": errors}) from None
        except ImportRejected as rejected:
            errors = [e.as_dict() for e in rejected.errors]
            raise TaskFailed(_("The file was refused: %(count)s problem(s); nothing was written.")
                             % {"count": len(errors)}, {"errors": errors}) from None
    run.progress(summary["rows"], summary["rows"],
                 _("%(rows)s rows imported: %(entities_created)s entities created, %(entities_updated)s updated.")
                 % summary)
    return summary


@task("entities.run_assessment")
def run_assessment(run: TaskRun) -> dict:
    """Assess a unit's entities for an application year and store the results
    (``actions.do_run_assessment``); params ``year``, ``unit`` (code), ``on`` (optional)."""
    import datetime

    from django.urls import reverse

    unit = OrgUnit.objects.get(code=run.params["unit"])
    on = run.params.get("on")
    try:
        stored = actions.do_run_assessment(
            year=int(run.params["year"]), unit=unit, acting_user=run.user,
            on=datetime.date.fromisoformat(on) if on else None,
            progress=lambda done, total, message="": run.progress(done, total, message))
    except ExchangeRejected as rejected:
        errors = [{"sheet": e.sheet, "row": e.row, "column": e.column, "message": e.message}
                  for e in rejected.errors]
        raise TaskFailed(_("The registry's facts were refused: %(count)s problem(s); nothing was stored.")
                         % {"count": len(errors)}, {"errors": errors}) from None
    return {"run": stored.pk, "year": stored.year, "entities": stored.entity_count, "counts": stored.counts,
            "rule_version": stored.rule_version,
            "url": reverse("entities:assessment_list") + f"?year={stored.year}"}
