"""Fill translations into a catalog from a Python file holding a dict ``KO`` (msgid -> Korean).

    python scripts/fill_catalog.py web path/to/translations.py

Only empty translations are filled (existing ones are kept); prints what is still missing.
"""

from __future__ import annotations

import runpy
import sys

from babel.messages.pofile import read_po, write_po

from riskmodel.i18n import catalog_path


def main(domain: str, source: str) -> int:
    table = runpy.run_path(source)["KO"]
    path = catalog_path("ko", domain)
    with open(path, "rb") as fh:
        catalog = read_po(fh, locale="ko", domain=domain)
    missing = []
    for message in catalog:
        if not message.id or message.string:
            continue
        if message.id in table:
            message.string = table[message.id]
        else:
            missing.append(message.id)
    with open(path, "wb") as fh:
        write_po(fh, catalog, width=100, sort_output=True)
    for m in missing:
        print(f"missing: {m!r}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
