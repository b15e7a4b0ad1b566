"""Korean and English: every message translated, in the glossary's words, placeholders kept."""

from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po

from riskmodel import i18n


def _catalog(domain: str, lang: str = "ko"):
    path = i18n.catalog_path(lang, domain)
    if not path.exists():
        return None
    with open(path, "rb") as fh:
        return read_po(fh, locale=lang, domain=domain)


def _pairs(domain: str):
    catalog = _catalog(domain)
    for message in catalog or ():
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for english in ids:
            for korean in strings:
                yield english, korean


@pytest.mark.parametrize("domain", i18n.DOMAINS)
def test_every_message_in_the_code_is_translated(domain):
    found = i18n.extract_messages(domain)
    if not found:
        pytest.skip(f"no message of {domain} is marked for translation yet")
    catalog = _catalog(domain)
    assert catalog is not None, f"no Korean catalog for {domain}: run scripts/update_catalogs.py"
    missing = []
    for key, places in found.items():
        msgid = tuple(key.split("\x00")) if "\x00" in key else key
        message = catalog.get(msgid)
        strings = () if message is None else message.string
        strings = strings if isinstance(strings, tuple) else (strings,)
        if message is None or message.fuzzy or not all(strings):
            missing.append(f"{places[0][0]}:{places[0][1]}: {key!r}")
    assert not missing, (
        f"{len(missing)} message(s) of {domain} without a Korean translation "
        "(python scripts/update_catalogs.py, then translate):\n" + "\n".join(missing[:30])
    )


_PLACEHOLDER = re.compile(r"\{[a-z_0-9]*(?:[:!][^}]*)?\}|%\([a-z_0-9]+\)[sdif]|%[sd]")


@pytest.mark.parametrize("domain", i18n.DOMAINS)
def test_translations_keep_every_placeholder(domain):
    wrong = [
        (english, korean)
        for english, korean in _pairs(domain)
        if korean and sorted(_PLACEHOLDER.findall(english)) != sorted(_PLACEHOLDER.findall(korean))
    ]
    assert not wrong, wrong[:10]


@pytest.mark.parametrize("domain", i18n.DOMAINS)
def test_translations_use_the_glossary(domain):
    terms = sorted(i18n.glossary().items(), key=lambda kv: -len(kv[0]))
    wrong = []
    for english, korean in _pairs(domain):
        if not korean:
            continue
        text = _PLACEHOLDER.sub(" ", english).lower()  # a placeholder's name is not a word
        for term, korean_term in terms:
            pattern = r"(?<![\w-])" + re.escape(term.lower()) + r"(?![\w-])"
            if re.search(pattern, text):
                text = re.sub(pattern, " ", text)  # a longer term wins over its parts
                if korean_term not in korean:
                    wrong.append((english, korean, f"{term} -> {korean_term}"))
    assert not wrong, wrong[:10]


def test_the_glossary_follows_the_shared_one(shared_dir):
    shared = (shared_dir / "contract" / "GLOSSARY_KO.md").read_text(encoding="utf-8")
    for english, korean in i18n.glossary().items():
        assert korean in shared, f"{english} -> {korean} is not a term of GLOSSARY_KO.md"


def test_formats_follow_the_locale():
    assert i18n.format_krw(1234567.4, "ko") == "₩1,234,567"
    assert i18n.format_percent_value(0.1234, "en") == "12.3%"
    assert i18n.format_date("2026-12-01", "en") == "Dec 1, 2026"
    assert i18n.format_date("2026-12-01", "ko") == "2026. 12. 1."
    assert i18n.format_number(1234.5, "ko", digits=1) == "1,234.5"


@pytest.mark.parametrize(
    "header, expected",
    [
        (None, "en"),
        ("", "en"),
        ("ko", "ko"),
        ("ko-KR,ko;q=0.9,en-US;q=0.8", "ko"),
        ("en-US,en;q=0.9,ko;q=0.8", "en"),
        ("fr-FR,ko;q=0.5", "ko"),
        ("fr-FR,de;q=0.5", "en"),
        ("ko;q=0,en;q=0.1", "en"),
        ("*", "en"),
        ("ko;q=abc", "en"),
    ],
)
def test_the_language_follows_accept_language(header, expected):
    assert i18n.negotiate(header) == expected


def test_unknown_language_and_domain_are_refused():
    with pytest.raises(ValueError, match="lang must be one of en, ko; got 'fr'"):
        i18n.translations("fr", "web")
    with pytest.raises(ValueError, match="domain must be one of"):
        i18n.translations("ko", "nope")
