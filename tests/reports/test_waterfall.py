"""Waterfalls as HTML: the same steps as SHAP's, adding up to the score, in the product's words."""

import numpy as np
import pandas as pd

from riskmodel.explanations import Explanation
from riskmodel.reports.waterfall import render_waterfall, waterfall


def _explanation(contributions: dict, base=-2.0) -> Explanation:
    values = pd.DataFrame({k: [float(i)] for i, k in enumerate(contributions)})
    return Explanation(
        "safety",
        np.array(["P<1>"]),
        values,
        pd.DataFrame({k: [v] for k, v in contributions.items()}),
        base,
        [],
    )


def test_the_steps_add_up_from_the_base_to_the_score_largest_first():
    phi = {f"f{i}": (-1) ** i * 0.1 * (i + 1) for i in range(14)}
    w = waterfall(_explanation(phi), 0, max_rows=5)
    assert len(w.rows) == 5 and w.rows[-1].label == "10 other features"
    assert [abs(r.contribution) for r in w.rows[:4]] == sorted(
        (abs(v) for v in phi.values()), reverse=True
    )[:4]
    assert np.isclose(sum(r.contribution for r in w.rows), sum(phi.values()))
    assert np.isclose(w.final, -2.0 + sum(phi.values()))
    assert np.isclose(w.rows[0].end, w.final)  # the largest step ends at the score
    for upper, lower in zip(w.rows, w.rows[1:], strict=False):
        assert np.isclose(lower.end, upper.start)  # each step starts where the one below ends
    for row in w.rows:
        assert 0 <= w.left(row) and w.left(row) + w.width(row) <= 100 + 1e-9


def test_the_html_uses_the_words_given_and_escapes_them():
    w = waterfall(_explanation({"a": 0.3, "b": -0.2}), 0, words=lambda f, v: f"<{f}> & co")
    html = render_waterfall(w)
    assert "&lt;a&gt; &amp; co" in html and "<a>" not in html
    assert "P&lt;1&gt;" in html and "x1.35" in html and "x0.82" in html
    assert 'class="wf-up"' in html and 'class="wf-down"' in html


def test_the_waterfall_speaks_korean():
    phi = {f"f{i}": 0.1 * (i + 1) for i in range(12)}
    w = waterfall(_explanation(phi), 0, max_rows=5, lang="ko")
    assert w.rows[-1].label == "기타 특성 8개"
    html = render_waterfall(w, lang="ko")
    assert "기준값" in html and "기여도" in html and "x" in html
    assert "base value" not in html
