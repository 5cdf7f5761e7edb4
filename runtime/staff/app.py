"""The staff app: one route table. Mounted at /staff by the composition root, or served alone
(`borough serve --staff-only`) so a council can keep it off the public internet."""

from __future__ import annotations

from collections.abc import Sequence

from starlette.applications import Starlette
from starlette.routing import BaseRoute, Route

from runtime.staff import (
    applications,
    audit_log,
    casework,
    council_settings,
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
from runtime.staff.api_key_pages import api_key_list, revoke_api_key
from runtime.staff.context import staff_only
from runtime.web import errors, row_ids
from runtime.web.installation import Installation, install

GET, POST, BOTH = ["GET"], ["POST"], ["GET", "POST"]
CASEWORK = ["admin", "caseworker"]


def staff_routes() -> list[BaseRoute]:
    row_ids.register()  # {name:id}: an id no row can have matches no route (runtime/web/row_ids.py)
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
        # Every email of the installation (operators): runtime/staff/outbox_pages.py
        Route("/outbox", staff_only(outbox_pages.outbox_list, council=False, operator=True), name="installation_outbox"),
        Route("/outbox/{message_id:id}", staff_only(outbox_pages.outbox_message, council=False, operator=True),
              name="installation_outbox_message"),
        Route("/outbox/{message_id:id}/send-again",
              staff_only(outbox_pages.outbox_send_again, council=False, operator=True), methods=POST,
              name="installation_outbox_send_again"),
        # A council
        Route(f"{council}", staff_only(dashboard.dashboard), name="dashboard"),
        # Applications and their payments
        Route(f"{council}/applications/{{reference}}",
              staff_only(applications.application, roles=["admin", "caseworker"]), name="application"),
        # Casework: the inbox, workflow actions, assigning, files, exports (runtime/staff/casework.py, runtime/staff/exports.py)
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
        Route(f"{council}/applications/{{reference}}/payments/{{attempt_id:id}}/refund",
              staff_only(applications.refund, roles=["admin"]), methods=POST, name="refund"),
        Route(f"{council}/payments/reconciliation", staff_only(reconciliation.reconciliation, roles=["admin"]),
              name="reconciliation"),
        # Council settings and webhooks (admin): runtime/staff/council_settings.py, runtime/staff/webhook_pages.py
        Route(f"{council}/settings", staff_only(council_settings.settings, roles=["admin"]), methods=BOTH, name="settings"),
        Route(f"{council}/settings/payments", staff_only(council_settings.payment_settings, roles=["admin"]), methods=BOTH,
              name="payment_settings"),
        Route(f"{council}/settings/email", staff_only(council_settings.email_settings, roles=["admin"]), methods=BOTH,
              name="email_settings"),
        Route(f"{council}/webhooks", staff_only(webhook_pages.webhooks, roles=["admin"]), methods=BOTH, name="webhooks"),
        Route(f"{council}/webhooks/{{endpoint_id:id}}/remove", staff_only(webhook_pages.remove_webhook, roles=["admin"]),
              methods=BOTH, name="remove_webhook"),
        Route(f"{council}/webhooks/{{endpoint_id:id}}", staff_only(webhook_pages.webhook_deliveries, roles=["admin"]),
              name="webhook_deliveries"),
        Route(f"{council}/webhooks/{{endpoint_id:id}}/rotate-secret",
              staff_only(webhook_pages.rotate_webhook_secret, roles=["admin"]), methods=BOTH, name="rotate_webhook_secret"),
        Route(f"{council}/webhooks/{{endpoint_id:id}}/stop-old-secret",
              staff_only(webhook_pages.stop_old_webhook_secret, roles=["admin"]), methods=POST,
              name="stop_old_webhook_secret"),
        Route(f"{council}/webhooks/not-delivered", staff_only(webhook_pages.webhook_dead_letters, roles=["admin"]),
              name="webhook_dead_letters"),
        Route(f"{council}/webhooks/messages/{{delivery_id:id}}/send-again",
              staff_only(webhook_pages.resend_delivery, roles=["admin"]), methods=POST, name="resend_delivery"),
        # API keys for the JSON API (admin): runtime/staff/api_key_pages.py; the API itself is runtime/api/app.py
        Route(f"{council}/api-keys", staff_only(api_key_list, roles=["admin"]), methods=BOTH, name="api_keys"),
        Route(f"{council}/api-keys/{{key_id:id}}/revoke", staff_only(revoke_api_key, roles=["admin"]), methods=BOTH,
              name="revoke_api_key"),
        # The council's emails (admin): runtime/staff/outbox_pages.py
        Route(f"{council}/outbox", staff_only(outbox_pages.outbox_list, roles=["admin"]), name="council_outbox"),
        Route(f"{council}/outbox/{{message_id:id}}", staff_only(outbox_pages.outbox_message, roles=["admin"]),
              name="council_outbox_message"),
        Route(f"{council}/outbox/{{message_id:id}}/send-again",
              staff_only(outbox_pages.outbox_send_again, roles=["admin"]), methods=POST, name="council_outbox_send_again"),
        # People, invitations and the audit log: runtime/staff/people.py, runtime/staff/invitations.py, runtime/staff/audit_log.py
        Route("/invitations/{token}", invitations.invitation, methods=BOTH, name="invitation"),
        Route(f"{council}/people", staff_only(people.people, roles=["admin"]), name="people"),
        Route(f"{council}/people/invite", staff_only(people.invite, roles=["admin"]), methods=POST, name="invite"),
        Route(f"{council}/people/{{user_id:id}}/roles", staff_only(people.change_roles, roles=["admin"]), methods=POST,
              name="change_roles"),
        Route(f"{council}/people/{{user_id:id}}/remove", staff_only(people.remove_member, roles=["admin"]),
              methods=POST, name="remove_member"),
        Route(f"{council}/audit", staff_only(audit_log.audit_log, roles=["admin"]), name="audit"),
    ]


def create_staff_app(installation: Installation, more_routes: Sequence[BaseRoute] = ()) -> Starlette:
    """The staff pages, mounted at /staff by the composition root (the JSON API is mounted
    beside them, at /staff/api/v1). `more_routes` are pages of the same back office that live
    elsewhere (the builder's, handed in by the composition root): the staff app never imports them."""
    return install(Starlette(routes=[*staff_routes(), *more_routes], exception_handlers=errors.HANDLERS),
                   installation)
