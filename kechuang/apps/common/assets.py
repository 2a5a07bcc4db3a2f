"""The vendored front-end files the pages load: served by the platform, never a CDN."""

from __future__ import annotations

import posixpath
import re

REQUIRED_ASSETS = [
    "vendor/bootstrap/css/bootstrap.min.css",
    "vendor/bootstrap/js/bootstrap.bundle.min.js",
    "vendor/bootstrap-icons/font/bootstrap-icons.min.css",
    "vendor/echarts/echarts.min.js",
    "vendor/htmx/htmx.min.js",
    "vendor/noto-sans-sc/400.css",
    "vendor/noto-sans-sc/700.css",
    "kechuang/app.css",
    "kechuang/app.js",
    "kechuang/favicon.svg",
]

_CSS_URL = re.compile(r"""url\(\s*["']?([^"')]+?)["']?\s*\)""")


def referenced_files(css_path: str, css_text: str) -> list[str]:
    """Static paths that a stylesheet loads through url(…), resolved against its folder."""
    files = []
    for target in _CSS_URL.findall(css_text):
        if target.startswith(("data:", "#")):
            continue
        clean = target.split("?", 1)[0].split("#", 1)[0]
        files.append(posixpath.normpath(posixpath.join(posixpath.dirname(css_path), clean)))
    return files


def missing_assets() -> list[str]:
    """Required assets, and the fonts and images their stylesheets load, that are missing."""
    from django.contrib.staticfiles import finders

    missing = []
    for path in REQUIRED_ASSETS:
        found = finders.find(path)
        if not found:
            missing.append(path)
            continue
        if path.endswith(".css"):
            with open(found, encoding="utf-8") as handle:
                missing += [f for f in referenced_files(path, handle.read()) if not finders.find(f)]
    return missing
