"""Permission-checked fetches: another unit's document, or its finding, is "not found"."""

from __future__ import annotations

from django.http import Http404

from .models import Document, Finding


def access_document(user, pk, capability: str = "review.view_document") -> Document:
    try:
        return Document.objects.visible_to(user, capability).select_related("org_unit").get(pk=pk)
    except (Document.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def access_finding(user, document: Document, pk) -> Finding:
    """A finding of a document the caller already reached (through ``access_document``)."""
    try:
        return Finding.objects.select_related("run__document").get(pk=pk, run__document=document)
    except (Finding.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
