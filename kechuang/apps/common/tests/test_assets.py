"""Every asset a page loads is served by the platform itself (no CDN, no missing font)."""

from __future__ import annotations

import re

import pytest

from kechuang.apps.common.assets import missing_assets, referenced_files


def test_stylesheet_urls_resolve_against_the_stylesheets_folder():
    css = "a{src:url(./files/x-400.woff2) format('woff2')} b{src:url(\"fonts/i.woff2?v=1\")} c{x:url(data:image/png;base64,AA)}"
    assert referenced_files("vendor/f/400.css", css) == ["vendor/f/files/x-400.woff2", "vendor/f/fonts/i.woff2"]


def test_every_vendored_file_and_everything_its_stylesheets_load_is_there():
    assert missing_assets() == []


@pytest.mark.django_db
def test_every_asset_a_page_links_is_served_with_success(people, login):
    client = login(people.admin)
    page = client.get("/home/").content.decode()
    linked = re.findall(r"""(?:src|href)="(/static/[^"]+)\"""", page)
    for path in ("vendor/bootstrap/css/bootstrap.min.css", "vendor/bootstrap/js/bootstrap.bundle.min.js",
                 "vendor/bootstrap-icons/font/bootstrap-icons.min.css", "vendor/noto-sans-sc/400.css",
                 "kechuang/app.css", "kechuang/app.js"):
        assert f"/static/{path}" in linked, path
    for url in linked:
        response = client.get(url)
        assert response.status_code == 200, url
        content = b"".join(response.streaming_content) if response.streaming else response.content
        assert content, url
