"""Extract the messages of every domain and merge them into the Korean catalogs.

    python scripts/update_catalogs.py            # update riskmodel/locale/ko/LC_MESSAGES/*.po
    python scripts/update_catalogs.py --check    # exit 1 if a message is new or untranslated
                                                 # (writes nothing)

New messages are added with an empty translation (to be filled in, in the words of
``riskmodel/locale/glossary.toml``); messages no longer in the code are dropped; translations
are kept. ``tests/test_i18n.py`` fails while any message lacks its translation.
"""

from __future__ import annotations

import argparse
import sys

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from riskmodel.i18n import DOMAINS, LANGUAGES, catalog_path, extract_messages


def update(domain: str, lang: str, *, write: bool = True) -> list[str]:
    """Merge ``domain``'s messages into the ``lang`` catalog (written back unless ``write`` is
    false); the msgids still untranslated (new ones included)."""
    path = catalog_path(lang, domain)
    old = None
    if path.exists():
        with open(path, "rb") as fh:
            old = read_po(fh, locale=lang, domain=domain)
    catalog = Catalog(locale=lang, domain=domain, project="riskmodel", fuzzy=False)
    for key, places in sorted(extract_messages(domain).items()):
        msgid = tuple(key.split("\x00")) if "\x00" in key else key
        previous = old.get(msgid) if old is not None else None
        string = previous.string if previous is not None else ("", "") if "\x00" in key else ""
        catalog.add(msgid, string, locations=[(f"riskmodel/{p}", n) for p, n in places])
    if write:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as fh:
            write_po(fh, catalog, width=100, omit_header=False, sort_output=True)
    return [
        str(m.id)
        for m in catalog
        if m.id and (not m.string or (isinstance(m.string, tuple) and not all(m.string)))
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail on untranslated messages")
    parser.add_argument("--domain", choices=DOMAINS, action="append")
    args = parser.parse_args(argv)
    missing = 0
    for domain in args.domain or DOMAINS:
        for lang in LANGUAGES[1:]:
            untranslated = update(domain, lang, write=not args.check)
            missing += len(untranslated)
            print(f"{domain} {lang}: {len(untranslated)} untranslated")
            for msgid in untranslated[:20]:
                print(f"  {msgid!r}")
    return 1 if args.check and missing else 0


if __name__ == "__main__":
    sys.exit(main())
