"""Matpool PaaS v1 job routes: thin handlers (auth -> parse -> backend -> render)."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from emulator.core.errors import ApiError
from emulator.http import FieldProblem, JSONResponse, bearer_token, parse, query_bool, world_for
from emulator.vendors.matpool import errors, render
from emulator.vendors.matpool.backend import Job, MatpoolWorld
from emulator.vendors.matpool.schemas import JobForm

VENDOR = "matpool"


def _world(request: Request) -> MatpoolWorld:
    world: MatpoolWorld = world_for(
        request,
        VENDOR,
        bearer_token(request),
        missing=errors.bad_token,
        refused=errors.bad_token,
    )
    return world


def _ok(**data: Any) -> Response:
    return JSONResponse({"code": errors.OK, "msg": "", **data})


def _invalid(problem: FieldProblem) -> ApiError:
    return errors.param_illegal(problem.field)


def _job(world: MatpoolWorld, job: Job) -> dict[str, Any]:
    return render.job(job, world.queue_len(job))


async def _form(request: Request) -> dict[str, str]:
    """Every part of a multipart (or urlencoded) body as text; the last of a repeated name wins."""
    try:
        form = await request.form()
    except (HTTPException, MultiPartException):
        raise errors.param_illegal("body") from None
    fields: dict[str, str] = {}
    try:
        for name, value in form.multi_items():
            if isinstance(value, UploadFile):  # a part sent with a filename: read it as text
                fields[name] = (await value.read()).decode("utf-8", "replace")
            else:
                fields[name] = value
    finally:
        await form.close()
    return fields


def _int_param(raw: str | None, name: str) -> int | None:
    """An integer query parameter; None when absent or empty."""
    if raw is None or not raw.strip():
        return None
    try:
        return int(raw.strip())
    except ValueError:
        raise errors.param_illegal(name) from None


async def _job_id(request: Request, *, form_fallback: bool = False) -> int:
    raw = request.query_params.get("id")
    if form_fallback and (raw is None or not raw.strip()):
        raw = (await _form(request)).get("id")
    job_id = _int_param(raw, "id")
    if job_id is None:
        raise errors.param_illegal("id")
    return job_id


async def create_job(request: Request) -> Response:
    """``POST /v1/job`` (multipart/form-data): the new job, at status 6."""
    world = _world(request)
    form = parse(JobForm, await _form(request), _invalid)
    return _ok(job=_job(world, world.create(form)))


async def get_job(request: Request) -> Response:
    """``GET /v1/job?id=``: one job by its API id."""
    world = _world(request)
    return _ok(job=_job(world, world.get(await _job_id(request))))


async def cancel_job(request: Request) -> Response:
    """``DELETE /v1/job?id=``: accepted; the job goes 5, then 4."""
    world = _world(request)
    job = world.cancel(await _job_id(request, form_fallback=True))
    if world.options.cancel_returns_job:
        return _ok(job=_job(world, job))
    return _ok()


async def job_stats(request: Request) -> Response:
    """``GET /v1/job/stats``: how many jobs are in each status."""
    world = _world(request)
    options = world.options
    body: dict[str, Any] = {options.stats_key: world.stats()}
    if options.stats_ids:
        body["ids"] = world.ids_by_status()
    return _ok(**body)


async def list_jobs(request: Request) -> Response:
    """``GET /v1/job/jobs?page&per_page&order``: one page, newest first unless ``order=true``."""
    world = _world(request)
    options = world.options
    query = request.query_params
    page = _int_param(query.get("page"), "page")
    per_page = _int_param(query.get("per_page"), "per_page")
    page = options.page if page is None else page
    per_page = options.per_page if per_page is None else per_page
    if page < 1 or per_page < 1:
        raise errors.param_illegal("page" if page < 1 else "per_page")
    per_page = min(per_page, options.max_per_page)
    try:
        oldest_first = bool(query_bool(query.get("order")))
    except ValueError:
        raise errors.param_illegal("order") from None
    jobs, total = world.page(page, per_page, oldest_first)
    return _ok(
        pagination=render.pagination(total, page, per_page),
        job=[_job(world, job) for job in jobs],
    )


routes = [
    Route("/v1/job", create_job, methods=["POST"]),
    Route("/v1/job", get_job, methods=["GET"]),
    Route("/v1/job", cancel_job, methods=["DELETE"]),
    Route("/v1/job/stats", job_stats, methods=["GET"]),
    Route("/v1/job/jobs", list_jobs, methods=["GET"]),
]
