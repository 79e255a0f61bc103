"""Front-end files come from their npm packages, pinned and checked (ops/fetch_assets.py)."""

import io
import tarfile

import pytest
from django.contrib.staticfiles import finders

from ops import fetch_assets


def test_the_dashboard_bundle_is_found_by_the_static_files_finder():
    found = finders.find("vendor/plotly-basic.min.js")
    assert found, "run `python ops/fetch_assets.py` (the Makefile does)"
    with open(found, "rb") as handle:
        assert b"plotly.js (basic - minified) v4.1.1" in handle.read(400)


def test_a_tarball_that_does_not_match_its_pinned_integrity_writes_nothing(tmp_path, monkeypatch):
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w:gz") as tar:
        data = b"alert('not plotly')"
        info = tarfile.TarInfo("package/plotly-basic.min.js")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))

    class Reply(io.BytesIO):
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(fetch_assets.urllib.request, "urlopen", lambda url, timeout: Reply(archive.getvalue()))
    target = tmp_path / "plotly-basic.min.js"
    package, version, integrity, member, _name = fetch_assets.ASSETS[0]
    with pytest.raises(SystemExit, match="does not match its pinned integrity"):
        fetch_assets.fetch(package, version, integrity, member, target)
    assert not target.exists()
    good = fetch_assets.integrity_of(archive.getvalue())
    fetch_assets.fetch(package, version, good, member, target)
    assert target.read_bytes() == data and fetch_assets.current(good, target)
