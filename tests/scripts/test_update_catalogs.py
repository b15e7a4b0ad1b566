"""scripts/update_catalogs.py and scripts/fill_catalog.py on a copy of the catalogs."""

from __future__ import annotations

import runpy
import shutil

import pytest
from babel.messages.pofile import read_po, write_po

from riskmodel import i18n
from tests.conftest import REPO


@pytest.fixture
def scripts():
    return {
        name: runpy.run_path(str(REPO / "scripts" / f"{name}.py"))
        for name in ("update_catalogs", "fill_catalog")
    }


@pytest.fixture
def locale(tmp_path, monkeypatch):
    shutil.copytree(i18n.LOCALE_DIR, tmp_path / "locale")
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path / "locale")
    return tmp_path / "locale"


def _blank(path, msgid):
    with open(path, "rb") as fh:
        catalog = read_po(fh, locale="ko")
    catalog[msgid].string = ""
    with open(path, "wb") as fh:
        write_po(fh, catalog, width=100, sort_output=True)


def test_the_shipped_catalogs_are_complete_and_check_writes_nothing(scripts, locale, capsys):
    before = {p: p.read_bytes() for p in locale.rglob("*.po")}
    assert scripts["update_catalogs"]["main"](["--check"]) == 0
    assert {p: p.read_bytes() for p in locale.rglob("*.po")} == before
    assert "web ko: 0 untranslated" in capsys.readouterr().out


def test_a_missing_translation_fails_the_check_and_is_filled(scripts, locale, tmp_path):
    path = locale / "ko" / "LC_MESSAGES" / "web.po"
    _blank(path, "Premium")
    assert scripts["update_catalogs"]["main"](["--check", "--domain", "web"]) == 1
    source = tmp_path / "ko.py"
    source.write_text('KO = {"Premium": "보험료"}\n', encoding="utf-8")
    assert scripts["fill_catalog"]["main"]("web", str(source)) == 0
    assert scripts["update_catalogs"]["main"](["--check", "--domain", "web"]) == 0
