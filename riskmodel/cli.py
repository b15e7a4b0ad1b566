"""The ``riskmodel`` command line. Thin: it parses arguments, shows progress and calls workflows."""

from __future__ import annotations

import logging
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sklearn.utils._param_validation import InvalidParameterError

from riskmodel import __version__, workflows
from riskmodel.config import load_config
from riskmodel.errors import InputError
from riskmodel.i18n import LANGUAGES
from riskmodel.io import MAX_FILE_MB
from riskmodel.pricing import load_pricing_config
from riskmodel.validation import StrictModeError

app = typer.Typer(
    help="riskmodel: objective, explainable performance- and safety-risk scores for new-product "
    "liability insurance.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(stderr=True)
out = Console()

#: Errors that describe the user's data, model folder, config or options (exit status 2). Any
#: other exception is riskmodel's own defect (exit status 3, traceback with -v).
_USER_ERRORS = (InputError, InvalidParameterError, FileNotFoundError)


def _version(value: bool):
    if value:
        out.print(f"riskmodel {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show debug messages.")] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Only show warnings and errors.")
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    level = logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO
    logging.basicConfig(
        level=level,
        format="%(message)s",
        datefmt="[%X]",
        handlers=[RichHandler(console=console, show_path=False)],
        force=True,
    )


def _said(exc: Exception, lang: str) -> str:
    """An error's message in ``lang`` where it can say it (errors about the user's data)."""
    in_language = getattr(exc, "in_language", None)
    return in_language(lang) if in_language is not None else str(exc)


@contextmanager
def _user_errors(lang: str = "en"):
    """Show problems as a clear message (what is wrong with the user's data in ``lang``) and an
    exit status, never a traceback.

    Exit status 1: strict mode stopped on rejected rows; 2: the data, model or options cannot be
    used; 3: an unexpected internal error (rerun with -v for the traceback and report it).
    """
    try:
        yield
    except StrictModeError as exc:
        console.print(
            f"[bold red]strict mode:[/] {escape(_said(exc, lang))}\nrejects.csv and "
            "run_summary.json say which rows and why",
            highlight=False,
        )
        raise typer.Exit(code=1) from None
    except _USER_ERRORS as exc:
        console.print(f"[bold red]error:[/] {escape(_said(exc, lang))}", highlight=False)
        raise typer.Exit(code=2) from None
    except typer.Exit:
        raise
    except Exception as exc:  # the user gets a message, the log (-v) gets the traceback
        logging.getLogger(__name__).debug("internal error", exc_info=True)
        name = type(exc).__name__
        console.print(
            f"[bold red]internal error ({name}):[/] {escape(str(exc))}\n"
            "rerun with -v for details and report it",
            highlight=False,
        )
        raise typer.Exit(code=3) from None


@contextmanager
def _training_progress():
    with Progress(
        TextColumn("training {task.description} model"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("trees"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as bar:
        tasks: dict[str, int] = {}

        def update(target: str, done: int, total: int) -> None:
            if target not in tasks:
                tasks[target] = bar.add_task(target, total=total)
            bar.update(tasks[target], completed=done)

        yield update
        for task in tasks.values():  # early stopping ends before the maximum: show it as done
            bar.update(task, total=bar.tasks[task].completed)


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"expected a date written YYYY-MM-DD, not {value!r}") from None


def _change(text: str):
    """``TARGET:CATEGORY:FACTOR`` as a :class:`~riskmodel.synthetic.experience.Change`."""
    from riskmodel.contract import TABLES, TARGETS
    from riskmodel.errors import OptionError
    from riskmodel.synthetic.experience import Change

    parts = text.split(":")
    categories = TABLES["products"].column("category").allowed
    try:
        target, category, factor = parts[0], parts[1], float(parts[2])
    except (IndexError, ValueError):
        raise OptionError(f"--change must read TARGET:CATEGORY:FACTOR; got {text!r}") from None
    if len(parts) != 3 or target not in TARGETS or category not in categories or factor <= 0:
        raise OptionError(
            f"--change must read TARGET:CATEGORY:FACTOR with TARGET one of {', '.join(TARGETS)}, "
            f"CATEGORY one of the contract's and FACTOR > 0; got {text!r}"
        )
    return Change(target, category, factor)


@app.command()
def generate(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write the portfolio to.")],
    products: Annotated[
        int, typer.Option("--products", min=1, help="Number of products.")
    ] = 10_000,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Random seed.")] = 0,
    world: Annotated[
        str,
        typer.Option(
            "--world",
            help="Structural assumptions (riskmodel.synthetic.worlds): base, sublinear_units, "
            "superlinear_units, interactions, no_zones_heavy_tail, strong_zones_fixed_benefit, "
            "thin_new_categories, latent_quality, overdispersed, clustered.",
        ),
    ] = "base",
    training: Annotated[
        bool,
        typer.Option(
            "--training",
            help="A training draw: the world's new categories are rarer (thin_new_categories).",
        ),
    ] = False,
    change: Annotated[
        list[str] | None,
        typer.Option(
            "--change",
            help="TARGET:CATEGORY:FACTOR, e.g. safety:robotics:2: that rate changes on "
            "--change-from (repeatable; incidents and truth.csv follow the changed truth).",
        ),
    ] = None,
    change_from: Annotated[
        date | None,
        typer.Option("--change-from", parser=_day, help="The date the changes start."),
    ] = None,
) -> None:
    """Generate a synthetic portfolio (four contract tables, truth.csv, generator.json)."""
    with _user_errors(), console.status(f"generating {products:,} products"):
        workflows.generate(
            out_dir,
            products=products,
            seed=seed,
            world=world,
            training=training,
            changes=tuple(_change(c) for c in change or ()),
            change_from=change_from,
        )
    out.print(f"wrote {products:,} products (seed {seed}, world {world}) to {out_dir}")


TrackOption = Annotated[
    bool, typer.Option("--track/--no-track", help="Log the run to MLflow and register the model.")
]
TrackingUri = Annotated[
    str | None,
    typer.Option(
        "--tracking-uri", help="MLflow store (default: MLFLOW_TRACKING_URI or ./mlflow.db)."
    ),
]
StrictOption = Annotated[
    bool,
    typer.Option("--strict", help="Fail the run if any input row is rejected (exit status 1)."),
]
MaxFileMb = Annotated[
    float, typer.Option("--max-file-mb", min=1, help="Refuse input files larger than this (MB).")
]
PricingOption = Annotated[
    Path | None,
    typer.Option(
        "--pricing", help="Pricing config (TOML; default riskmodel/configs/pricing.toml)."
    ),
]


def _language(value: str) -> str:
    if value not in LANGUAGES:
        raise typer.BadParameter(f"must be one of {', '.join(LANGUAGES)}, not {value!r}")
    return value


LangOption = Annotated[
    str,
    typer.Option(
        "--lang",
        envvar="RISKMODEL_LANG",
        callback=_language,
        help="Language of reasons, rejects, data messages, statements and audit report (en, ko).",
    ),
]
ModelRef = Annotated[
    str,
    typer.Option("--model", help="Model folder, or MLflow URI such as models:/riskmodel@champion."),
]


@app.command()
def train(
    data: Annotated[Path, typer.Option("--data", help="Data folder with incidents.")],
    out_dir: Annotated[Path, typer.Option("--out", help="Model folder to write.")],
    config: Annotated[Path | None, typer.Option("--config", help="Training config (TOML).")] = None,
    track: TrackOption = True,
    tracking_uri: TrackingUri = None,
    strict: StrictOption = False,
    max_file_mb: MaxFileMb = MAX_FILE_MB,
) -> None:
    """Train the performance and safety models, save the model folder, log it to MLflow."""
    with _user_errors():
        cfg = load_config(config)
        with _training_progress() as progress:
            result = workflows.train(
                data,
                out_dir,
                config=cfg,
                progress=progress,
                track=track,
                tracking_uri=tracking_uri,
                strict=strict,
                max_mb=max_file_mb,
            )
    model = result.model
    _print_reconciliation(result.data.reconciliation()["tables"], out_dir / "training_rejects.csv")
    out.print(
        f"model {model.version_} trained on {model.training_['products']:,} products; "
        f"saved to {out_dir}"
    )
    tracked = result.tracked
    if tracked is not None:
        out.print(f"MLflow run {tracked.run_id}; registered {tracked.registry_uri}")


@app.command()
def score(
    model: ModelRef,
    data: Annotated[Path, typer.Option("--data", help="Data folder to score.")],
    out_dir: Annotated[Path, typer.Option("--out", help="Output folder.")],
    threads: Annotated[
        int | None, typer.Option("--threads", min=1, help="Prediction threads.")
    ] = None,
    plots: Annotated[
        bool, typer.Option("--plots/--no-plots", help="Write SHAP summary and dependence plots.")
    ] = True,
    tracking_uri: TrackingUri = None,
    strict: StrictOption = False,
    max_file_mb: MaxFileMb = MAX_FILE_MB,
    pricing: PricingOption = None,
    lang: LangOption = "en",
) -> None:
    """Score and price every product: scores.csv (risks, expected loss, premium, interval, grade,
    reasons), rejects.csv, run_summary.json, pricing.json, credibility.csv, explanations.csv and
    the global SHAP view."""
    with _user_errors(lang), console.status("scoring, explaining and pricing"):
        result = workflows.score(
            model,
            data,
            out_dir,
            n_jobs=threads,
            plots=plots,
            tracking_uri=tracking_uri,
            strict=strict,
            max_mb=max_file_mb,
            pricing=load_pricing_config(pricing),
            lang=lang,
        )
    summary = result.summary  # as written, not read back
    _print_reconciliation(summary["tables"], out_dir / "rejects.csv")
    products = summary["products"]
    out.print(
        f"products: {products['read']:,} read = {products['scored']:,} scored + "
        f"{products['rejected']:,} rejected; {summary['products_with_data_issues']:,} "
        "scored with data issues (see data_issues)"
    )
    out.print(
        f"wrote {out_dir / 'scores.csv'} ({len(result.scores):,} rows), "
        f"{out_dir / 'explanations.csv'}, {out_dir / 'rejects.csv'}, "
        f"{out_dir / 'run_summary.json'}"
    )


def _print_reconciliation(tables: dict, rejects_file: Path) -> None:
    """Rows read = used + rejected, per table."""
    for name, c in tables.items():
        out.print(
            f"{name:<15} {c['read']:>9,} read = {c['used']:>9,} used + {c['rejected']:>7,} rejected"
        )
    if any(c["rejected"] for c in tables.values()):
        out.print(f"rejected rows and reasons: {rejects_file}")


@app.command()
def explain(
    model: ModelRef,
    data: Annotated[Path, typer.Option("--data", help="Data folder holding the product.")],
    product: Annotated[str, typer.Option("--product", help="product_id to explain.")],
    plot: Annotated[Path | None, typer.Option("--plot", help="Also save a waterfall PNG.")] = None,
    tracking_uri: TrackingUri = None,
) -> None:
    """Print one product's full explanation: a waterfall from the base value to its scores."""
    with _user_errors():
        text = workflows.explain_product(model, data, product, plot=plot, tracking_uri=tracking_uri)
    typer.echo(text)  # plain text: a waterfall must not be re-wrapped


@app.command()
def whatif(
    model: ModelRef,
    data: Annotated[Path, typer.Option("--data", help="Data folder holding the product.")],
    product: Annotated[str, typer.Option("--product", help="product_id to change.")],
    change: Annotated[
        list[str] | None,
        typer.Option(
            "--change",
            help="A change, e.g. 'add certification UL', 'pass test T-1', 'units 50', "
            "'public_exposure closed_site'; repeat to combine.",
        ),
    ] = None,
    suggest: Annotated[
        bool, typer.Option("--suggest", help="List the three changes that lower the premium most.")
    ] = False,
    pricing: PricingOption = None,
    tracking_uri: TrackingUri = None,
) -> None:
    """Re-score and re-price one product after a change: before/after risk, premium, grade and
    the reasons that moved."""
    with _user_errors():
        text = workflows.whatif(
            model,
            data,
            product,
            changes=change or [],
            suggest_changes=suggest,
            pricing=load_pricing_config(pricing),
            tracking_uri=tracking_uri,
        )
    typer.echo(text)


@app.command()
def rates(
    model: ModelRef,
    data: Annotated[Path, typer.Option("--data", help="Data folder to price.")],
    out_file: Annotated[Path, typer.Option("--out", help="CSV file for the rate table.")],
    min_products: Annotated[
        int, typer.Option("--min-products", min=1, help="Cells with fewer products are thin (*).")
    ] = 30,
    pricing: PricingOption = None,
    tracking_uri: TrackingUri = None,
) -> None:
    """Rate table: premium per unit-month by category x public exposure x grade (CSV and table)."""
    with _user_errors(), console.status("pricing"):
        pivot = workflows.rates(
            model,
            data,
            out_file,
            pricing=load_pricing_config(pricing),
            min_products=min_products,
            tracking_uri=tracking_uri,
        )
    table = Table(
        title=f"premium per unit-month (KRW) by grade; * fewer than {min_products} products, - none"
    )
    for col in pivot.columns:
        table.add_column(
            str(col), justify="left" if col in ("category", "public_exposure") else "right"
        )
    for row in pivot.itertuples(index=False):
        table.add_row(*[str(v) for v in row])
    out.print(table)
    out.print(f"wrote {out_file}")


@app.command()
def report(
    model: ModelRef,
    data: Annotated[
        Path,
        typer.Option(
            "--data",
            help="Data folder (with incidents for the performance and calibration sections).",
        ),
    ],
    out_path: Annotated[Path, typer.Option("--out", help="HTML file, or folder for statements.")],
    product: Annotated[
        list[str] | None,
        typer.Option("--product", help="Write this product's assessment statement instead."),
    ] = None,
    statements: Annotated[
        bool, typer.Option("--statements", help="Write a statement for every product into --out.")
    ] = False,
    pricing: PricingOption = None,
    tracking_uri: TrackingUri = None,
    lang: LangOption = "en",
) -> None:
    """The audit report as one self-contained HTML file, or per-product statements."""
    with _user_errors(lang), console.status("building the report"):
        paths = workflows.report(
            model,
            data,
            out_path,
            products=product or None,
            statements=statements,
            pricing=load_pricing_config(pricing),
            tracking_uri=tracking_uri,
            lang=lang,
        )
    size = sum(p.stat().st_size for p in paths) / 1e6
    what = "statement(s)" if (product or statements) else "audit report"
    where = paths[0] if len(paths) == 1 else out_path
    out.print(f"wrote {len(paths)} {what} ({size:.1f} MB): {where}")


@app.command()
def monitor(
    model: ModelRef,
    data: Annotated[
        Path, typer.Option("--data", help="Data folder: products covered and incidents seen.")
    ],
    as_of: Annotated[
        date, typer.Option("--as-of", parser=_day, help="Count exposure and incidents up to here.")
    ],
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for monitoring.json and .html.")],
    pricing: PricingOption = None,
    tracking_uri: TrackingUri = None,
    lang: LangOption = "en",
) -> None:
    """Actual against expected incidents up to an as-of date, by segment, with anytime-valid
    alerts (monitoring.json, monitoring.html); exit 0 whether or not a segment alerts."""
    with _user_errors(lang), console.status("monitoring"):
        body = workflows.monitor(
            model,
            data,
            as_of,
            out_dir,
            tracking_uri=tracking_uri,
            pricing=load_pricing_config(pricing),
            lang=lang,
        )
    alerts = [s for s in body["segments"] if s["alert"]]
    out.print(f"as of {body['as_of']}: {len(alerts)} segment(s) alert; wrote {out_dir}")
    for s in alerts:
        out.print(
            f"  {s['target']} {s['dimension']}={s['value']}: A/E {s['ae']:.2f} "
            f"({s['ae_lower']:.2f} to {s['ae_upper']:.2f}), {s['actual_incidents']} against "
            f"{s['expected_incidents']:.1f}"
        )


@app.command()
def verify(
    statement: Annotated[
        list[Path], typer.Option("--statement", help="Statement file(s) to verify.")
    ],
    model: ModelRef,
    tracking_uri: TrackingUri = None,
) -> None:
    """Re-score each statement's recorded inputs and confirm the same numbers (exit 1 if not)."""
    failed = 0
    with _user_errors():
        for path in statement:
            result = workflows.verify(path, model, tracking_uri=tracking_uri)
            typer.echo(result.text())
            failed += not result.ok
    if failed:
        raise typer.Exit(code=1)


@app.command()
def criteria(
    model: ModelRef,
    out_file: Annotated[Path, typer.Option("--out", help="JSON file to write.")],
    data: Annotated[
        Path | None, typer.Option("--data", help="Measure importance on this data folder.")
    ] = None,
    pricing: PricingOption = None,
    tracking_uri: TrackingUri = None,
) -> None:
    """The risk criteria as JSON: features, definitions, groups, constraints, importance, grades."""
    with _user_errors():
        path = workflows.criteria(
            model,
            out_file,
            data_dir=data,
            pricing=load_pricing_config(pricing),
            tracking_uri=tracking_uri,
        )
    out.print(f"wrote {path}")


@app.command()
def promote(
    version: Annotated[str, typer.Argument(help="Registered version to promote.")],
    alias: Annotated[str, typer.Option("--alias", help="Alias to move.")] = "champion",
    tracking_uri: TrackingUri = None,
) -> None:
    """Point a registry alias (champion by default) at a registered version."""
    from riskmodel.tracking import set_alias

    with _user_errors():
        set_alias(alias, version, uri=tracking_uri)
    out.print(f"models:/riskmodel@{alias} -> version {version}")


@app.command()
def demo(
    root: Annotated[
        Path, typer.Option("--root", help="Project folder for data, models, reports.")
    ] = Path("."),
    train_products: Annotated[int, typer.Option(min=1000)] = 200_000,
    holdout_products: Annotated[int, typer.Option(min=100)] = 10_000,
    train_seed: Annotated[int, typer.Option(min=0)] = 1,
    holdout_seed: Annotated[int, typer.Option(min=0)] = 2,
    config: Annotated[Path | None, typer.Option("--config", help="Training config (TOML).")] = None,
    track: TrackOption = True,
) -> None:
    """Generate, train, score a held-out portfolio from another seed, and compare with the truth."""
    with _user_errors():
        cfg = load_config(config)
        with _training_progress() as progress:
            result = workflows.run_demo(
                root,
                train_products=train_products,
                holdout_products=holdout_products,
                train_seed=train_seed,
                holdout_seed=holdout_seed,
                config=cfg,
                progress=progress,
                track=track,
            )
    _print_demo(result)
    if not all(result.checks().values()):
        raise typer.Exit(code=1)


def _print_demo(result: workflows.DemoResult) -> None:
    evs = result.evaluations
    n = next(iter(evs.values())).products
    table = Table(title=f"held-out portfolio: {n:,} products, model {result.model_version}")
    for col in ("target", "observed", "AUC", "oracle", "log-loss", "oracle", "excess", "pred/true"):
        table.add_column(col, justify="right")
    for target, ev in evs.items():
        table.add_row(
            target,
            f"{ev.observed_share:.1%}",
            f"{ev.auc:.4f}",
            f"{ev.oracle_auc:.4f}",
            f"{ev.log_loss:.4f}",
            f"{ev.oracle_log_loss:.4f}",
            f"{ev.log_loss_excess:+.1%}",
            f"{ev.predicted_to_true:.3f}",
        )
    out.print(table)
    cats = Table(title="sum of predicted / sum of true probabilities, categories >= 500 products")
    cats.add_column("category")
    for target in evs:
        cats.add_column(target, justify="right")
    for cat in sorted(next(iter(evs.values())).predicted_to_true_by_category):
        cats.add_row(cat, *(f"{ev.predicted_to_true_by_category[cat]:.3f}" for ev in evs.values()))
    out.print(cats)
    if result.pricing is not None:
        p = result.pricing
        priced = Table(
            title=f"expected loss in each policy's layer: predicted / true, and "
            f"{result.interval_level:.0%} interval coverage (overall "
            f"{p['predicted_to_true']:.3f}, coverage {p['coverage']:.1%})"
        )
        for col in ("category", "products", "pred/true", "coverage", "median log width"):
            priced.add_column(col, justify="right" if col != "category" else "left")
        for cat, row in sorted(p["by_category"].items()):
            priced.add_row(
                cat,
                f"{row['products']:,}",
                f"{row['predicted_to_true']:.3f}",
                f"{row['coverage']:.1%}",
                f"{row['median_log_width']:.3f}",
            )
        out.print(priced)
    for check, ok in result.checks().items():
        out.print(f"  {'[green]PASS[/]' if ok else '[red]FAIL[/]'} {check}")
    timing = ", ".join(f"{k} {v:.0f}s" for k, v in result.seconds.items())
    out.print(f"\ntime: {timing}")
    out.print(
        f"training data: {result.train_dir}\nheld-out data: {result.holdout_dir}\n"
        f"model:         {result.model_dir}\nscores:        {result.out_dir / 'scores.csv'}\n"
        f"evaluation:    {result.out_dir / 'evaluation.json'}\n"
        f"audit report:  {result.out_dir / 'audit.html'}"
    )
    if result.tracked is not None:
        out.print(
            f"MLflow:        run {result.tracked.run_id}, {result.tracked.registry_uri} "
            "(mlflow ui --backend-store-uri sqlite:///mlflow.db)"
        )


# ------------------------------------------------------------------------- the service
users_app = typer.Typer(help="Users of the scoring service.", no_args_is_help=True)
register_app = typer.Typer(help="The assessment register.", no_args_is_help=True)
app.add_typer(users_app, name="users")
app.add_typer(register_app, name="register")
RegisterUrl = Annotated[
    str,
    typer.Option(
        "--register",
        help="SQLAlchemy URL: sqlite:///register.db or postgresql+psycopg://user@host/db.",
    ),
]
UsersFile = Annotated[Path, typer.Option("--users", help="The users file (TOML).")]


@users_app.command("add")
def users_add(
    users: UsersFile,
    name: Annotated[str, typer.Option("--name", help="User name.")],
    role: Annotated[str, typer.Option("--role", help="underwriter, auditor or admin.")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read a browser password from stdin.")
    ] = False,
) -> None:
    """Create or update a user; prints a new API key as the last line (shown once, stored only
    as an argon2 hash)."""
    import sys

    from riskmodel.service.users import add_user

    with _user_errors():
        password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
        key = add_user(users, name, role, password=password)
    console.print(f"user {escape(name)} ({role}) saved in {users}; the API key (shown once):")
    out.print(key, highlight=False, soft_wrap=True)


@app.command()
def serve(
    model: ModelRef,
    register: RegisterUrl,
    users: UsersFile,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port.")] = 8000,
    workers: Annotated[int, typer.Option("--workers", help="Worker processes.")] = 1,
    threads: Annotated[
        int, typer.Option("--threads", help="Requests assessed at once per worker.")
    ] = 1,
    pricing: PricingOption = None,
    tracking_uri: TrackingUri = None,
    rate_limit: Annotated[
        str, typer.Option("--rate-limit", help="Per API key and worker, e.g. 100/second.")
    ] = "100/second",
    max_body_mb: Annotated[
        float, typer.Option("--max-body-mb", help="Largest request body (413 beyond).")
    ] = 8.0,
    max_upload_mb: Annotated[
        float, typer.Option("--max-upload-mb", help="Largest portfolio upload (workbench).")
    ] = 64.0,
    session_hours: Annotated[
        float, typer.Option("--session-hours", help="How long a workbench login lasts.")
    ] = 8.0,
    uploads_dir: Annotated[
        str | None,
        typer.Option("--uploads-dir", help="Where uploaded portfolios are kept (workbench)."),
    ] = None,
    file_language: Annotated[
        str,
        typer.Option(
            "--file-language",
            envvar="RISKMODEL_LANG",
            help="Language of the files the workbench writes (en, ko).",
        ),
    ] = "en",
    audit_report: Annotated[
        str | None,
        typer.Option("--audit-report", help="The audit report (file or folder) shown to auditors."),
    ] = None,
) -> None:
    """Run the scoring service and the workbench (ready when GET /healthz answers 200)."""
    from riskmodel.service.server import serve as run
    from riskmodel.service.settings import ServiceSettings

    with _user_errors():
        settings = ServiceSettings(
            model=model,
            register=register,
            users=str(users),
            host=host,
            port=port,
            workers=workers,
            threads=threads,
            pricing=None if pricing is None else str(pricing),
            tracking_uri=tracking_uri,
            rate_limit=rate_limit,
            max_body_mb=max_body_mb,
            max_upload_mb=max_upload_mb,
            session_hours=session_hours,
            uploads_dir=uploads_dir,
            file_language=file_language,
            audit_report=audit_report,
        )
        run(settings)


@register_app.command("verify")
def register_verify(
    register: RegisterUrl,
    model: Annotated[
        str | None,
        typer.Option("--model", help="Re-score with this model (default: each record's source)."),
    ] = None,
    sample: Annotated[int, typer.Option("--sample", help="Records to re-score.", min=0)] = 100,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the sample.")] = 0,
    tracking_uri: TrackingUri = None,
) -> None:
    """Check the hash chain of every record and re-score a sample (exit 1 naming each record
    that fails)."""
    from riskmodel.register import Register
    from riskmodel.service.engine import ModelVersions
    from riskmodel.service.verification import verify_register

    with _user_errors():
        versions = ModelVersions(tracking_uri=tracking_uri)
        if model:
            versions.load(model)
        store = Register(register)
        try:
            result = verify_register(store, versions, sample=sample, seed=seed)
        finally:
            store.dispose()
    for line in result.lines():
        typer.echo(line)
    if not result.ok:
        raise typer.Exit(code=1)


@register_app.command("export")
def register_export(
    register: RegisterUrl,
    out_file: Annotated[Path, typer.Option("--out", help="A .csv or .parquet file.")],
) -> None:
    """Write every record of the register as CSV or Parquet (by the file's extension)."""
    from riskmodel.register import Register

    with _user_errors():
        store = Register(register)
        try:
            rows = store.export(out_file)
        finally:
            store.dispose()
    out.print(f"wrote {rows} record(s) to {out_file}")


def main() -> None:
    """Entry point of the ``riskmodel`` command."""
    app()


if __name__ == "__main__":
    main()
