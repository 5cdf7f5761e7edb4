"""A local GOV.UK Notify: the email endpoints of its public API, in memory, over real HTTP.

`POST /v2/notifications/email` and `GET /v2/notifications` (filtered by ``reference`` and
``template_type``), with Notify's rules: a JWT bearer token signed HS256 with the API key's
secret, ``iss`` the service id, ``iat`` within 30 seconds; the request body checked field by
field; errors in Notify's shape ``{"status_code", "errors": [{"error", "message"}]}``.

Test controls: `fail_next` (answer the next POSTs with an error), `stall` ("after": record the
notification, then hold the answer back; "before": hold the request before recording it),
`release`, and the `notifications` and `posts` it received. Serve `app()` with
`local_http.serving`.
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import jwt
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

SERVICE_ID = "26785a09-ab16-4eb0-8407-a37497a57506"
SECRET = "3d844edf-8d35-48ac-975b-e847b4f122b0"
API_KEY = f"borough_test-{SERVICE_ID}-{SECRET}"
TEMPLATE_ID = "f33517ff-2a88-4f6e-b855-c550268ce08a"
CLOCK_SKEW = 30
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class NotifyError(Exception):
    def __init__(self, status: int, error: str, message: str) -> None:
        super().__init__(message)
        self.status, self.error, self.message = status, error, message

    def response(self) -> JSONResponse:
        return JSONResponse({"status_code": self.status, "errors": [{"error": self.error, "message": self.message}]},
                            status_code=self.status)


@dataclass
class Notification:
    id: str
    email_address: str
    template_id: str
    personalisation: dict[str, Any]
    reference: str | None
    created_at: str

    def body(self, base_url: str) -> dict[str, Any]:
        return {
            "id": self.id, "reference": self.reference, "email_address": self.email_address,
            "phone_number": None, "line_1": None, "type": "email", "status": "sending",
            "template": {"id": self.template_id, "version": 1, "uri": f"{base_url}/v2/template/{self.template_id}"},
            "body": self.personalisation.get("body"), "subject": self.personalisation.get("subject"),
            "created_at": self.created_at, "created_by_name": None, "sent_at": None, "completed_at": None,
        }


@dataclass
class NotifyServer:
    service_id: str = SERVICE_ID
    secret: str = SECRET
    templates: tuple[str, ...] = (TEMPLATE_ID,)
    url: str = ""
    notifications: list[Notification] = field(default_factory=list)
    posts: list[dict[str, Any]] = field(default_factory=list)  # every POST body, accepted or not
    tokens: list[dict[str, Any]] = field(default_factory=list)  # the verified claims
    _failures: list[int] = field(default_factory=list)
    _stall: str | None = None
    _released: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # Test controls ----------------------------------------------------------------------

    def fail_next(self, status: int, times: int = 1) -> None:
        with self._lock:
            self._failures += [status] * times

    def stall(self, when: str) -> None:
        """"after": record each new notification, then never answer (until released);
        "before": hold each POST, then drop it unrecorded (answering 503) when released."""
        assert when in ("after", "before")
        self._stall = when
        self._released.clear()

    def release(self) -> None:
        self._stall = None
        self._released.set()

    def with_reference(self, reference: str) -> list[Notification]:
        with self._lock:
            return [n for n in self.notifications if n.reference == reference]

    # The API ----------------------------------------------------------------------------

    def app(self) -> Starlette:
        async def guarded(request: Request) -> Response:
            try:
                self._authorise(request)
                if request.method == "POST":
                    return await self._send_email(request)
                return self._list(request)
            except NotifyError as error:
                return error.response()

        return Starlette(routes=[
            Route("/v2/notifications/email", guarded, methods=["POST"]),
            Route("/v2/notifications", guarded, methods=["GET"]),
        ])

    def _authorise(self, request: Request) -> None:
        header = request.headers.get("authorization", "")
        if not header.startswith("Bearer "):
            raise NotifyError(401, "AuthError", "Unauthorized: authentication token must be provided")
        token = header.removeprefix("Bearer ")
        try:
            unverified = jwt.decode(token, options={"verify_signature": False})
            algorithm = jwt.get_unverified_header(token).get("alg")
        except jwt.PyJWTError:
            raise NotifyError(403, "AuthError", "Invalid token: signature, api token is not valid") from None
        if algorithm != "HS256":
            raise NotifyError(403, "AuthError", "Invalid token: algorithm used is not HS256")
        if unverified.get("iss") != self.service_id:
            raise NotifyError(403, "AuthError", "Invalid token: service id is not the right data type")
        try:
            claims = jwt.decode(token, self.secret, algorithms=["HS256"], options={"verify_iat": False})
        except jwt.PyJWTError:
            raise NotifyError(403, "AuthError", "Invalid token: API key not found") from None
        issued = claims.get("iat")
        if not isinstance(issued, int) or abs(time.time() - issued) > CLOCK_SKEW:
            raise NotifyError(403, "AuthError", "Error: Your system clock must be accurate to within 30 seconds")
        with self._lock:
            self.tokens.append(claims)

    async def _send_email(self, request: Request) -> Response:
        try:
            body = await request.json()
        except ValueError:
            raise NotifyError(400, "BadRequestError", "Invalid JSON supplied in POST data") from None
        with self._lock:
            self.posts.append(body if isinstance(body, dict) else {"body": body})
            failure = self._failures.pop(0) if self._failures else None
        if failure is not None:
            names = {429: "RateLimitError", 500: "Exception", 503: "Exception"}
            raise NotifyError(failure, names.get(failure, "Exception"), "Internal server error")
        if not isinstance(body, dict):
            raise NotifyError(400, "ValidationError", "JSON body must be an object")
        self._validate(body)
        if self._stall == "before":
            await self._hold()  # the sender gave up (or died) meanwhile: nothing is recorded
            raise NotifyError(503, "Exception", "Internal server error")
        notification = Notification(str(uuid.uuid4()), body["email_address"], body["template_id"],
                                    dict(body.get("personalisation") or {}), body.get("reference"),
                                    datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
        with self._lock:
            self.notifications.append(notification)
        if self._stall == "after":
            await self._hold()
        return JSONResponse({
            "id": notification.id, "reference": notification.reference,
            "content": {"subject": notification.personalisation["subject"],
                        "body": notification.personalisation["body"], "from_email": "borough@notifications.test"},
            "uri": f"{self.url}/v2/notifications/{notification.id}",
            "template": {"id": notification.template_id, "version": 1,
                         "uri": f"{self.url}/v2/template/{notification.template_id}"},
            "scheduled_for": None,
        }, status_code=201)

    def _validate(self, body: dict[str, Any]) -> None:
        problems = []
        for name in ("email_address", "template_id"):
            if name not in body:
                problems.append(f"{name} is a required property")
        allowed = {"email_address", "template_id", "personalisation", "reference", "email_reply_to_id",
                   "one_click_unsubscribe_url"}
        problems += [f"Additional properties are not allowed ({name} was unexpected)" for name in body
                     if name not in allowed]
        address = body.get("email_address")
        if "email_address" in body and not (isinstance(address, str) and EMAIL.fullmatch(address)):
            problems.append("email_address Not a valid email address")
        template = body.get("template_id")
        if "template_id" in body and not (isinstance(template, str) and UUID.fullmatch(template)):
            problems.append("template_id is not a valid UUID")
        if "personalisation" in body and not isinstance(body["personalisation"], dict):
            problems.append("personalisation is not of type object")
        reference = body.get("reference")
        if reference is not None and not isinstance(reference, str):
            problems.append("reference is not of type string")
        if problems:
            raise NotifyError(400, "ValidationError", "; ".join(problems))
        if template not in self.templates:
            raise NotifyError(400, "BadRequestError", "Template not found")
        missing = [name for name in ("subject", "body") if name not in (body.get("personalisation") or {})]
        if missing:
            raise NotifyError(400, "BadRequestError", f"Missing personalisation: {', '.join(missing)}")

    def _list(self, request: Request) -> Response:
        reference = request.query_params.get("reference")
        kind = request.query_params.get("template_type")
        if kind not in (None, "email", "sms", "letter"):
            raise NotifyError(400, "ValidationError", f"template_type {kind} is not one of [sms, email, letter]")
        with self._lock:
            found = [n for n in reversed(self.notifications) if reference is None or n.reference == reference]
        return JSONResponse({"notifications": [n.body(self.url) for n in found[:250]],
                             "links": {"current": str(request.url), "next": None}})

    async def _hold(self) -> None:
        deadline = time.monotonic() + 120
        while not self._released.is_set() and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
