"""Every write to the document registry: ``do_<verb>_<noun>(…, acting_user)``, audited.

Reviewing is part of the write: a document is created (or revised) together with the
review of its text, in one transaction, so that a file the engine refuses leaves nothing
behind (see ``analysis`` for why the review runs synchronously).
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.apps.accounts.models import OrgUnit
from kechuang.apps.audit import record, snapshot
from kechuang.engine.review import ReviewError

from . import analysis as review_analysis
from .models import Document, Finding, ReviewRun

Status = Document.Status

#: the fields an edit may change (the status has its own action)
EDITABLE_FIELDS = ["title", "number", "drafted_on", "published_on", "repealed_on"]
#: what an audit entry shows of a document (the text itself is left out: it may be long)
AUDITED_FIELDS = ["title", "number", "org_unit", "status", "drafted_on", "published_on", "repealed_on", "source",
                  "file_name", "violation_count", "suspect_count", "note_count", "open_count", "confirmed_count"]
DECISION_FIELDS = ["decision", "decision_reason", "decided_by", "decided_at"]

#: status → the statuses it may change to
TRANSITIONS: dict[str, tuple[str, ...]] = {
    Status.DRAFT: (Status.UNDER_REVIEW,),
    Status.UNDER_REVIEW: (Status.DRAFT, Status.PUBLISHED),
    Status.PUBLISHED: (Status.PROPOSED_REPEAL,),
    Status.PROPOSED_REPEAL: (Status.PUBLISHED, Status.REPEALED),
    Status.REPEALED: (),
}
#: the statuses a document may be registered in
INITIAL_STATUSES = (Status.DRAFT, Status.UNDER_REVIEW, Status.PUBLISHED)
#: the statuses in which the text may still be revised
REVISABLE_STATUSES = (Status.DRAFT, Status.UNDER_REVIEW)


def _audit(document: Document) -> dict:
    # The file by its stored name (``snapshot`` cannot read an empty FileField).
    return {**snapshot(document, AUDITED_FIELDS), "file": document.file.name or None}


def _require_unit(acting_user, unit: OrgUnit) -> None:
    if acting_user is None or acting_user.is_superuser:
        return
    if not OrgUnit.objects.visible_to(acting_user, "review.manage_document").filter(pk=unit.pk).exists():
        raise ValidationError({"org_unit": _("“%(unit)s” is outside your units.") % {"unit": unit.name}})


def _analyse(text: str | None, upload) -> review_analysis.Analysis:
    """Review the content given: a file or a text, exactly one of them."""
    if upload is not None and text and text.strip():
        raise ValidationError(_("Give either a file or a text, not both."))
    if upload is None and not text:
        raise ValidationError(_("Upload the document or paste its text."))
    try:
        if upload is not None:
            return review_analysis.analyse_upload(upload)
        return review_analysis.analyse_text(text)
    except ReviewError as error:
        field = "file" if upload is not None else "text"
        raise ValidationError({field: ValidationError(error.message, code=error.code)}) from None


def _save_run(document: Document, result: review_analysis.Analysis, *, acting_user) -> ReviewRun:
    """Store a run and its findings; keep decisions made on the same findings before."""
    previous = document.latest_run()
    run = ReviewRun(document=document, number=(previous.number + 1) if previous else 1,
                    created_by=acting_user if getattr(acting_user, "pk", None) else None,
                    source=result.source, file_name=result.file_name, chars=len(result.text),
                    clause_count=result.clause_count, seconds=round(result.seconds, 4),
                    paragraphs=result.paragraphs)
    if document.file and result.source != Document.Source.TEXT:
        run.file.name = document.file.name
    run.save()
    earlier: dict[tuple[str, str, str], Finding] = {}
    if previous is not None:
        for old in previous.findings.exclude(decision=Finding.Decision.PENDING):
            earlier.setdefault((old.clause, old.article, old.item), old)
    findings = []
    for position, (finding, index) in enumerate(zip(result.findings, result.clause_indexes, strict=True)):
        row = Finding(run=run, position=position, clause_index=index, **review_analysis.finding_fields(finding))
        old = earlier.get((row.clause, row.article, row.item))
        if old is not None:
            row.decision, row.decision_reason = old.decision, old.decision_reason
            row.decided_by_id, row.decided_at, row.carried_from = old.decided_by_id, old.decided_at, old
        findings.append(row)
    Finding.objects.bulk_create(findings, batch_size=500)
    _refresh_counts(document, run)
    return run


def _refresh_counts(document: Document, run: ReviewRun) -> None:
    levels = list(run.findings.values_list("level", "decision"))
    document.violation_count = sum(1 for level, _d in levels if level == Finding.Level.VIOLATION)
    document.suspect_count = sum(1 for level, _d in levels if level == Finding.Level.SUSPECT)
    document.note_count = sum(1 for level, _d in levels if level == Finding.Level.NOTE)
    document.open_count = sum(1 for level, decision in levels
                              if level != Finding.Level.NOTE and decision == Finding.Decision.PENDING)
    document.confirmed_count = sum(1 for _l, decision in levels if decision == Finding.Decision.CONFIRMED)
    document.reviewed_at = run.created_at


def _summary(run: ReviewRun) -> dict:
    return {"run": run.number, "clauses": run.clause_count, "findings": run.findings.count()}


@transaction.atomic
def do_create_document(*, acting_user, title: str, org_unit: OrgUnit, number: str = "",
                       status: str = Status.DRAFT, drafted_on: datetime.date | None = None,
                       published_on: datetime.date | None = None, text: str | None = None,
                       upload=None) -> Document:
    """Register a document with its text (pasted, or read from a .docx/.pdf/.txt file) and
    review it. A file or text the engine refuses raises ValidationError and saves nothing.
    Audit verb ``review.document.create``."""
    _require_unit(acting_user, org_unit)
    if status not in INITIAL_STATUSES:
        raise ValidationError({"status": _("A document is registered as a draft, under review or published.")})
    result = _analyse(text, upload)
    document = Document(title=(title or "").strip(), number=(number or "").strip(), org_unit=org_unit,
                        status=status, drafted_on=drafted_on, published_on=published_on, source=result.source,
                        text=result.text, file_name=result.file_name, created_by=acting_user,
                        modified_by=acting_user)
    document.full_clean(exclude=["file"])
    if upload is not None:
        upload.seek(0)
        document.file.save(result.file_name, File(upload, name=result.file_name), save=False)
    document.save()
    run = _save_run(document, result, acting_user=acting_user)
    document.save()
    record("review.document.create", document, actor=acting_user, after={**_audit(document), **_summary(run)})
    return document


@transaction.atomic
def do_update_document(document: Document, *, acting_user, org_unit: OrgUnit | None = None, **fields) -> Document:
    """Correct a document's particulars (title, number, drafting unit, dates).
    Audit verb ``review.document.update``."""
    _require_unit(acting_user, document.org_unit)
    before = _audit(document)
    if org_unit is not None and org_unit.pk != document.org_unit_id:
        _require_unit(acting_user, org_unit)
        document.org_unit = org_unit
    for key, value in fields.items():
        if key in EDITABLE_FIELDS:
            setattr(document, key, value.strip() if isinstance(value, str) else value)
    document.modified_by = acting_user
    document.full_clean()
    document.save()
    record("review.document.update", document, actor=acting_user, before=before, after=_audit(document))
    return document


@transaction.atomic
def do_revise_document(document: Document, *, acting_user, text: str | None = None, upload=None) -> ReviewRun:
    """Replace a draft's text with a revised one and review it again in a new run; a
    decision carries over to the same finding on an unchanged clause.
    Audit verb ``review.document.revise``."""
    _require_unit(acting_user, document.org_unit)
    if document.status not in REVISABLE_STATUSES:
        raise ValidationError(_("Only a draft or a document under review can be revised."))
    before = {**_audit(document), "text_chars": len(document.text)}
    result = _analyse(text, upload)
    document.text, document.source, document.file_name = result.text, result.source, result.file_name
    if upload is not None:
        upload.seek(0)
        document.file.save(result.file_name, File(upload, name=result.file_name), save=False)
    else:
        document.file = ""
    document.modified_by = acting_user
    document.save()
    run = _save_run(document, result, acting_user=acting_user)
    document.save()
    record("review.document.revise", document, actor=acting_user, before=before,
           after={**_audit(document), "text_chars": len(document.text), **_summary(run)})
    return run


@transaction.atomic
def do_review_document_again(document: Document, *, acting_user) -> ReviewRun:
    """Review the document's current text again (after the rules or the register changed).
    Audit verb ``review.document.review``."""
    _require_unit(acting_user, document.org_unit)
    if document.status == Status.REPEALED:
        raise ValidationError(_("A repealed document is not reviewed any more."))
    before = _audit(document)
    try:
        if document.file and document.source != Document.Source.TEXT:
            with document.file.open("rb") as handle:
                result = review_analysis.analyse_upload(File(handle, name=document.file_name or document.file.name))
        else:
            result = review_analysis.analyse_text(document.text)
    except ReviewError as error:
        raise ValidationError(error.message, code=error.code) from None
    run = _save_run(document, result, acting_user=acting_user)
    document.modified_by = acting_user
    document.save()
    record("review.document.review", document, actor=acting_user, before=before,
           after={**_audit(document), **_summary(run)})
    return run


@transaction.atomic
def do_change_document_status(document: Document, *, acting_user, status: str,
                              effective_on: datetime.date | None = None, note: str = "") -> Document:
    """Move a document along draft → under review → published → proposed for repeal →
    repealed. Publishing needs a review whose violations and suspected findings are all
    decided and none confirmed (条例 第十七条: a measure found in breach is not issued).
    Audit verb ``review.document.status``."""
    _require_unit(acting_user, document.org_unit)
    if status not in TRANSITIONS.get(document.status, ()):
        raise ValidationError({"status": _("A document that is “%(current)s” cannot become “%(new)s”.") % {
            "current": document.get_status_display(), "new": Status(status).label if status in Status.values
            else status}})
    if status == Status.PUBLISHED and document.status == Status.UNDER_REVIEW:
        if document.latest_run() is None:
            raise ValidationError(_("The document has not been reviewed."))
        if document.open_count:
            raise ValidationError(_("%(count)s finding(s) still need a decision before the document is published.")
                                  % {"count": document.open_count})
        if document.confirmed_count:
            raise ValidationError(_("The review confirmed %(count)s finding(s): revise the text and review it again "
                                    "before publishing.") % {"count": document.confirmed_count})
    before = _audit(document)
    effective_on = effective_on or timezone.localdate()
    document.status = status
    if status == Status.PUBLISHED and document.published_on is None:
        document.published_on = effective_on
    if status == Status.REPEALED:
        document.repealed_on = effective_on
    document.modified_by = acting_user
    document.save()
    record("review.document.status", document, actor=acting_user, before=before, after=_audit(document), note=note)
    return document


@transaction.atomic
def do_decide_finding(finding: Finding, *, acting_user, decision: str, reason: str) -> Finding:
    """Confirm or dismiss a finding of the document's latest review, with a reason.
    Audit verb ``review.finding.confirm`` or ``review.finding.dismiss``."""
    document = finding.run.document
    _require_unit(acting_user, document.org_unit)
    decision = {"confirm": Finding.Decision.CONFIRMED, "dismiss": Finding.Decision.DISMISSED}.get(decision, decision)
    if decision not in (Finding.Decision.CONFIRMED, Finding.Decision.DISMISSED):
        raise ValidationError({"decision": _("Choose to confirm or to dismiss the finding.")})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the decision.")})
    if document.status == Status.REPEALED:
        raise ValidationError(_("A repealed document is not reviewed any more."))
    latest = document.latest_run()
    if latest is None or finding.run_id != latest.pk:
        raise ValidationError(_("Only the findings of the latest review can be decided."))
    before = snapshot(finding, DECISION_FIELDS)
    finding.decision, finding.decision_reason = decision, reason
    finding.decided_by = acting_user if getattr(acting_user, "pk", None) else None
    finding.decided_at = timezone.now()
    finding.carried_from = None
    finding.save()
    _refresh_counts(document, latest)
    document.modified_by = acting_user
    document.save()
    verb = "review.finding.confirm" if decision == Finding.Decision.CONFIRMED else "review.finding.dismiss"
    record(verb, finding, actor=acting_user, unit=document.org_unit, before=before,
           after=snapshot(finding, DECISION_FIELDS))
    return finding
