"""Fixtures of the cross-app tests: the browser ones come from tests/browsing.py."""

from tests.browsing import chromium, page, site  # noqa: F401
