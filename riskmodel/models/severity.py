"""The severity model: how large a loss is, per incident, by kind, category and public exposure.

Incidents are thin (a few per hundred products), and thinnest where riskmodel is most needed: new
categories. So severity is a small, credibility-weighted parametric model rather than a boosted one
(the README compares it with a LightGBM Gamma model on held-out incidents). For each kind
(performance, safety) a ground-up loss is a mixture of two lognormals:

- without bodily injury: ``log X ~ Normal(mu_c, sigma_c)`` for category ``c``;
- with bodily injury (probability ``p_ce``): the same loss times an injury factor ``F``,
  ``log F ~ Normal(delta_c, tau)``, so ``log X ~ Normal(mu_c + delta_c, sqrt(sigma_c^2 + tau^2))``.

Each category parameter is a Bühlmann-Straub blend of the category's own incidents with the
portfolio (:mod:`riskmodel.credibility`), so a category with few incidents leans on the portfolio
and a category with none (or one unseen in training) gets the portfolio's values:

- ``mu_c``: credibility-weighted mean log loss of the category's incidents without injury;
- ``sigma_c``: the category's own log-sd blended with the pooled one by the same weight;
- ``delta_c``: the bodily-injury uplift (mean log loss of injury incidents over ``mu_c``),
  blended with the uplift of all injury incidents of the kind (of both kinds when a kind has fewer
  than ``min_injuries``); ``tau`` is what injury losses vary beyond their category's ``sigma_c``;
- ``p_ce = a_c * r_e``: the injury share of category ``c`` (credibility-weighted) times a
  relativity for the public exposure ``e`` (closed site, restricted, open public), both estimated
  by minimum bias (alternating marginal totals) over all incidents of the kind.

The expected payment of a policy layer is exact under this mixture
(:func:`riskmodel.layers.mixture_layer_expectation`).

Examples
--------
>>> from riskmodel.synthetic import generate_portfolio
>>> portfolio, _ = generate_portfolio(3000, seed=1)
>>> sev = SeverityModel().fit(portfolio)
>>> pay = sev.layer_payment("safety", ["drone"], ["open_public"], [0.0], [1e12])
>>> bool(pay[0] > 0)
True
"""

from __future__ import annotations

from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.utils._param_validation import Interval, validate_parameter_constraints

from riskmodel.contract import CATEGORIES, PUBLIC_EXPOSURE_LEVELS, TARGETS
from riskmodel.credibility import CredibilityFit, buhlmann_straub
from riskmodel.layers import mixture_layer_expectation
from riskmodel.portfolio import Portfolio

__all__ = ["SeverityModel"]

_MIN_BIAS_ROUNDS = 20
#: Floor of every log-sd: a handful of equal losses does not prove a loss can never differ.
_MIN_SIGMA = 0.05


class SeverityModel:
    """Credibility-weighted lognormal mixture of the loss per incident, per kind.

    Parameters
    ----------
    min_injuries : int, default 30
        A kind with fewer bodily-injury incidents than this pools its injury uplift and log-sd with
        the other kind's.

    Attributes
    ----------
    params_ : dict
        Per kind: ``categories`` (per category: ``mu``, ``sigma``, ``delta``, ``injury_share``,
        incident counts and credibility weights), ``complement`` (what a category with no
        incidents gets), ``injury_sd`` (``tau``) and ``exposure_relativity``.
    """

    _parameter_constraints: dict = {"min_injuries": [Interval(Integral, 1, None, closed="left")]}

    def __init__(self, min_injuries: int = 30):
        self.min_injuries = min_injuries

    # ------------------------------------------------------------------------------- fit
    def fit(self, portfolio: Portfolio, sample_weight=None) -> SeverityModel:
        """Fit on a portfolio's incidents (joined with its products' category and exposure).

        ``sample_weight`` (one per product, e.g. bootstrap multiplicities) weights each product's
        incidents.
        """
        validate_parameter_constraints(
            self._parameter_constraints,
            {"min_injuries": self.min_injuries},
            caller_name=type(self).__name__,
        )
        if portfolio.incidents is None:
            raise ValueError("severity needs outcomes: the portfolio has no incidents table")
        products = portfolio.products
        weight = (
            pd.Series(1.0, index=products["product_id"])
            if sample_weight is None
            else pd.Series(np.asarray(sample_weight, dtype=float), index=products["product_id"])
        )
        inc = portfolio.incidents.merge(
            products[["product_id", "category", "public_exposure"]], on="product_id", how="inner"
        )
        inc = inc.assign(
            w=inc["product_id"].map(weight).to_numpy(dtype=float),
            log_loss=np.log(inc["loss_krw"].astype(float).clip(lower=1.0)),
            injury=inc["bodily_injury"].fillna(False).astype(bool),
        )
        inc = inc[inc["w"] > 0]
        if inc.empty:
            raise ValueError("severity needs at least one incident with a loss, got none")
        uplift_all = self._uplift_pool(inc)
        self.params_ = {
            kind: self._fit_kind(inc[inc["kind"] == kind], inc, uplift_all) for kind in TARGETS
        }
        return self

    @staticmethod
    def _injury_factor(resid, base_var, weight, delta) -> float:
        """Log-sd of the injury factor: what injury losses vary beyond their category's base."""
        total = np.average((resid - delta) ** 2, weights=weight)
        return float(np.sqrt(max(total - np.average(base_var, weights=weight), _MIN_SIGMA**2)))

    @classmethod
    def _uplift_pool(cls, inc: pd.DataFrame) -> dict:
        """Injury uplift and factor log-sd over both kinds (for a kind with few injuries)."""
        rows = []
        for kind in TARGETS:
            sub = inc[inc["kind"] == kind]
            base = sub[~sub["injury"]]
            if base.empty:
                continue
            stats = base.groupby("category").apply(
                lambda f: pd.Series(
                    {
                        "mu": np.average(f["log_loss"], weights=f["w"]),
                        "var": np.cov(f["log_loss"], aweights=f["w"]) if len(f) > 1 else np.nan,
                    }
                ),
                include_groups=False,
            )
            inj = sub[sub["injury"]]
            if inj.empty:  # no injury of this kind: nothing to pool from it
                continue
            rows.append(
                inj.assign(
                    resid=inj["log_loss"] - inj["category"].map(stats["mu"]),
                    base_var=inj["category"].map(stats["var"]),
                ).dropna(subset=["resid", "base_var"])
            )
        resid = pd.concat(rows) if rows else pd.DataFrame(columns=["resid", "base_var", "w"])
        if resid.empty or resid["w"].sum() <= 0:
            return {"delta": float(np.log(5.0)), "tau": 0.6, "n": 0}  # no injuries anywhere
        delta = float(np.average(resid["resid"], weights=resid["w"]))
        tau = cls._injury_factor(resid["resid"], resid["base_var"], resid["w"], delta)
        return {"delta": delta, "tau": tau, "n": int(len(resid))}

    def _fit_kind(self, sub: pd.DataFrame, inc: pd.DataFrame, pool: dict) -> dict:
        if sub.empty:  # no incident of this kind at all: borrow the other kind's shape
            sub = inc
        base = sub[~sub["injury"]]
        if base.empty:
            base = sub
        mean_fit = buhlmann_straub(base["log_loss"], base["category"], base["w"])
        mu = base["category"].map(mean_fit.table["estimate"])
        sq = (base["log_loss"] - mu) ** 2
        pooled_var = max(float(np.average(sq, weights=base["w"])), _MIN_SIGMA**2)
        own_var = (
            base.assign(sq=sq * base["w"]).groupby("category")["sq"].sum()
            / base.groupby("category")["w"].sum()
        )
        z_mean = mean_fit.table["z"]
        sigma = np.sqrt(
            z_mean * own_var.reindex(z_mean.index).fillna(pooled_var) + (1 - z_mean) * pooled_var
        ).clip(lower=_MIN_SIGMA)

        inj = sub[sub["injury"]]
        if len(inj) >= self.min_injuries:
            resid = inj["log_loss"] - inj["category"].map(mean_fit.table["estimate"]).fillna(
                mean_fit.complement
            )
            uplift_fit: CredibilityFit | None = buhlmann_straub(resid, inj["category"], inj["w"])
            base_var = inj["category"].map(sigma**2).fillna(pooled_var)
            tau = self._injury_factor(
                resid, base_var, inj["w"], inj["category"].map(uplift_fit.table["estimate"])
            )
            delta_complement = uplift_fit.complement
        else:
            uplift_fit, delta_complement, tau = None, pool["delta"], pool["tau"]

        share, relativity, share_fit = self._injury_share(sub)
        categories = {}
        for cat in sorted(set(mean_fit.table.index) | set(share_fit.table.index)):
            in_mean = cat in mean_fit.table.index
            categories[cat] = {
                "mu": float(mean_fit.table.loc[cat, "estimate"])
                if in_mean
                else mean_fit.complement,
                "sigma": float(sigma.get(cat, np.sqrt(pooled_var))),
                "delta": float(uplift_fit.estimate([cat])[0]) if uplift_fit else delta_complement,
                "injury_share": float(share.get(cat, share_fit.complement)),
                "incidents": int((sub["category"] == cat).sum()),
                "injuries": int(((sub["category"] == cat) & sub["injury"]).sum()),
                "credibility_mean": float(mean_fit.weight([cat])[0]),
                "credibility_injury": float(share_fit.weight([cat])[0]),
                "credibility_uplift": float(uplift_fit.weight([cat])[0]) if uplift_fit else 0.0,
            }
        return {
            "categories": categories,
            "complement": {
                "mu": mean_fit.complement,
                "sigma": float(np.sqrt(pooled_var)),
                "delta": delta_complement,
                "injury_share": share_fit.complement,
            },
            "injury_sd": tau,
            "exposure_relativity": relativity,
            "incidents": int(len(sub)),
            "k_mean": float(mean_fit.k),
            "k_injury": float(share_fit.k),
        }

    @staticmethod
    def _injury_share(sub: pd.DataFrame) -> tuple[dict, dict, CredibilityFit]:
        """Minimum-bias ``p_ce = a_c * r_e``, then Bühlmann-Straub on ``a_c``."""
        levels = list(PUBLIC_EXPOSURE_LEVELS)
        rel = pd.Series(1.0, index=levels)
        cats = sorted(sub["category"].unique())
        a = pd.Series(float(np.average(sub["injury"], weights=sub["w"])), index=cats)
        w, y = sub["w"], sub["injury"].astype(float) * sub["w"]
        for _ in range(_MIN_BIAS_ROUNDS):
            exp_by_cat = (w * sub["public_exposure"].map(rel)).groupby(sub["category"]).sum()
            a = (y.groupby(sub["category"]).sum() / exp_by_cat).fillna(0.0)
            exp_by_level = (w * sub["category"].map(a)).groupby(sub["public_exposure"]).sum()
            observed = y.groupby(sub["public_exposure"]).sum()
            rel = (observed / exp_by_level).reindex(levels).fillna(1.0)
            rel = rel.where(rel > 0, 1.0)
            mean_rel = float(np.average(sub["public_exposure"].map(rel), weights=w))
            rel = rel / mean_rel
        scale = sub["public_exposure"].map(rel).to_numpy()
        # each incident says "injured or not" about its category's base share, scaled by r_e
        fit = buhlmann_straub(
            sub["injury"].astype(float) / scale, sub["category"], sub["w"] * scale
        )
        share = {c: float(np.clip(v, 0.0, 1.0)) for c, v in fit.table["estimate"].items()}
        return share, {k: float(v) for k, v in rel.items()}, fit

    # --------------------------------------------------------------------------- predict
    def _check_fitted(self) -> None:
        if not hasattr(self, "params_"):
            raise RuntimeError("this SeverityModel is not fitted yet: call fit() or from_state()")

    def components(self, kind: str, categories, exposures) -> dict[str, np.ndarray]:
        """Mixture parameters per row: ``p`` (injury probability), ``mu``, ``sigma``,
        ``mu_bi``, ``sigma_bi``. A category without incidents gets the complement."""
        self._check_fitted()
        if kind not in self.params_:
            raise ValueError(f"kind must be one of {list(self.params_)}, got {kind!r}")
        par = self.params_[kind]
        cats = pd.Series(np.asarray(categories, dtype=object))
        table = pd.DataFrame(par["categories"]).T
        comp = par["complement"]

        def col(name):
            return cats.map(table[name] if len(table) else {}).fillna(comp[name]).to_numpy(float)

        rel = pd.Series(np.asarray(exposures, dtype=object)).map(par["exposure_relativity"])
        p = np.clip(col("injury_share") * rel.fillna(1.0).to_numpy(float), 0.0, 0.95)
        mu, sigma = col("mu"), col("sigma")
        return {
            "p": p,
            "mu": mu,
            "sigma": sigma,
            "mu_bi": mu + col("delta"),
            "sigma_bi": np.sqrt(sigma**2 + par["injury_sd"] ** 2),
        }

    def layer_payment(self, kind: str, categories, exposures, deductible, limit) -> np.ndarray:
        """Expected payment per incident of ``kind`` within the layer, per row (KRW)."""
        c = self.components(kind, categories, exposures)
        return mixture_layer_expectation(
            np.asarray(deductible, dtype=float),
            np.asarray(limit, dtype=float),
            (1 - c["p"], c["p"]),
            (c["mu"], c["mu_bi"]),
            (c["sigma"], c["sigma_bi"]),
        )

    def mean(self, kind: str, categories, exposures) -> np.ndarray:
        """Expected ground-up loss per incident (no deductible, no limit)."""
        n = len(np.asarray(categories))
        return self.layer_payment(kind, categories, exposures, np.zeros(n), np.full(n, np.inf))

    def credibility_table(self) -> pd.DataFrame:
        """Per kind and category: incidents, injuries, credibility weights and parameters."""
        self._check_fitted()
        rows = []
        for kind, par in self.params_.items():
            for cat in sorted(set(CATEGORIES) | set(par["categories"])):
                values = par["categories"].get(cat) or {
                    **par["complement"],
                    "incidents": 0,
                    "injuries": 0,
                    "credibility_mean": 0.0,
                    "credibility_injury": 0.0,
                    "credibility_uplift": 0.0,
                }
                rows.append({"kind": kind, "category": cat, **values})
            rows.append(
                {
                    "kind": kind,
                    "category": "(complement: new category)",
                    **par["complement"],
                    "incidents": 0,
                    "injuries": 0,
                    "credibility_mean": 0.0,
                    "credibility_injury": 0.0,
                    "credibility_uplift": 0.0,
                }
            )
        return pd.DataFrame(rows)

    # ------------------------------------------------------------------------ persistence
    def to_state(self) -> dict:
        self._check_fitted()
        return {"min_injuries": self.min_injuries, "params": self.params_}

    @classmethod
    def from_state(cls, state: dict) -> SeverityModel:
        model = cls(min_injuries=state["min_injuries"])
        model.params_ = state["params"]
        return model
