"""The resident app: one route table; stateless over one database. The composition root
(`borough.app`) mounts it beside the staff app and the API, and owns the lifespan."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.routing import BaseRoute, Route

from runtime.resident import (
    add_another,
    cookies,
    directory,
    inline,
    journey,
    paying,
    save_return,
    status,
    status_lookup,
    status_provide,
)
from runtime.web import errors
from runtime.web.installation import Installation, install


def resident_routes() -> list[BaseRoute]:
    service = "/{council}/{service}"
    return [
        Route("/", directory.home, name="home"),
        Route("/outbox", directory.outbox, name="outbox"),
        Route("/_sandbox/pay/{payment_id}", paying.sandbox_page, methods=["GET", "POST"], name="sandbox_pay"),
        Route("/_sandbox/pay/{payment_id}/cancel", paying.sandbox_cancel, methods=["POST"], name="sandbox_cancel"),
        Route("/payments/{provider}/{council}/webhook", paying.webhook, methods=["POST"], name="payment_webhook"),
        Route("/{council}", directory.council, name="council"),
        # Before the service routes: "status" and "cookies" are never service ids.
        Route("/{council}/cookies", cookies.cookies, name="cookies"),
        Route("/{council}/status", status_lookup.lookup, methods=["GET", "POST"], name="status_lookup"),
        Route("/{council}/status/{reference}/{token}", status.status, name="status"),
        Route("/{council}/status/{reference}/{token}/answers", status.answers, name="status_answers"),
        Route("/{council}/status/{reference}/{token}/provide", status_provide.provide, methods=["GET", "POST"],
              name="status_provide"),
        Route(service, journey.start, name="start"),
        Route(f"{service}/start", journey.begin, methods=["POST"], name="begin"),
        Route(f"{service}/check-answers", journey.check_answers, methods=["GET", "POST"], name="check_answers"),
        Route(f"{service}/confirmation", journey.confirmation, name="confirmation"),
        Route(f"{service}/payment/{{token}}", paying.payment_return, name="payment_return"),
        Route(f"{service}/payment/{{token}}/retry", paying.payment_retry, methods=["POST"], name="payment_retry"),
        Route(f"{service}/save", save_return.save_for_later, methods=["GET", "POST"], name="save"),
        Route(f"{service}/resume/{{token}}", save_return.resume, name="resume"),
        Route(f"{service}/{{page}}", journey.question, methods=["GET", "POST"], name="page"),
        Route(f"{service}/{{page}}/validate", inline.validate, methods=["POST"], name="validate"),
        Route(f"{service}/{{page}}/{{item:int}}", add_another.item, methods=["GET", "POST"], name="item"),
        Route(f"{service}/{{page}}/{{item:int}}/remove", add_another.remove_item, methods=["GET", "POST"], name="remove_item"),
    ]


def create_resident_app(installation: Installation) -> Starlette:
    app = Starlette(routes=resident_routes(), exception_handlers=errors.HANDLERS)
    return install(app, installation)
