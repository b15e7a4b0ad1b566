"""The risk model: the feature pipeline and one Poisson frequency model per target.

For each product and each target (performance, safety) it estimates the expected number of incidents
in the coverage period,

    expected = exp(intercept + g_units(units_deployed) + g_months(demo_months) + F_target(x)),

where ``g_units`` and ``g_months`` are learned non-decreasing curves of the logarithms of units and
months (:mod:`riskmodel.models.exposure`: the data decide how risk grows with exposure) and
``F_target`` the boosted trees; and the risk, the probability of at least one incident:
``1 - exp(-expected)`` when incidents are Poisson, recalibrated when the held-out products show
they are not (:mod:`riskmodel.models.calibration`).

Examples
--------
(``model`` is ``RiskModel(TrainConfig(n_jobs=1)).fit(portfolio)`` on a small synthetic
``portfolio``: the examples share it.)

>>> scores = model.predict(portfolio)
>>> bool(scores["safety_risk"].between(0, 1).all())
True
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable

import numpy as np
import pandas as pd
from sklearn.exceptions import NotFittedError

from riskmodel import __version__
from riskmodel.config import TrainConfig
from riskmodel.contract import TARGETS
from riskmodel.errors import InputError, ModelIntegrityError
from riskmodel.features import UNKNOWN, feature_specs, make_feature_pipeline
from riskmodel.features.spec import FeatureSpec
from riskmodel.models.baseline import PoissonGLMBaseline
from riskmodel.models.parts import (
    DEFAULT_LAYOUT,
    BaselinesPart,
    FeaturesPart,
    FrequencyPart,
    JsonPart,
    Part,
    SeverityPart,
)
from riskmodel.models.poisson_gbm import PoissonGBMRegressor
from riskmodel.models.severity import SeverityModel
from riskmodel.portfolio import Portfolio, exposure_unit_years
from riskmodel.stability import reference_distribution

__all__ = ["RiskModel", "TrainingDataError", "UNMEASURED_LOG_SD"]

logger = logging.getLogger(__name__)

#: The log-scale standard error of an expected loss when the data are too thin to measure it
#: (fewer than two half-sample refits had incidents of each kind): a factor of about 5 either
#: side of a 90% interval at interval scale 1.
UNMEASURED_LOG_SD = 1.0


class TrainingDataError(InputError):
    """The training data lack what a model needs (e.g. any incident of one kind)."""


class RiskModel:
    """Feature pipeline plus a performance model and a safety model.

    Parameters
    ----------
    config : TrainConfig, optional
        Training choices; defaults to ``TrainConfig()``.

    Attributes
    ----------
    parts_ : dict of str to Part
        The fitted model's parts (:mod:`riskmodel.models.parts`), in order: ``features`` (the
        feature pipeline), one frequency model per target, ``severity``, ``uncertainty``, and the
        audit artefacts ``baselines`` and ``reference``. Saving, loading, the manifest and the
        version iterate over them; the attributes below read them.
    pipeline_ : FeatureUnion
        The fitted feature pipeline.
    models_ : dict of str to PoissonGBMRegressor
        One fitted frequency model per target.
    feature_specs_ : list of FeatureSpec
        Every feature's name, input group, definition and constraints.
    severity_ : SeverityModel
        The loss per incident, by kind, category and public exposure.
    baselines_ : dict of str to PoissonGLMBaseline
        Per target, the GLM and homogeneous baselines fitted on the same data (for the audit).
    reference_ : dict
        Bins and training shares of every feature and both risks (for population stability).
    uncertainty_ : dict
        Per target and category, the log-scale standard error of an expected loss, measured by
        refits on random halves of the companies (see :meth:`_fit_uncertainty`).
    manifest_ : dict
        The manifest of the model folder it was loaded from (empty right after ``fit``).
    training_ : dict
        What the model was trained on: fingerprint, products, incidents per kind, and the
        validation deviance at the chosen number of trees per target.
    version_ : str
        ``rm-`` and a content hash of the fitted pipeline and trees: equal models, equal versions.
    validation_ : DataFrame
        Right after ``fit`` only (not saved): out-of-sample predictions and observed counts of the
        products held out for early stopping, for the validation report.
    """

    def __init__(self, config: TrainConfig | None = None):
        self.config = config or TrainConfig()

    # ------------------------------------------------------------------------------- fit
    def fit(
        self, portfolio: Portfolio, progress: Callable[[str, int, int], None] | None = None
    ) -> RiskModel:
        """Fit both models on a portfolio with incidents.

        Parameters
        ----------
        portfolio : Portfolio
            Validated tables including ``incidents``.
        progress : callable, optional
            Called as ``progress(target, trees_done, max_trees)`` during boosting.
        """
        if portfolio.incidents is None:
            raise TrainingDataError("training needs outcomes: the portfolio has no incidents table")
        counts = portfolio.incident_counts()
        for target in TARGETS:
            if counts[target].sum() == 0:
                raise TrainingDataError(
                    f"the training data have no {target} incidents among their "
                    f"{portfolio.n_products} products: the {target} model needs at least one "
                    "(add experience with incidents of that kind)"
                )
        cfg = self.config
        pipeline = make_feature_pipeline(handle_unknown=cfg.handle_unknown).fit(portfolio)
        self.parts_: dict[str, Part] = {"features": FeaturesPart("features", pipeline)}
        self.manifest_ = {}
        plain = pipeline.transform(portfolio)
        X = self._hide_categories(plain, cfg)
        exposure = exposure_unit_years(portfolio.products).to_numpy()
        exposure_features = [s.name for s in self.feature_specs_ if s.kind == "exposure"]
        groups = portfolio.products["company_id"].astype(str).to_numpy()
        for target in TARGETS:
            params = cfg.params_for(target)
            est = PoissonGBMRegressor(
                **params,
                monotone_constraints={
                    s.name: s.constraint(target)
                    for s in self.feature_specs_
                    if s.constraint(target)
                },
                validation_fraction=cfg.validation_fraction,
                random_state=cfg.seed,
                n_jobs=cfg.n_jobs,
                exposure_features=exposure_features,
                exposure_backfit=False,
            )
            callbacks = (
                [_progress_callback(progress, target, params["max_iter"])] if progress else None
            )
            # the curves come from a GLM on the true categories and stay fixed: estimated from
            # the trees' inputs, whose categories are hidden at random to teach the trees a
            # fallback, they would absorb what the hidden categories explain (the largest fleets
            # came out 5% low in the base world)
            start = est.start_curves(plain, counts[target].to_numpy())
            est.fit(
                X,
                counts[target].to_numpy(),
                groups=groups,
                callbacks=callbacks,
                exposure_curves=start,
            )
            logger.info(
                "%s model: %d trees (early stopping chose %d)",
                target,
                est.n_iter_,
                est.best_iteration_,
            )
            self.parts_[target] = FrequencyPart(target, est)
        severity = SeverityModel(min_injuries=cfg.severity_min_injuries).fit(portfolio)
        self.parts_["severity"] = SeverityPart("severity", severity)
        uncertainty = self._fit_uncertainty(portfolio, X, counts, groups)
        self.parts_["uncertainty"] = JsonPart("uncertainty", uncertainty)
        self._fit_audit_artefacts(plain, counts, exposure)
        self.validation_ = self._validation_frame(portfolio, counts)
        self.training_ = {
            "fingerprint": portfolio.fingerprint(),
            "products": int(portfolio.n_products),
            "coverage_start": {
                "first": str(portfolio.products["coverage_start"].min().date()),
                "last": str(portfolio.products["coverage_start"].max().date()),
            },
            "incidents": {t: int(counts[t].sum()) for t in TARGETS},
            "exposure_unit_years": float(exposure.sum()),
            "riskmodel_version": __version__,
            "validation_deviance": {
                t: (
                    m.validation_deviance_[m.best_iteration_ - 1]
                    if m.validation_deviance_
                    else None
                )
                for t, m in self.models_.items()
            },
        }
        self.version_ = self._content_hash()
        return self

    def _fit_audit_artefacts(self, plain: pd.DataFrame, counts: pd.DataFrame, exposure) -> None:
        """The audit's own step: the GLM and homogeneous baselines per target (what the trees
        must beat) and the training distribution of every feature and risk (what population
        stability compares with). No score depends on them."""
        exposure_features = [s.name for s in self.feature_specs_ if s.kind == "exposure"]
        baselines = {
            t: PoissonGLMBaseline(log_features=exposure_features).fit(
                plain, counts[t].to_numpy(), exposure=exposure
            )
            for t in TARGETS
        }
        self.parts_["baselines"] = BaselinesPart("baselines", baselines)
        in_sample = {f"{t}_risk": self.models_[t].predict_probability(plain) for t in TARGETS}
        self.parts_["reference"] = JsonPart(
            "reference", reference_distribution(plain, in_sample), versioned=False
        )

    # ------------------------------------------------------------------------------- parts
    def _part(self, name: str):
        if "parts_" not in vars(self):
            raise AttributeError(f"this RiskModel is not fitted: it has no part {name!r}")
        return self.parts_[name].value

    @property
    def pipeline_(self):
        """The fitted feature pipeline."""
        return self._part("features")

    @property
    def feature_specs_(self) -> list[FeatureSpec]:
        """Every feature's name, input group, definition and constraints."""
        return feature_specs(self.pipeline_)

    @property
    def models_(self) -> dict[str, PoissonGBMRegressor]:
        """One fitted frequency model per target."""
        return {t: self._part(t) for t in TARGETS}

    @property
    def severity_(self) -> SeverityModel:
        return self._part("severity")

    @property
    def uncertainty_(self) -> dict:
        return self._part("uncertainty")

    @property
    def baselines_(self) -> dict[str, PoissonGLMBaseline]:
        return self._part("baselines")

    @property
    def reference_(self) -> dict:
        return self._part("reference")

    @classmethod
    def from_parts(
        cls,
        config: TrainConfig,
        parts: list[Part],
        *,
        training: dict,
        version: str,
        manifest: dict | None = None,
    ) -> RiskModel:
        """A fitted model from its parts (as :func:`~riskmodel.models.persistence.load_model`
        reads them from a folder)."""
        names = [p.name for p in parts]
        expected = [name for name, _, _ in DEFAULT_LAYOUT]
        if sorted(names) != sorted(expected):
            raise ModelIntegrityError(f"a RiskModel is made of the parts {expected}; got {names}")
        model = cls(config)
        model.parts_ = {p.name: p for p in parts}
        model.training_ = training
        model.version_ = version
        model.manifest_ = manifest or {}
        return model

    def _fit_uncertainty(self, portfolio, X, counts, groups) -> dict:
        """How much the data support each category's expected losses, by half-sampling.

        The frequency and severity models are refitted on random halves of the companies. For an
        estimate from n independent units, a half-sample estimate differs from the full-data one
        by about the full-data estimate's own standard error, so the spread of
        ``log(refit expected loss / expected loss)`` over the refits measures how well the data pin
        an expected loss down. Its median over each category's products, per kind, is kept:
        wide for a thin category, narrow for a well-observed one. A category unseen in training
        gets the widest. A half with no incident of a kind is skipped; with fewer than two usable
        refits every category gets :data:`UNMEASURED_LOG_SD`. Returned as ``{"replicates": B,
        "replicates_used": b, "log_sd": {kind: {category: sd}}, "complement": {kind: sd}}``
        (empty ``log_sd`` when ``uncertainty_replicates`` is 0).
        """
        cfg = self.config
        products = portfolio.products
        args = (
            products["category"].astype(str),
            products["public_exposure"].astype(str),
            products["deductible_krw"].astype(float),
            products["coverage_limit_krw"].astype(float),
        )
        main = {
            t: self.models_[t].predict(X) * self.severity_.layer_payment(t, *args) for t in TARGETS
        }
        rng = np.random.default_rng(cfg.seed + 1)
        codes, companies = pd.factorize(pd.Series(groups), sort=True)
        logs = {t: [] for t in TARGETS}
        for b in range(cfg.uncertainty_replicates):
            chosen = np.zeros(len(companies), dtype=bool)
            chosen[rng.permutation(len(companies))[: max(1, len(companies) // 2)]] = True
            rows = chosen[codes]
            if any(counts[t].to_numpy()[rows].sum() == 0 for t in TARGETS):
                logger.info("uncertainty refit %d skipped: its half has no incidents of a kind", b)
                continue
            severity = SeverityModel(min_injuries=cfg.severity_min_injuries).fit(
                portfolio, sample_weight=rows.astype(float)
            )
            for target in TARGETS:
                model = self.models_[target]
                params = {
                    **model.get_params(),
                    "max_iter": model.n_iter_,
                    "early_stopping_rounds": None,
                    "random_state": cfg.seed + 1 + b,
                    "exposure_backfit": True,  # the curves' own uncertainty goes into the spread
                }
                refit = PoissonGBMRegressor(**params).fit(
                    X[rows],
                    counts[target].to_numpy()[rows],
                    exposure_curves=model.exposure_curves_,
                )
                loss = refit.predict(X) * severity.layer_payment(target, *args)
                logs[target].append(
                    np.log(np.maximum(loss, 1e-300) / np.maximum(main[target], 1e-300))
                )
            logger.info("uncertainty refit %d of %d done", b + 1, cfg.uncertainty_replicates)
        log_sd, complement = {}, {}
        used = len(logs[TARGETS[0]])
        for target in TARGETS:
            if cfg.uncertainty_replicates < 2:
                log_sd[target], complement[target] = {}, 0.0
                continue
            if used < 2:  # too thin to measure: every category gets the wide default
                log_sd[target], complement[target] = {}, UNMEASURED_LOG_SD
                continue
            sd = pd.Series(np.std(np.vstack(logs[target]), axis=0, ddof=1))
            by_category = sd.groupby(products["category"].astype(str).to_numpy()).median()
            log_sd[target] = {str(c): float(v) for c, v in by_category.items()}
            complement[target] = float(by_category.max())
        return {
            "replicates": cfg.uncertainty_replicates,
            "replicates_used": used,
            "log_sd": log_sd,
            "complement": complement,
        }

    def uncertainty_log_sd(self, target: str, categories) -> np.ndarray:
        """The log-scale standard error of each product's expected loss of ``target``, by its
        category (the widest for a category unseen in training)."""
        self._check_fitted()
        table = self.uncertainty_["log_sd"].get(target, {})
        return (
            pd.Series(np.asarray(categories, dtype=object))
            .map(table)
            .fillna(self.uncertainty_["complement"].get(target, 0.0))
            .to_numpy(dtype=float)
        )

    def _validation_frame(self, portfolio: Portfolio, counts: pd.DataFrame) -> pd.DataFrame:
        """Out-of-sample predictions of the products held out for early stopping."""
        index = self.models_[TARGETS[0]].validation_index_
        # same seed, groups and rows give the same split, unless a target had too few incidents
        # to hold any out: then there is no common validation set to report on
        if not all(np.array_equal(m.validation_index_, index) for m in self.models_.values()):
            logger.warning("the targets were not validated on the same products: no report")
            index = np.zeros(0, dtype=int)
        frame = pd.DataFrame({"product_id": portfolio.products["product_id"].to_numpy()[index]})
        for target in TARGETS:
            frame[f"{target}_risk"] = self.models_[target].validation_risk_[: len(index)]
        for target in TARGETS:
            expected = self.models_[target].validation_prediction_[: len(index)]
            frame[f"expected_{target}_incidents"] = expected
        frame["exposure_unit_years"] = exposure_unit_years(portfolio.products).to_numpy()[index]
        for target in TARGETS:
            frame[target] = counts[target].to_numpy()[index]
        return frame

    @staticmethod
    def _hide_categories(X: pd.DataFrame, cfg: TrainConfig) -> pd.DataFrame:
        """Hide the category (zone) of a random share of products so the models learn a fallback."""
        if cfg.category_dropout <= 0:
            return X
        rng = np.random.default_rng(cfg.seed)
        X = X.copy()
        for col in X.columns:
            if isinstance(X[col].dtype, pd.CategoricalDtype):
                hide = rng.random(len(X)) < cfg.category_dropout
                X.loc[hide, col] = UNKNOWN
        return X

    # --------------------------------------------------------------------------- predict
    def features(self, portfolio: Portfolio) -> pd.DataFrame:
        """The feature table of ``portfolio`` (one row per product, products' order)."""
        self._check_fitted()
        return self.pipeline_.transform(portfolio)

    def features_for(self, portfolio: Portfolio, features: pd.DataFrame | None) -> pd.DataFrame:
        """The feature table of ``portfolio``: ``features`` if the caller has already built it
        (checked to have one row per product), else built (:meth:`features`)."""
        if features is None:
            return self.features(portfolio)
        if len(features) != portfolio.n_products:
            raise ValueError(
                f"features has {len(features)} rows for {portfolio.n_products} products: pass "
                "the feature table of this portfolio (RiskModel.features)"
            )
        return features

    def predict(
        self,
        portfolio: Portfolio,
        *,
        n_jobs: int | None = None,
        features: pd.DataFrame | None = None,
    ) -> pd.DataFrame:
        """Expected incidents and risks of every product.

        ``features``, the portfolio's feature table (:meth:`features`) when the caller has already
        built it, is used instead of building it again.

        Returns
        -------
        DataFrame
            ``product_id``, ``performance_risk``, ``safety_risk``,
            ``expected_performance_incidents``, ``expected_safety_incidents`` and
            ``exposure_unit_years``, one row per product in the order of ``portfolio.products``.
        """
        X = self.features_for(portfolio, features)
        out = pd.DataFrame({"product_id": portfolio.products["product_id"].to_numpy()})
        both = {t: self.models_[t].predict_count_and_probability(X, n_jobs=n_jobs) for t in TARGETS}
        for target in TARGETS:
            out[f"{target}_risk"] = both[target][1]
        for target in TARGETS:
            out[f"expected_{target}_incidents"] = both[target][0]
        out["exposure_unit_years"] = exposure_unit_years(portfolio.products).to_numpy()
        return out

    def _content_hash(self) -> str:
        """Hash of every versioned part, in order: equal models get equal versions."""
        digest = hashlib.sha256()
        for part in self.parts_.values():
            if part.versioned:
                digest.update(part.digest())
        return "rm-" + digest.hexdigest()[:12]

    def _check_fitted(self) -> None:
        if "parts_" not in vars(self):
            raise NotFittedError("this RiskModel is not fitted yet: call fit() or load_model()")


def _progress_callback(progress, target: str, total: int):
    def callback(env) -> None:
        progress(target, env.iteration + 1, total)

    return callback
