"""The scoring service: FastAPI routes over the engine, the register and the users.

Endpoints, roles, field names and the error format are those of
``../shared/contract/SERVICE_CONTRACT.md``. Everything a request needs (the model slot, the
register, the users, the rate limiter, the metrics) is made in the lifespan and handed to the
routes as dependencies: nothing lives in module globals, and two apps in one process (tests) do
not share anything.

What a request goes through, in order: the guard (a request id, the body size limit, security
headers, the access log and the request metrics), the API key and role check, the rate limit of
that key, then the route, which parses and calls :mod:`riskmodel.service.engine` and the
register. Errors are ``application/problem+json`` (RFC 9457); input problems list
``{table, row, column, value, reason}`` in the words of ``rejects.csv``; no input gets a 5xx.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

import anyio.to_thread
from fastapi import Depends, FastAPI, Header, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from riskmodel import __version__
from riskmodel.application import portfolio_from_inputs
from riskmodel.contract import TABLES
from riskmodel.errors import InputError
from riskmodel.pricing import PricingConfig
from riskmodel.pricing.config import load_pricing_config
from riskmodel.pricing.whatif import what_if
from riskmodel.register import (
    IdempotencyConflict,
    Register,
    RegisterUnavailable,
    StoredRecord,
)
from riskmodel.reports.criteria import criteria
from riskmodel.scoring import run_summary
from riskmodel.service import schemas, web
from riskmodel.service.engine import ModelSlot, answers, assess_json, model_card
from riskmodel.service.issuing import (
    Services,
    fill_product_id,
    may_read,
    new_records,
    request_hash,
)
from riskmodel.service.metrics import Metrics
from riskmodel.service.settings import ServiceSettings
from riskmodel.service.users import User, UserStore
from riskmodel.service.verification import verify_record

__all__ = ["create_app", "create_app_from_env", "Services"]

access_log = logging.getLogger("riskmodel.access")
logger = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
_API_CSP = b"default-src 'none'; frame-ancestors 'none'"
_SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    (b"content-security-policy", _API_CSP),
    (b"cache-control", b"no-store"),
]
_DOCS_CSP = (
    b"default-src 'none'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    b"style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: "
    b"https://fastapi.tiangolo.com; connect-src 'self'; frame-ancestors 'none'"
)


# ------------------------------------------------------------------------------------ problems
class ApiProblem(Exception):
    """An error answer: status, title, detail, and input problems if any."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str,
        errors: list[dict] | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(detail)
        self.status, self.title, self.detail = status, title, detail
        self.errors = errors or []
        self.headers = headers or {}


def _problem(request: Request, status: int, title: str, detail: str, errors=(), headers=None):
    body = schemas.Problem(
        title=title, status=status, detail=detail, instance=request.url.path, errors=list(errors)
    ).model_dump()
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _problems_from_rejects(rejects) -> list[dict]:
    return [
        {
            "table": r["table"],
            "row": None if r["row"] is None or r["row"] != r["row"] else int(r["row"]),
            "column": r["column"] or None,
            "value": r["value"] if r["value"] not in ("", None) else None,
            "reason": r["reason"],
        }
        for r in rejects.astype(object).where(rejects.notna(), None).to_dict("records")
    ]


_BODY_TABLES = {
    "product": "products",
    "products": "products",
    "test_results": "test_results",
    "certifications": "certifications",
}


def _pydantic_problem(error: dict) -> dict:
    """A pydantic error on the body in the words of the contract."""
    loc = [p for p in error.get("loc", ()) if p != "body"]
    table = _BODY_TABLES.get(loc[0]) if loc and isinstance(loc[0], str) else None
    row = None
    rest = loc[1:]
    if loc and loc[0] == "product":
        row = 1
    elif rest and isinstance(rest[0], int):
        row, rest = rest[0] + 1, rest[1:]
    column = str(rest[0]) if rest else None
    value = error.get("input")
    shown = None if value is None or isinstance(value, dict) else json.dumps(value)[:200]
    kind = error.get("type", "")
    if kind == "json_invalid":
        reason = f"the body is not valid JSON: {error.get('ctx', {}).get('error', error['msg'])}"
        table = None
    elif kind == "extra_forbidden" and table is not None:
        reason = (
            f"not a column of the contract's {table} table (its columns: "
            f"{', '.join(TABLES[table].column_names)})"
        )
    elif kind == "extra_forbidden":
        reason = f"not a field of this body: {column or loc}"
        column = None
    elif table is not None and column in TABLES[table].column_names:
        spec = TABLES[table].column(column)
        reason = f"expected {spec.expectation()}"
    elif kind == "missing":
        reason = f"the body needs {'.'.join(str(p) for p in loc) or 'a JSON object'}"
    else:
        reason = error.get("msg", "invalid")
    return {"table": table, "row": row, "column": column, "value": shown, "reason": reason}


# ------------------------------------------------------------------------------------ the guard
_API_PATHS = ("/v1/", "/metrics", "/healthz", "/openapi.json")
_PAGE_CSP = web.PAGE_CSP.encode()
_DOCUMENT_CSP = web.DOCUMENT_CSP.encode()


def _csp(path: str) -> bytes:
    """The content security policy of a path: none at all for the API, the workbench's own
    scripts and styles for its pages, inline styles only for the documents it shows."""
    if path.startswith(_API_PATHS):
        return _API_CSP
    if path in ("/docs", "/redoc"):
        return _DOCS_CSP
    if path.endswith("/statement") or path == "/audit":
        return _DOCUMENT_CSP
    return _PAGE_CSP


class Guard:
    """Pure ASGI middleware: request id, body size limit, security headers, access log, and
    request metrics by route template (never the raw path: it may hold ids)."""

    def __init__(self, app, *, max_body_bytes: int, max_upload_bytes: int | None = None):
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_upload_bytes = max_upload_bytes or max_body_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        headers = dict(scope.get("headers") or [])
        request_id = headers.get(b"x-request-id", b"").decode("latin-1")[:64]
        if not request_id or not request_id.replace("-", "").isalnum():
            request_id = uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        status = {"code": 500}
        path = scope.get("path", "")
        csp = _csp(path)
        limit = self.max_upload_bytes if path == "/portfolio" else self.max_body_bytes

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                extra = [(b"x-request-id", request_id.encode())]
                for name, value in _SECURITY_HEADERS:
                    if name == b"content-security-policy":
                        value = csp
                    extra.append((name, value))
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        too_big = False
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            too_big = True
        body_receive = receive
        if not too_big and scope["method"] in ("POST", "PUT", "PATCH"):
            chunks, size, more = [], 0, True
            while more:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > limit:
                    too_big = True
                    break
                chunks.append(chunk)
                more = message.get("more_body", False)
            body = b"".join(chunks)
            sent = {"done": False}

            async def body_receive():
                if not sent["done"]:
                    sent["done"] = True
                    return {"type": "http.request", "body": body, "more_body": False}
                return await receive()

        try:
            if too_big:
                problem = schemas.Problem(
                    title="Content Too Large",
                    status=413,
                    detail=f"the request body is larger than the limit of {limit:,} bytes",
                    instance=path,
                ).model_dump()
                response = JSONResponse(problem, status_code=413, media_type=PROBLEM_JSON)
                await response(scope, receive, send_with_headers)
            else:
                await self.app(scope, body_receive, send_with_headers)
        finally:
            elapsed = time.perf_counter() - started
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            services = scope["state"].get("services")  # the lifespan's, in every request scope
            if services is not None:
                services.metrics.observe_request(scope["method"], template, status["code"], elapsed)
            user = scope["state"].get("user")
            access_log.info(
                "request",
                extra={
                    "request_id": request_id,
                    "method": scope["method"],
                    "route": template,
                    "status": status["code"],
                    "duration_ms": round(elapsed * 1000, 3),
                    "role": getattr(user, "role", None),
                },
            )


# ------------------------------------------------------------------------------- dependencies
def _services(request: Request) -> Services:
    return request.state.services


ServicesDep = Annotated[Services, Depends(_services)]
_bearer = HTTPBearer(auto_error=False, description="the API key of `riskmodel users add`")


def _user(
    request: Request,
    services: ServicesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise ApiProblem(
            401,
            "Unauthorized",
            "send the API key as 'Authorization: Bearer <key>'",
            headers={"WWW-Authenticate": "Bearer"},
        )
    user = services.users.authenticate(credentials.credentials)
    if user is None:
        raise ApiProblem(
            401, "Unauthorized", "the API key is not valid", headers={"WWW-Authenticate": "Bearer"}
        )
    request.scope["state"]["user"] = user
    if not services.limiter.hit(services.metrics.rate_item, "key", user.key_id):
        stats = services.limiter.get_window_stats(services.metrics.rate_item, "key", user.key_id)
        retry = max(1, int(stats.reset_time - time.time()) + 1)
        raise ApiProblem(
            429,
            "Too Many Requests",
            f"more than {services.settings.rate_limit} from this API key; retry in {retry} s",
            headers={"Retry-After": str(retry)},
        )
    return user


def require(permission: str):
    """A dependency: the user, if their role grants ``permission`` (else 403)."""

    def check(user: Annotated[User, Depends(_user)]) -> User:
        if not user.may(permission):
            raise ApiProblem(
                403, "Forbidden", f"the role {user.role!r} may not {permission.replace('_', ' ')}"
            )
        return user

    return check


# ---------------------------------------------------------------------------------- helpers
def _readable(record: StoredRecord | None, user: User, assessment_id: str) -> StoredRecord:
    if record is None or not may_read(user, record):
        # an underwriter is not told whether another's assessment exists
        raise ApiProblem(404, "Not Found", f"no assessment {assessment_id!r} readable by you")
    return record


# ---------------------------------------------------------------------------------- the app
def create_app(settings: ServiceSettings) -> FastAPI:
    """The service for ``settings`` (resources are opened in the lifespan)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[dict]:
        pricing = (
            load_pricing_config(settings.pricing) if settings.pricing else load_pricing_config()
        )
        models = ModelSlot(settings.model, pricing=pricing, tracking_uri=settings.tracking_uri)
        register = Register(settings.register)
        metrics = Metrics(settings.rate_limit)
        metrics.model_loaded(models.current.version, None)
        services = Services(
            settings=settings,
            models=models,
            register=register,
            users=UserStore(settings.users),
            limiter=MovingWindowRateLimiter(MemoryStorage()),
            metrics=metrics,
        )
        loop = asyncio.get_running_loop()
        # the threads that run the (blocking, CPU-bound) routes of this worker
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.threads

        def on_hup() -> None:
            async def reload() -> None:
                try:
                    previous, current = await run_in_threadpool(models.reload)
                    metrics.model_loaded(current.version, previous.version)
                    logger.warning("SIGHUP: model %s -> %s", previous.version, current.version)
                except Exception as exc:  # keep serving the model that works
                    logger.error("SIGHUP: reload failed, keeping the current model: %s", exc)

            loop.create_task(reload())

        try:
            loop.add_signal_handler(signal.SIGHUP, on_hup)
        except (NotImplementedError, RuntimeError, ValueError):  # not the main thread (tests)
            pass
        try:
            sessions = web.Sessions(
                web.load_session_key(settings.session_key_path), settings.session_hours
            )
            yield {"services": services, "sessions": sessions}
        finally:
            try:
                loop.remove_signal_handler(signal.SIGHUP)
            except (NotImplementedError, RuntimeError, ValueError):
                pass
            register.dispose()

    app = FastAPI(
        title="riskmodel",
        version=__version__,
        summary="Objective, explainable risk scores and premiums for new-product liability "
        "insurance, with a tamper-evident register of every assessment issued.",
        lifespan=lifespan,
        responses={
            401: {"model": schemas.Problem, "description": "no or wrong API key"},
            403: {"model": schemas.Problem, "description": "the role may not do this"},
            413: {"model": schemas.Problem, "description": "body over the size limit"},
            422: {"model": schemas.Problem, "description": "the input breaks the contract"},
            429: {"model": schemas.Problem, "description": "too many requests from this key"},
        },
    )
    app.add_middleware(
        Guard,
        max_body_bytes=settings.max_body_bytes,
        max_upload_bytes=settings.max_upload_bytes,
    )
    web.install(app)

    def openapi() -> dict:
        """FastAPI's document, with every error answer as the problem+json it is."""
        if app.openapi_schema is None:
            spec = get_openapi(
                title=app.title,
                version=app.version,
                summary=app.summary,
                routes=app.routes,
            )
            problem = {"$ref": "#/components/schemas/Problem"}
            for path in spec["paths"].values():
                for operation in path.values():
                    for status, answer in operation.get("responses", {}).items():
                        if status[0] in "45":
                            answer["content"] = {PROBLEM_JSON: {"schema": problem}}
            schemas_ = spec["components"]["schemas"]
            for unused in ("HTTPValidationError", "ValidationError"):
                schemas_.pop(unused, None)
            app.openapi_schema = spec
        return app.openapi_schema

    app.openapi = openapi

    @app.exception_handler(ApiProblem)
    async def _api_problem(request: Request, exc: ApiProblem):
        return _problem(request, exc.status, exc.title, exc.detail, exc.errors, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        errors = [_pydantic_problem(e) for e in exc.errors()]
        services = request.state.services
        services.metrics.rejected(len(errors))
        return _problem(
            request,
            422,
            "Unprocessable Content",
            f"the body does not follow the input contract ({len(errors)} problem(s))",
            errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        if exc.status_code == 400:  # FastAPI could not read the body (not UTF-8, not JSON)
            reason = f"the body is not valid JSON: {exc.detail}"
            item = {"table": None, "row": None, "column": None, "value": None, "reason": reason}
            return _problem(
                request,
                422,
                "Unprocessable Content",
                "the body does not follow the input contract (1 problem(s))",
                [item],
            )
        return _problem(
            request, exc.status_code, _reason(exc.status_code), str(exc.detail), (), exc.headers
        )

    @app.exception_handler(InputError)
    async def _input(request: Request, exc: InputError):
        return _problem(request, 422, "Unprocessable Content", str(exc))

    @app.exception_handler(RegisterUnavailable)
    async def _unavailable(request: Request, exc: RegisterUnavailable):
        # the register cannot be reached: the request may be retried (with its Idempotency-Key)
        logger.error("register unavailable: %s", exc)
        return _problem(
            request,
            503,
            "Service Unavailable",
            "the assessment register cannot be reached; retry with the same Idempotency-Key",
            headers={"Retry-After": "5"},
        )

    # --------------------------------------------------------------------------- routes
    @app.get("/healthz", tags=["operations"])
    async def healthz(services: ServicesDep) -> dict:
        """Ready: the model is loaded and the register is open."""
        return {"status": "ok", "model_version": services.models.current.version}

    @app.get("/metrics", tags=["operations"], response_class=Response)
    async def metrics(services: ServicesDep) -> Response:
        """Prometheus text format."""
        body, content_type = services.metrics.render()
        return Response(body, media_type=content_type)

    @app.post(
        "/v1/assessments",
        status_code=201,
        response_model=schemas.Assessment,
        tags=["assessments"],
        responses={409: {"model": schemas.Problem, "description": "idempotency key reused"}},
    )
    def create_assessment(
        body: schemas.AssessmentRequest,
        request: Request,
        response: Response,
        services: ServicesDep,
        user: Annotated[User, Depends(require("assess"))],
        idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
    ) -> dict:
        """Assess one application and store it in the register before answering."""
        raw = body.model_dump(mode="json")
        request_sha = request_hash(raw)
        if idempotency_key:
            seen = services.register.by_idempotency_key(user.name, idempotency_key)
            if seen is not None:
                return _replay(seen, request_sha, response)
        product = raw["product"]
        pid = product.get("product_id")
        loaded = services.models.current
        data, assessment = assess_json(
            loaded,
            [product],
            fill_product_id(raw["test_results"], pid),
            fill_product_id(raw["certifications"], pid),
        )
        if len(data.rejects):
            services.metrics.rejected(len(data.rejects))
            raise ApiProblem(
                422,
                "Unprocessable Content",
                f"the application does not follow the input contract ({len(data.rejects)} "
                "row(s) refused)",
                _problems_from_rejects(data.rejects),
            )
        record = new_records(
            loaded, data.portfolio, assessment, user, idempotency_key, request_sha
        )[0]
        try:
            stored, created = services.register.append(record)
        except IdempotencyConflict as exc:
            raise ApiProblem(409, "Conflict", str(exc)) from None
        if not created:
            return _replay(stored, request_sha, response)
        services.metrics.assessed([stored.assessment["grade"]])
        response.headers["Location"] = f"/v1/assessments/{stored.assessment_id}"
        return stored.assessment

    def _replay(seen: StoredRecord, request_sha: str, response: Response) -> dict:
        if seen.request_sha256 != request_sha:
            raise ApiProblem(
                409,
                "Conflict",
                "this Idempotency-Key was used before with another body; use a new key",
            )
        response.headers["Location"] = f"/v1/assessments/{seen.assessment_id}"
        response.headers["Idempotent-Replayed"] = "true"
        return seen.assessment

    @app.post("/v1/assessments/batch", response_model=schemas.BatchAnswer, tags=["assessments"])
    def create_batch(
        body: schemas.BatchRequest,
        services: ServicesDep,
        user: Annotated[User, Depends(require("assess"))],
    ) -> dict:
        """Assess up to 1,000 products; rows that break the contract are set aside and listed
        (as ``rejects.csv``), the rest assessed and stored."""
        raw = body.model_dump(mode="json")
        loaded = services.models.current
        data, assessment = assess_json(
            loaded, raw["products"], raw["test_results"], raw["certifications"]
        )
        if len(data.rejects):
            services.metrics.rejected(len(data.rejects))
        stored = []
        if assessment is not None:
            records = new_records(loaded, data.portfolio, assessment, user, None, request_hash(raw))
            stored = services.register.append_many(records)
            services.metrics.assessed([s.assessment["grade"] for s in stored])
        summary = run_summary(data, None if assessment is None else assessment.scores, loaded.model)
        summary.pop("strict", None)
        return {
            "assessments": [s.assessment for s in stored],
            "rejects": data.rejects.astype(object)
            .where(data.rejects.notna(), None)
            .to_dict("records"),
            "summary": summary,
        }

    @app.get(
        "/v1/assessments/{assessment_id}",
        response_model=schemas.Assessment,
        tags=["assessments"],
        responses={404: {"model": schemas.Problem}},
    )
    def get_assessment(
        assessment_id: str,
        services: ServicesDep,
        user: Annotated[User, Depends(_user)],
    ) -> dict:
        """One stored assessment (an underwriter reads only its own)."""
        return _readable(services.register.get(assessment_id), user, assessment_id).assessment

    @app.get("/v1/assessments", response_model=schemas.AssessmentPage, tags=["assessments"])
    def list_assessments(
        services: ServicesDep,
        user: Annotated[User, Depends(_user)],
        product_id: Annotated[str | None, Query(max_length=500)] = None,
        since: Annotated[str | None, Query(max_length=40, description="YYYY-MM-DD")] = None,
        until: Annotated[str | None, Query(max_length=40, description="YYYY-MM-DD")] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 50,
        cursor: Annotated[str | None, Query(max_length=100)] = None,
        model_version: Annotated[str | None, Query(max_length=100)] = None,
        category: Annotated[str | None, Query(max_length=100)] = None,
        grade: Annotated[str | None, Query(max_length=10)] = None,
    ) -> dict:
        """The register, newest first (an underwriter sees its own assessments only)."""
        if not (user.may("list") or user.may("read_own")):
            raise ApiProblem(403, "Forbidden", f"the role {user.role!r} may not list")
        created_by = None if user.may("list") else user.name
        try:
            records, next_cursor = services.register.list(
                product_id=product_id,
                created_by=created_by,
                since=since,
                until=until,
                limit=limit,
                cursor=cursor,
                model_version=model_version,
                category=category,
                grade=grade,
            )
        except ValueError as exc:
            raise ApiProblem(422, "Unprocessable Content", str(exc)) from None
        return {"assessments": [r.assessment for r in records], "next_cursor": next_cursor}

    @app.post(
        "/v1/assessments/{assessment_id}/verify",
        response_model=schemas.Verification,
        tags=["audit"],
        responses={404: {"model": schemas.Problem}},
    )
    def verify(
        assessment_id: str,
        services: ServicesDep,
        user: Annotated[User, Depends(require("verify"))],
    ) -> dict:
        """Re-score the stored inputs with the model version the assessment records."""
        record = _readable(services.register.get(assessment_id), user, assessment_id)
        differences = verify_record(services.models, record)
        return {
            "assessment_id": assessment_id,
            "model_version": record.model_version,
            "match": not differences,
            "differences": differences,
        }

    @app.post(
        "/v1/whatif",
        response_model=schemas.WhatIfAnswer,
        tags=["assessments"],
        responses={404: {"model": schemas.Problem}},
    )
    def whatif(
        body: schemas.WhatIfRequest,
        services: ServicesDep,
        user: Annotated[User, Depends(require("whatif"))],
    ) -> dict:
        """The assessment of a stored application under changes (not stored)."""
        record = _readable(services.register.get(body.assessment_id), user, body.assessment_id)
        loaded = services.models.version(record.model_version, record.model_source)
        pricing = PricingConfig.from_dict(record.pricing)
        portfolio = portfolio_from_inputs(record.inputs)
        try:
            result = what_if(loaded.model, portfolio, record.product_id, body.changes, pricing)
        except ValueError as exc:
            raise ApiProblem(422, "Unprocessable Content", str(exc)) from None
        after = answers(loaded, result.portfolio, result.assessment)[0]
        after.pop("inputs", None)
        moved = result.moved.astype(object).where(result.moved.notna(), None)
        return {
            **after,
            "based_on": record.assessment_id,
            "changes": list(body.changes),
            "premium_before_krw": float(record.assessment["premium_krw"]),
            "grade_before": record.assessment["grade"],
            "moved": [
                {
                    "target": m["target"],
                    "feature": m["feature"],
                    "before": None if m["before"] is None else str(m["before"]),
                    "after": None if m["after"] is None else str(m["after"]),
                    "factor": float(m["factor"]),
                }
                for m in moved.to_dict("records")
            ],
        }

    @app.get("/v1/model", response_model=schemas.ModelAnswer, tags=["audit"])
    def model(services: ServicesDep, user: Annotated[User, Depends(require("model"))]) -> dict:
        """The model answering requests: version, model card, risk criteria."""
        loaded = services.models.current
        return {
            "model_version": loaded.version,
            "model_source": loaded.source,
            "pricing_version": loaded.pricing.version,
            "model_card": model_card(loaded),
            "criteria": criteria(loaded.model, loaded.pricing),
        }

    @app.post("/v1/admin/reload", response_model=schemas.ReloadAnswer, tags=["operations"])
    def reload(services: ServicesDep, user: Annotated[User, Depends(require("reload"))]) -> dict:
        """Load the model again from its reference (a folder re-read, an alias re-resolved) and
        swap it in; requests in flight finish with the model they started with. With several
        workers, the others are restarted gracefully by uvicorn (SIGHUP to the supervisor)."""
        previous, current = services.models.reload()
        services.metrics.model_loaded(current.version, previous.version)
        if services.settings.workers > 1:
            os.kill(os.getppid(), signal.SIGHUP)
        return {
            "previous_version": previous.version,
            "model_version": current.version,
            "model_source": current.source,
        }

    return app


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def create_app_from_env() -> FastAPI:
    """The app of a worker process (settings from ``RISKMODEL_SERVICE_SETTINGS``)."""
    return create_app(ServiceSettings.from_env())
