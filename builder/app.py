"""The staff app: one route table. Mounted at /staff by the composition root, or served alone
(`borough serve --staff-only`) so a council can keep it off the public internet."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.routing import BaseRoute, Route

from builder import (
    applications,
    audit_log,
    dashboard,
    invitations,
    people,
    reconciliation,
    resets,
    signing_in,
    webhook_pages,
)
from builder import settings as council_settings
from builder.context import staff_only
from runtime.payments.service import Payments
from runtime.store import SecretBox
from runtime.web import errors
from runtime.web.app import resident_routes
from runtime.web.context import Councils, Versions
from runtime.web.projections import Projections
from runtime.web.rendering import Renderer
from runtime.web.sessions import Signer
from runtime.web.settings import Settings

GET, POST, BOTH = ["GET"], ["POST"], ["GET", "POST"]


def staff_routes() -> list[BaseRoute]:
    council = "/{council}"
    return [
        # Signing in and the person's own account
        Route("/", signing_in.home, name="home"),
        Route("/sign-in", signing_in.sign_in, methods=BOTH, name="sign_in"),
        Route("/sign-out", signing_in.sign_out, methods=POST, name="sign_out"),
        Route("/account", staff_only(signing_in.account, council=False), name="account"),
        Route("/account/sign-out-everywhere", staff_only(signing_in.sign_out_everywhere, council=False),
              methods=POST, name="sign_out_everywhere"),
        Route("/password-reset", resets.reset_request, methods=BOTH, name="reset_request"),
        Route("/password-reset/{token}", resets.reset, methods=BOTH, name="reset"),
        Route("/councils", staff_only(signing_in.councils, council=False), name="councils"),
        Route("/councils/new", staff_only(dashboard.create_council, council=False, operator=True), methods=BOTH,
              name="create_council"),
        # A council
        Route(f"{council}", staff_only(dashboard.dashboard), name="dashboard"),
        # Applications and their payments
        Route(f"{council}/applications/{{reference}}",
              staff_only(applications.application, roles=["admin", "caseworker"]), name="application"),
        Route(f"{council}/applications/{{reference}}/payments/{{attempt_id:int}}/refund",
              staff_only(applications.refund, roles=["admin"]), methods=POST, name="refund"),
        Route(f"{council}/payments/reconciliation", staff_only(reconciliation.reconciliation, roles=["admin"]),
              name="reconciliation"),
        # Council settings and webhooks (admin): builder/settings.py, builder/webhook_pages.py
        Route(f"{council}/settings", staff_only(council_settings.settings, roles=["admin"]), methods=BOTH, name="settings"),
        Route(f"{council}/settings/payments", staff_only(council_settings.payment_settings, roles=["admin"]), methods=BOTH,
              name="payment_settings"),
        Route(f"{council}/settings/email", staff_only(council_settings.email_settings, roles=["admin"]), methods=BOTH,
              name="email_settings"),
        Route(f"{council}/webhooks", staff_only(webhook_pages.webhooks, roles=["admin"]), methods=BOTH, name="webhooks"),
        Route(f"{council}/webhooks/{{endpoint_id:int}}/remove", staff_only(webhook_pages.remove_webhook, roles=["admin"]),
              methods=BOTH, name="remove_webhook"),
        # People, invitations and the audit log: builder/people.py, builder/invitations.py, builder/audit_log.py
        Route("/invitations/{token}", invitations.invitation, methods=BOTH, name="invitation"),
        Route(f"{council}/people", staff_only(people.people, roles=["admin"]), name="people"),
        Route(f"{council}/people/invite", staff_only(people.invite, roles=["admin"]), methods=POST, name="invite"),
        Route(f"{council}/people/{{user_id:int}}/roles", staff_only(people.change_roles, roles=["admin"]), methods=POST,
              name="change_roles"),
        Route(f"{council}/people/{{user_id:int}}/remove", staff_only(people.remove_member, roles=["admin"]),
              methods=POST, name="remove_member"),
        Route(f"{council}/audit", staff_only(audit_log.audit_log, roles=["admin"]), name="audit"),
    ]


def create_staff_app(settings: Settings) -> Starlette:
    app = Starlette(
        routes=staff_routes(),
        exception_handlers={
            **{code: errors.http_error for code in (400, 401, 403, 404, 405, 409, 410, 413, 415)},
            500: errors.server_error,
        },
    )
    app.state.settings = settings
    app.state.signer = Signer(settings)
    app.state.renderer = Renderer(settings.themes_dir)
    app.state.box = SecretBox(settings.secret_key)
    app.state.payments = Payments(base_url=settings.base_url, secret_key=settings.secret_key,
                                  production=settings.production, box=app.state.box)
    app.state.paths = {}
    app.state.versions = Versions()
    app.state.councils = Councils()
    app.state.projections = Projections()
    app.state.routes_by_name = {route.name: route for route in app.routes if isinstance(route, Route)}
    app.state.resident_routes = {route.name: route for route in resident_routes(settings) if isinstance(route, Route)}
    return app
