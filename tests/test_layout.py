"""The tests mirror the package: every module of riskmodel has its test module."""

from tests.conftest import REPO

#: Modules tested elsewhere, and where (no module goes untested without a line here).
TESTED_ELSEWHERE = {
    "__main__.py": "the entry point of `python -m riskmodel`: test_cli.py",
    "mlflow_entry.py": "MLflow's models-from-code file: test_tracking.py loads it",
    "benchmark.py": "the figures of scripts/bench*.py: scripts/test_bench_*.py",
    "plots.py": "SHAP plots: test_explanations.py and test_cli.py write them",
    "pyfunc.py": "the MLflow model: test_tracking.py",
    "reports/analysis.py": "reports/test_audit.py",
    "reports/criteria.py": "reports/test_audit.py",
    "reports/figures.py": "reports/test_audit.py, reports/test_render.py",
    "reports/statement.py": "reports/test_audit.py",
    "reports/templating.py": "reports/test_audit.py",
    "synthetic/catalogue.py": "synthetic/test_generator.py, test_reference.py",
    "synthetic/hazard.py": "the truth the generator draws from: synthetic/test_generator.py",
    "register/migrations/env.py": "Alembic's entry: register/test_store.py migrates every register",
    "register/migrations/versions/0001_assessments.py": "register/test_store.py (schema, guards)",
    "service/loadtest.py": "the figures of scripts/bench_service.py: scripts/test_bench_service.py",
}


def test_every_module_has_a_mirrored_test_module():
    package = REPO / "riskmodel"
    missing = []
    for module in sorted(package.rglob("*.py")):
        relative = module.relative_to(package)
        if module.name == "__init__.py" or relative.as_posix() in TESTED_ELSEWHERE:
            continue
        folder = REPO / "tests" / relative.parent
        if not list(folder.glob(f"test_{module.stem}.py")) + list(
            folder.glob(f"test_{module.stem}_*.py")
        ):
            missing.append(relative.as_posix())
    assert not missing, f"modules without tests/<path>/test_<module>.py: {missing}"


def test_the_exceptions_point_at_modules_that_exist():
    for name in TESTED_ELSEWHERE:
        assert (REPO / "riskmodel" / name).is_file(), name
