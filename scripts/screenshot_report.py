"""Render an HTML report in headless Chromium and save a screenshot of its first screen.

python scripts/screenshot_report.py reports/demo/audit.html docs/audit-report.png
"""

from __future__ import annotations

import argparse


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("html")
    parser.add_argument("png")
    parser.add_argument("--width", type=int, default=1200)
    parser.add_argument("--height", type=int, default=900)
    args = parser.parse_args()
    from riskmodel.reports.render import render_in_chromium

    seen = render_in_chromium(args.html, screenshot=args.png, width=args.width, height=args.height)
    print(f"saved {args.png}; console errors: {len(seen.errors)}")
    for error in seen.errors:
        print(f"  {error}")


if __name__ == "__main__":
    main()
