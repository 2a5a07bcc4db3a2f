"""Gives every request an id and remembers its address for the audit entries it causes."""

from __future__ import annotations

import re
import uuid

from . import use_context

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def client_ip(request) -> str | None:
    # The address of the direct peer; behind a proxy, KECHUANG_PROXY_COUNT tells
    # django-axes (and so us, through its helper) how many X-Forwarded-For hops to trust.
    from axes.helpers import get_client_ip_address

    return get_client_ip_address(request) or None


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        with use_context(request_id, client_ip(request)):
            response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response
