"""The application: middleware (sessions, security headers), routes, and error pages without tracebacks."""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from photoflow.database import get_engine
from photoflow.errors import NotFoundError, PhotoflowError
from photoflow.settings import Settings
from photoflow.web import pages_admin, pages_auth, pages_photos, pages_review
from photoflow.web.deps import LoginRequired
from photoflow.web.rendering import render
from photoflow.web.security import SECURITY_HEADERS, session_secret

log = logging.getLogger(__name__)


def create_app(settings: Settings) -> FastAPI:
    app = FastAPI(title="photoflow", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.settings = settings
    app.state.engine = get_engine(settings.db_url)
    app.add_middleware(
        SessionMiddleware,
        secret_key=session_secret(settings),
        session_cookie="photoflow_session",
        max_age=settings.session_hours * 3600,
        same_site="lax",
        https_only=settings.secure_cookies,
    )

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    for module in (pages_auth, pages_review, pages_admin, pages_photos):
        app.include_router(module.router)
    _error_pages(app)
    return app


def _error_pages(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, _: LoginRequired) -> Response:
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> Response:
        return render(request, "error.html", user=None, status_code=error.status_code, message=error.detail)

    @app.exception_handler(RequestValidationError)
    async def bad_input(request: Request, error: RequestValidationError) -> Response:
        fields = "; ".join(
            f"{'.'.join(str(part) for part in problem['loc'][1:])}: {problem['msg']}"
            for problem in error.errors()
        )
        return render(
            request,
            "error.html",
            user=None,
            status_code=400,
            message=f"the form was not filled in correctly ({fields}) / 表单填写有误",
        )

    @app.exception_handler(PhotoflowError)
    async def refused(request: Request, error: PhotoflowError) -> Response:
        code = 404 if isinstance(error, NotFoundError) else 400
        return render(request, "error.html", user=None, status_code=code, message=str(error))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> Response:
        log.error("unexpected error on %s %s: %r", request.method, request.url.path, error, exc_info=error)
        message = "something went wrong on our side; the error is logged / 系统错误，已记录"
        return render(request, "error.html", user=None, status_code=500, message=message)
