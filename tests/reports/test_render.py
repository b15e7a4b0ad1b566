"""Look at the audit report as a person would: headless Chromium renders it with no console error,
every section and plot is there, and a screenshot is saved with the test run."""

import pytest

from riskmodel.pricing import PricingConfig
from riskmodel.reports.audit import SECTIONS, write_audit
from riskmodel.reports.render import chromium_path, render_in_chromium
from riskmodel.validation import validate_tables
from tests.conftest import REPO

#: End to end: trains or runs whole jobs (still part of `make test`).
pytestmark = pytest.mark.slow

SHOTS = REPO / "reports" / "test-screenshots"
PLOTS = ("#lift-plot img", "#lorenz-plot img", ".pd-plot img", ".ae-plot img")


@pytest.fixture(scope="module")
def report_file(model, holdout, tmp_path_factory):
    portfolio, _ = holdout
    data = validate_tables(portfolio.tables())
    return write_audit(
        model, data, PricingConfig(), tmp_path_factory.mktemp("audit") / "audit.html"
    )


def test_the_report_renders_in_chromium_with_every_section_and_plot(report_file):
    if chromium_path() is None:
        pytest.fail("Chromium is missing: `make test` installs Debian's chromium (make chromium)")
    shot = SHOTS / "audit-report.png"
    seen = render_in_chromium(report_file, sections=SECTIONS, selectors=PLOTS, screenshot=shot)
    assert seen.errors == []
    assert all(seen.sections.values()) and set(seen.sections) == set(SECTIONS)
    assert len(seen.image_widths) >= 20 and min(seen.image_widths) > 50  # every plot decoded
    assert all(count >= 1 for count in seen.selectors.values()), seen.selectors
    assert shot.stat().st_size > 20_000
