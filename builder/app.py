"""The staff app: one route table. Mounted at /staff by the composition root, or served alone
(`borough serve --staff-only`) so a council can keep it off the public internet."""

from __future__ import annotations

import re

from starlette.applications import Starlette
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import ASGIApp

from builder import (
    applications,
    audit_log,
    casework,
    dashboard,
    exports,
    invitations,
    outbox_pages,
    people,
    reconciliation,
    resets,
    signing_in,
    webhook_pages,
)
from builder import settings as council_settings
from builder.api import create_api_app
from builder.api_key_pages import api_key_list, revoke_api_key
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
CASEWORK = ["admin", "caseworker"]


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
        # Every email of the installation (operators): builder/outbox_pages.py
        Route("/outbox", staff_only(outbox_pages.outbox_list, council=False, operator=True), name="installation_outbox"),
        Route("/outbox/{message_id:int}", staff_only(outbox_pages.outbox_message, council=False, operator=True),
              name="installation_outbox_message"),
        Route("/outbox/{message_id:int}/send-again",
              staff_only(outbox_pages.outbox_send_again, council=False, operator=True), methods=POST,
              name="installation_outbox_send_again"),
        # A council
        Route(f"{council}", staff_only(dashboard.dashboard), name="dashboard"),
        # Applications and their payments
        Route(f"{council}/applications/{{reference}}",
              staff_only(applications.application, roles=["admin", "caseworker"]), name="application"),
        # Casework: the inbox, workflow actions, assigning, files, exports (builder/casework.py, builder/exports.py)
        Route(f"{council}/applications", staff_only(casework.applications, roles=CASEWORK), name="applications"),
        Route(f"{council}/applications/{{reference}}/actions", staff_only(casework.act, roles=CASEWORK),
              methods=POST, name="application_action"),
        Route(f"{council}/applications/{{reference}}/assign", staff_only(casework.assign, roles=CASEWORK),
              methods=POST, name="application_assign"),
        Route(f"{council}/applications/{{reference}}/files/{{file_id}}", staff_only(casework.download, roles=CASEWORK),
              name="application_file"),
        Route(f"{council}/services/{{service_id}}/export.csv", staff_only(exports.export_csv, roles=CASEWORK),
              name="export_csv"),
        Route(f"{council}/services/{{service_id}}/export", staff_only(exports.export, roles=CASEWORK), name="export"),
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
        Route(f"{council}/webhooks/{{endpoint_id:int}}", staff_only(webhook_pages.webhook_deliveries, roles=["admin"]),
              name="webhook_deliveries"),
        Route(f"{council}/webhooks/{{endpoint_id:int}}/rotate-secret",
              staff_only(webhook_pages.rotate_webhook_secret, roles=["admin"]), methods=BOTH, name="rotate_webhook_secret"),
        Route(f"{council}/webhooks/{{endpoint_id:int}}/stop-old-secret",
              staff_only(webhook_pages.stop_old_webhook_secret, roles=["admin"]), methods=POST,
              name="stop_old_webhook_secret"),
        Route(f"{council}/webhooks/not-delivered", staff_only(webhook_pages.webhook_dead_letters, roles=["admin"]),
              name="webhook_dead_letters"),
        Route(f"{council}/webhooks/messages/{{delivery_id:int}}/send-again",
              staff_only(webhook_pages.resend_delivery, roles=["admin"]), methods=POST, name="resend_delivery"),
        # API keys for the JSON API (admin): builder/api_key_pages.py; the API itself is builder/api.py
        Route(f"{council}/api-keys", staff_only(api_key_list, roles=["admin"]), methods=BOTH, name="api_keys"),
        Route(f"{council}/api-keys/{{key_id:int}}/revoke", staff_only(revoke_api_key, roles=["admin"]), methods=BOTH,
              name="revoke_api_key"),
        # The council's emails (admin): builder/outbox_pages.py
        Route(f"{council}/outbox", staff_only(outbox_pages.outbox_list, roles=["admin"]), name="council_outbox"),
        Route(f"{council}/outbox/{{message_id:int}}", staff_only(outbox_pages.outbox_message, roles=["admin"]),
              name="council_outbox_message"),
        Route(f"{council}/outbox/{{message_id:int}}/send-again",
              staff_only(outbox_pages.outbox_send_again, roles=["admin"]), methods=POST, name="council_outbox_send_again"),
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


def mount(path: str, app: ASGIApp, name: str) -> Mount:
    """A Mount for paths holding any character: Starlette's own stops at a newline (%0A),
    sending such a request past the mounted app to another app's 404 page."""
    found = Mount(path, app=app, name=name)
    found.path_regex = re.compile(found.path_regex.pattern, re.DOTALL)
    return found


def create_staff_app(settings: Settings) -> Starlette:
    app = Starlette(
        # The JSON API first: its key, not a staff session, says which council it reads.
        routes=[mount("/api/v1", create_api_app(settings), "api"), *staff_routes()],
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
