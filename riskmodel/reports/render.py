"""Open a report in headless Chromium the way a person would: collect console errors, check what
is on the page, and save a screenshot. Needs Debian's ``chromium`` (``make chromium``) and the
``playwright`` package; no browser is downloaded.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["RenderResult", "render_in_chromium", "chromium_path"]

# Chromium's background services try the network at start; this machine has none.
_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def chromium_path() -> str | None:
    """Debian's Chromium, if installed."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    return found or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)


@dataclass
class RenderResult:
    """What the browser saw."""

    errors: list[str] = field(default_factory=list)
    sections: dict[str, bool] = field(default_factory=dict)  # id -> heading visible
    image_widths: list[int] = field(default_factory=list)
    selectors: dict[str, int] = field(default_factory=dict)  # CSS selector -> matches


def render_in_chromium(
    html_file: str | os.PathLike,
    *,
    sections: tuple[str, ...] = (),
    selectors: tuple[str, ...] = (),
    screenshot: str | os.PathLike | None = None,
    width: int = 1200,
    height: int = 900,
) -> RenderResult:
    """Load ``html_file`` in headless Chromium and report console errors, which ``sections``
    (element ids) have a visible heading, the natural width of every image, and how many elements
    match each of ``selectors``; save a PNG of the first screen to ``screenshot``."""
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    if executable is None:
        raise FileNotFoundError("Chromium is not installed: run `make chromium`")
    result = RenderResult()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=list(_ARGS))
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.on(
                "console", lambda m: result.errors.append(m.text) if m.type == "error" else None
            )
            page.on("pageerror", lambda e: result.errors.append(str(e)))
            page.goto(Path(html_file).resolve().as_uri())
            page.wait_for_load_state("load")
            for section in sections:
                heading = page.locator(f"section#{section} h2")
                result.sections[section] = heading.count() == 1 and heading.is_visible()
            result.image_widths = page.eval_on_selector_all(
                "img", "els => els.map(e => e.naturalWidth)"
            )
            result.selectors = {s: page.locator(s).count() for s in selectors}
            if screenshot is not None:
                Path(screenshot).parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(screenshot), full_page=False)
        finally:
            browser.close()
    return result
