"""Background tasks of the accounts app."""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from kechuang.apps.common.tabular import ImportRejected, read_table
from kechuang.apps.tasks.registry import task
from kechuang.apps.tasks.runner import TaskFailed, TaskRun

from . import actions


@task("accounts.import_org_units")
def import_org_units(run: TaskRun) -> dict:
    """Validate an uploaded org-unit table and create its units, all or nothing."""
    data = run.read_input()
    filename = run.params.get("filename", run.task.input_file.name)
    run.progress(0, None, _("Checking the file"))
    sheet = filename
    try:
        table = read_table(data, filename, actions.IMPORT_COLUMNS)
        sheet = table.sheet
        rows = actions.validate_unit_rows(table)
        run.progress(0, len(rows), _("Writing %(count)s rows") % {"count": len(rows)})
        summary = actions.do_import_org_units(
            rows, acting_user=run.user, batch_file=ContentFile(data, name=filename),
            progress=lambda done, total: run.progress(done, total),
        )
    except ImportRejected as rejected:
        errors = [{**e.as_dict(), "sheet": e.sheet or sheet} for e in rejected.errors]
        raise TaskFailed(
            _("The file was refused: %(count)s problem(s); nothing was written.") % {"count": len(errors)},
            {"errors": errors},
        ) from None
    run.progress(summary["rows"], summary["rows"], _("%(created)s unit(s) created, %(unchanged)s already present.")
                 % summary)
    return summary
