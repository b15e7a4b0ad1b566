"""``monitoring.html``: actual against expected by segment, in Korean or English."""

from __future__ import annotations

from riskmodel.i18n import N_, gettext_for
from riskmodel.monitoring import ALPHA, DIMENSIONS, MonitoringResult
from riskmodel.reports.templating import environment

__all__ = ["render_monitoring"]

_DIMENSION_WORDS = {
    "overall": N_("Overall"),
    "category": N_("By category"),
    "zone": N_("By special zone"),
    "grade": N_("By grade"),
    "coverage_start_month": N_("By month of coverage start"),
    "model_version": N_("By model version"),
}


def render_monitoring(result: MonitoringResult, drift: list[dict], *, lang: str = "en") -> str:
    """The report of ``result`` (with the PSI ``drift`` rows, largest first) in ``lang``."""
    _ = gettext_for(lang, "reports")
    segments = result.segments
    tables = {
        target: {
            d: segments[(segments["target"] == target) & (segments["dimension"] == d)].to_dict(
                "records"
            )
            for d in DIMENSIONS
        }
        for target in segments["target"].unique()
    }
    return (
        environment(lang)
        .get_template("monitoring.html.j2")
        .render(
            r=result,
            lang=lang,
            tables=tables,
            alerts=int(segments["alert"].sum()),
            alpha=ALPHA,
            drift=drift,
            dimension_words={d: _(w) for d, w in _DIMENSION_WORDS.items()},
        )
    )
