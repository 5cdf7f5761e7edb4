"""A council's people: invitations by email (a new account, or an existing account accepting
while signed in), single-use and expiring links, role changes and removals, the last admin
kept, admins only, other councils not found, the audit log newest first a page at a time,
and CSRF on every form."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from bs4 import BeautifulSoup
from staff_client import PASSWORD, StaffClient, make_user

from runtime import store
from runtime.staff.context import STAFF_COOKIE
from runtime.store.models import OneTimeToken, StaffUser

NEW_PASSWORD = "a brand new long passphrase"


@pytest.fixture
async def alpha(staff_app: Any) -> store.Council:
    return await store.create_council("alpha", "Alpha Borough Council")


@pytest.fixture
async def beta(staff_app: Any) -> store.Council:
    return await store.create_council("beta", "Beta District Council")


async def signed_in(new_client: Callable[[], StaffClient], email: str, password: str = PASSWORD) -> StaffClient:
    client = new_client()
    response = await client.sign_in(email, password)
    assert response.status_code == 303, response.text[:300]
    return client


def soup(response: Any) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def error_summary(response: Any) -> list[str]:
    summary = soup(response).select_one(".govuk-error-summary")
    return [" ".join(a.get_text(" ").split()) for a in summary.select("a")] if summary else []


def link_in(message: store.OutboxMessage) -> str:
    """The invitation link of an email, as a path in the staff app."""
    found = re.search(r"http://127\.0\.0\.1:8000(/staff/invitations/[\w-]+)", message.body_text)
    assert found, message.body_text
    return found.group(1)


async def roles_in(council: store.Council, email: str) -> list[str] | None:
    user = await store.staff.user_by_email(email)
    membership = await store.staff.membership(user, council) if user else None
    return list(membership.roles) if membership else None


async def actions(council: store.Council) -> list[tuple[str, str]]:
    return [(e.action, e.target) for e in await store.audit.entries(council, limit=1000)]


async def invite(admin: StaffClient, council: store.Council, email: str, roles: list[str]) -> Any:
    return await admin.post(f"/staff/{council.slug}/people/invite", {"email": email, "roles": roles})


# Inviting a new colleague --------------------------------------------------------------------

async def test_an_invited_colleague_creates_an_account_joins_and_can_sign_in_again(
        alpha: store.Council, new_client: Callable[[], StaffClient]) -> None:
    await make_user("ann@alpha.test", alpha, ["admin"])
    ann = await signed_in(new_client, "ann@alpha.test")
    page = await ann.http.get("/staff/alpha/people")
    assert page.status_code == 200
    assert "Invite a colleague" in page.text and "ann@alpha.test" in page.text

    sent = await invite(ann, alpha, "  Carl@Alpha.test ", ["designer", "caseworker"])
    assert sent.status_code == 303 and sent.headers["location"] == "/staff/alpha/people"
    listed = await ann.http.get(sent.headers["location"])
    assert "We have sent an invitation to carl@alpha.test" in listed.text
    pending = (await ann.http.get("/staff/alpha/people.json")).json()["invitations"]
    assert [(p["email"], p["roles"], p["invited_by"]) for p in pending] == [
        ("carl@alpha.test", ["designer", "caseworker"], "ann@alpha.test")]
    [email] = await store.list_for_recipient("carl@alpha.test")
    assert "Alpha Borough Council" in email.subject and "within 7 days" in email.body_text
    link = link_in(email)
    invitation = await OneTimeToken.get(id=store.staff.token_hash(link.rsplit("/", 1)[1]))
    assert timedelta(days=6, hours=23) < invitation.expires_at - invitation.created_at <= timedelta(days=7, seconds=5)

    carl = new_client()
    form = await carl.http.get(link)
    assert form.status_code == 200 and "Create your account" in form.text and "Designer, Caseworker" in form.text
    weak = await carl.post(link, {"name": "Carl Jones", "password": "short", "confirm": "short"})
    assert weak.status_code == 422 and error_summary(weak) == ["Password must be 12 characters or more"]
    mismatch = await carl.post(link, {"name": "", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "x"})
    assert mismatch.status_code == 422
    assert error_summary(mismatch) == ["Enter your full name", "The passwords do not match"]
    assert await store.staff.user_by_email("carl@alpha.test") is None

    joined = await carl.post(link, {"name": "Carl Jones", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert joined.status_code == 303 and joined.headers["location"] == "/staff/alpha"
    cookie = joined.headers["set-cookie"]
    assert f"{STAFF_COOKIE}=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/staff" in cookie
    dashboard = await carl.http.get("/staff/alpha")
    assert dashboard.status_code == 200 and "carl@alpha.test" in dashboard.text
    assert await roles_in(alpha, "carl@alpha.test") == ["designer", "caseworker"]
    user = await store.staff.user_by_email("carl@alpha.test")
    assert user is not None and user.name == "Carl Jones"

    again = await signed_in(new_client, "carl@alpha.test", NEW_PASSWORD)
    assert (await again.http.get("/staff/alpha")).status_code == 200
    assert (await ann.http.get("/staff/alpha/people.json")).json()["invitations"] == []
    assert await actions(alpha) == [("invitation-accepted", "carl@alpha.test"), ("staff-invited", "carl@alpha.test")]
    accepted = (await store.audit.entries(alpha, limit=1))[0]
    assert accepted.actor_label == "carl@alpha.test" and accepted.after == {
        "roles": ["designer", "caseworker"], "new_account": True}


async def test_an_invitation_link_works_once(alpha: store.Council, new_client: Callable[[], StaffClient]) -> None:
    await make_user("ann@alpha.test", alpha, ["admin"])
    ann = await signed_in(new_client, "ann@alpha.test")
    await invite(ann, alpha, "carl@alpha.test", ["caseworker"])
    link = link_in((await store.list_for_recipient("carl@alpha.test"))[0])
    first, second = new_client(), new_client()
    await first.http.get(link)
    await second.http.get(link)
    forms = [{"name": name, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD} for name in ("Carl One", "Carl Two")]
    results = await asyncio.gather(first.post(link, forms[0]), second.post(link, forms[1]))
    # One creates the account; the other finds the link used up, whenever it looked: at once
    # (410), or, when it looked while the first was committing, sent back to the link (303),
    # which then says it was used.
    joined = [r for r in results if r.status_code == 303 and r.headers["location"].endswith("/staff/alpha")]
    [loser] = [r for r in results if r not in joined]
    assert len(joined) == 1 and (loser.status_code == 410 or loser.headers.get("location", "").endswith(link)), [
        (r.status_code, r.headers.get("location")) for r in results]
    assert await StaffUser.filter(email="carl@alpha.test").count() == 1
    later = await new_client().http.get(link)
    assert later.status_code == 410 and "expired or has been used" in later.text
    replay = await new_client().post(link, {"name": "Mallory", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert replay.status_code == 410
    assert await StaffUser.filter(email="carl@alpha.test").count() == 1
    assert [a for a in await actions(alpha) if a[0] == "invitation-accepted"] == [("invitation-accepted", "carl@alpha.test")]


async def test_an_expired_invitation_is_refused(alpha: store.Council, new_client: Callable[[], StaffClient]) -> None:
    token = await store.staff.issue_token("invitation", "late@alpha.test", lifetime=timedelta(seconds=-1),
                                          council=alpha, roles=["caseworker"])
    late = new_client()
    page = await late.http.get(f"/staff/invitations/{token}")
    assert page.status_code == 410 and "This invitation has expired or has been used" in page.text
    posted = await late.post(f"/staff/invitations/{token}",
                             {"name": "Late", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert posted.status_code == 410
    assert await store.staff.user_by_email("late@alpha.test") is None
    assert (await late.http.get("/staff/invitations/not-a-real-token")).status_code == 410


# Inviting someone who already has an account ---------------------------------------------------

async def test_an_existing_user_signs_in_and_accepts_to_join_a_second_council(
        alpha: store.Council, beta: store.Council, new_client: Callable[[], StaffClient]) -> None:
    await make_user("ann@alpha.test", alpha, ["admin"])
    await make_user("bea@beta.test", beta, ["admin", "publisher"])
    await make_user("eve@beta.test", beta, ["caseworker"])
    ann = await signed_in(new_client, "ann@alpha.test")
    assert (await invite(ann, alpha, "bea@beta.test", ["designer"])).status_code == 303
    link = link_in((await store.list_for_recipient("bea@beta.test"))[0])

    bea = new_client()
    outside = await bea.http.get(link)
    assert outside.status_code == 200 and "Sign in to accept" in outside.text
    sign_in = soup(outside).find("a", string=re.compile("Sign in to accept"))
    assert sign_in is not None and sign_in["href"] == f"/staff/sign-in?next={link}"
    refused = await bea.post(link, {})
    assert refused.status_code == 303 and await roles_in(alpha, "bea@beta.test") is None

    # Signed in as someone else: told so, and posting grants nothing to anyone.
    eve = await signed_in(new_client, "eve@beta.test")
    wrong = await eve.http.get(link)
    assert "but you are signed in as eve@beta.test" in wrong.text and "Accept invitation" not in wrong.text
    assert (await eve.post(link, {})).status_code == 303
    assert await roles_in(alpha, "eve@beta.test") is None and await roles_in(alpha, "bea@beta.test") is None

    form_page = await bea.http.get(sign_in["href"])
    token = str(soup(form_page).find("input", attrs={"name": "csrf_token"})["value"])
    back = await bea.http.post(sign_in["href"], data={"csrf_token": token, "email": "bea@beta.test",
                                                       "password": PASSWORD})
    assert back.status_code == 303 and back.headers["location"] == link
    accept_page = await bea.http.get(link)
    assert "Accept invitation" in accept_page.text and "Create your account" not in accept_page.text
    accepted = await bea.post(link, {})
    assert accepted.status_code == 303 and accepted.headers["location"] == "/staff/alpha"
    assert await roles_in(alpha, "bea@beta.test") == ["designer"]
    assert await roles_in(beta, "bea@beta.test") == ["admin", "publisher"]
    assert (await bea.http.get("/staff/alpha")).status_code == 200
    assert (await bea.http.get("/staff/alpha/people")).status_code == 403  # a designer, not an admin, here
    assert (await bea.post(link, {})).status_code == 410
    assert ("invitation-accepted", "bea@beta.test") in await actions(alpha)


async def test_inviting_a_member_or_a_bad_address_is_refused_with_reasons(
        alpha: store.Council, new_client: Callable[[], StaffClient]) -> None:
    await make_user("ann@alpha.test", alpha, ["admin"])
    await make_user("dan@alpha.test", alpha, ["caseworker"])
    ann = await signed_in(new_client, "ann@alpha.test")
    member = await invite(ann, alpha, "DAN@alpha.test", ["designer"])
    assert member.status_code == 422
    assert error_summary(member) == [
        "dan@alpha.test is already a member of Alpha Borough Council. Change their roles in the list of staff instead"]
    bad = await invite(ann, alpha, "not an email", [])
    assert bad.status_code == 422
    assert error_summary(bad) == ["Enter an email address in the correct format, like name@example.com",
                                  "Select at least one role"]
    assert soup(bad).find("input", attrs={"name": "email"})["value"] == "not an email"
    unknown_role = await invite(ann, alpha, "new@alpha.test", ["owner"])
    assert unknown_role.status_code == 422 and error_summary(unknown_role) == ["Select at least one role"]
    assert await store.staff.pending_invitations(alpha) == []
    assert await store.list_for_recipient("dan@alpha.test") == []
    assert await store.list_for_recipient("new@alpha.test") == []
    assert await actions(alpha) == []


# Changing roles and removing members ------------------------------------------------------------

async def test_roles_change_and_removal_work_and_are_audited(alpha: store.Council,
                                                             new_client: Callable[[], StaffClient]) -> None:
    await make_user("ann@alpha.test", alpha, ["admin"])
    dan = await make_user("dan@alpha.test", alpha, ["caseworker"])
    ann = await signed_in(new_client, "ann@alpha.test")
    changed = await ann.post(f"/staff/alpha/people/{dan.id}/roles", {"roles": ["publisher", "designer"]})
    assert changed.status_code == 303 and changed.headers["location"] == "/staff/alpha/people"
    assert await roles_in(alpha, "dan@alpha.test") == ["designer", "publisher"]
    none = await ann.post(f"/staff/alpha/people/{dan.id}/roles", {})
    assert none.status_code == 422 and error_summary(none) == ["Select at least one role"]
    assert soup(none).select_one(f"#member-{dan.id}-roles-error") is not None
    assert await roles_in(alpha, "dan@alpha.test") == ["designer", "publisher"]

    removed = await ann.post(f"/staff/alpha/people/{dan.id}/remove")
    assert removed.status_code == 303 and await roles_in(alpha, "dan@alpha.test") is None
    assert await store.staff.user_by_email("dan@alpha.test") is not None  # the account stays
    dan_client = await signed_in(new_client, "dan@alpha.test")
    assert (await dan_client.http.get("/staff/alpha")).status_code == 404
    assert (await ann.post(f"/staff/alpha/people/{dan.id}/remove")).status_code == 404

    entries = await store.audit.entries(alpha, limit=10)
    assert [(e.action, e.target, e.actor_label, e.before, e.after) for e in entries] == [
        ("member-removed", "dan@alpha.test", "ann@alpha.test",
         {"email": "dan@alpha.test", "roles": ["designer", "publisher"]}, None),
        ("roles-changed", "dan@alpha.test", "ann@alpha.test", {"roles": ["caseworker"]},
         {"roles": ["designer", "publisher"]}),
    ]


async def test_the_last_admin_cannot_be_removed_or_demoted(alpha: store.Council,
                                                          new_client: Callable[[], StaffClient]) -> None:
    ann = await make_user("ann@alpha.test", alpha, ["admin"])
    ann_client = await signed_in(new_client, "ann@alpha.test")
    demote = await ann_client.post(f"/staff/alpha/people/{ann.id}/roles", {"roles": ["designer"]})
    assert demote.status_code == 422
    assert error_summary(demote) == ["Ann is the only admin of Alpha Borough Council. "
                                     "Make someone else an admin before taking the admin role away"]
    remove = await ann_client.post(f"/staff/alpha/people/{ann.id}/remove")
    assert remove.status_code == 422
    assert error_summary(remove) == ["Ann is the only admin of Alpha Borough Council and cannot be removed. "
                                     "Make someone else an admin first"]
    assert await roles_in(alpha, "ann@alpha.test") == ["admin"]

    # With a second admin, one may step down; then the other is the last and is kept.
    bob = await make_user("bob@alpha.test", alpha, ["admin", "caseworker"])
    stepped_down = await ann_client.post(f"/staff/alpha/people/{ann.id}/roles", {"roles": ["designer"]})
    assert stepped_down.status_code == 303 and stepped_down.headers["location"] == "/staff/alpha"
    bob_client = await signed_in(new_client, "bob@alpha.test")
    assert (await bob_client.post(f"/staff/alpha/people/{bob.id}/roles", {"roles": ["caseworker"]})).status_code == 422
    assert (await bob_client.post(f"/staff/alpha/people/{bob.id}/remove")).status_code == 422
    assert await roles_in(alpha, "bob@alpha.test") == ["admin", "caseworker"]
    assert (await bob_client.post(f"/staff/alpha/people/{ann.id}/remove")).status_code == 303

    # Two admins demoting each other at once: one change wins, the council keeps an admin.
    await store.staff.grant(ann, alpha, ["admin"])
    results = await asyncio.gather(
        ann_client.post(f"/staff/alpha/people/{bob.id}/roles", {"roles": ["caseworker"]}),
        bob_client.post(f"/staff/alpha/people/{ann.id}/roles", {"roles": ["caseworker"]}),
    )
    assert sorted(r.status_code for r in results) in ([303, 403], [303, 422])
    admins = [m for m in await store.staff.members_of(alpha) if "admin" in m.roles]
    assert len(admins) == 1


# Who may do what --------------------------------------------------------------------------------

async def test_only_admins_reach_the_people_and_audit_pages(alpha: store.Council,
                                                           new_client: Callable[[], StaffClient]) -> None:
    ann = await make_user("ann@alpha.test", alpha, ["admin"])
    await make_user("cas@alpha.test", alpha, ["designer", "publisher", "caseworker"])
    cas = await signed_in(new_client, "cas@alpha.test")
    for url in ("/staff/alpha/people", "/staff/alpha/people.json", "/staff/alpha/audit", "/staff/alpha/audit.json"):
        assert (await cas.http.get(url)).status_code == 403, url
    posts = [
        ("/staff/alpha/people/invite", {"email": "x@alpha.test", "roles": ["admin"]}),
        (f"/staff/alpha/people/{ann.id}/roles", {"roles": ["caseworker"]}),
        (f"/staff/alpha/people/{ann.id}/remove", {}),
    ]
    for url, data in posts:
        assert (await cas.post(url, data)).status_code == 403, url
    assert await roles_in(alpha, "ann@alpha.test") == ["admin"]
    assert await store.staff.pending_invitations(alpha) == []
    nav = soup(await cas.http.get("/staff/alpha")).select(".borough-staff-nav a")
    assert "Staff" not in [a.get_text(strip=True) for a in nav]


async def test_another_councils_people_and_audit_are_not_found(alpha: store.Council, beta: store.Council,
                                                               new_client: Callable[[], StaffClient]) -> None:
    await make_user("ann@alpha.test", alpha, ["admin"])
    bea = await make_user("bea@beta.test", beta, ["admin"])
    await store.audit.record(beta, bea, "settings-changed", "beta")
    ann = await signed_in(new_client, "ann@alpha.test")
    for url in ("/staff/beta/people", "/staff/beta/audit", "/staff/beta/people.json", "/staff/beta/audit.json"):
        assert (await ann.http.get(url)).status_code == 404, url
    posts = [
        ("/staff/beta/people/invite", {"email": "x@beta.test", "roles": ["admin"]}),
        (f"/staff/beta/people/{bea.id}/roles", {"roles": ["caseworker"]}),
        (f"/staff/beta/people/{bea.id}/remove", {}),
        (f"/staff/alpha/people/{bea.id}/roles", {"roles": ["caseworker"]}),  # B's user through A's URL
        (f"/staff/alpha/people/{bea.id}/roles", {}),
        (f"/staff/alpha/people/{bea.id}/remove", {}),
        ("/staff/alpha/people/999999/remove", {}),
    ]
    for url, data in posts:
        assert (await ann.post(url, data)).status_code == 404, url
    assert await roles_in(beta, "bea@beta.test") == ["admin"]
    assert await store.staff.pending_invitations(beta) == []
    people = await ann.http.get("/staff/alpha/people.json")
    assert "bea@beta.test" not in people.text
    assert await actions(beta) == [("settings-changed", "beta")]


# The audit log ----------------------------------------------------------------------------------

async def test_the_audit_log_shows_the_councils_own_entries_newest_first_a_page_at_a_time(
        alpha: store.Council, beta: store.Council, new_client: Callable[[], StaffClient]) -> None:
    ann = await make_user("ann@alpha.test", alpha, ["admin"])
    bea = await make_user("bea@beta.test", beta, ["admin"])
    for n in range(60):
        await store.audit.record(alpha, ann, "settings-changed", f"alpha-{n}", before={"n": n}, after={"n": n + 1})
        if n % 20 == 0:
            await store.audit.record(beta, bea, "secret-beta-action", f"beta-{n}")
    await store.audit.record(alpha, ann, "settings-changed", "<script>alert(1)</script>",
                             after={"name": "<b>Bold</b> & co"})
    client = await signed_in(new_client, "ann@alpha.test")

    first = (await client.http.get("/staff/alpha/audit.json")).json()
    targets = [e["target"] for e in first["entries"]]
    assert len(targets) == 50
    assert targets[:3] == ["<script>alert(1)</script>", "alpha-59", "alpha-58"]
    assert targets[-1] == "alpha-11"
    assert first["entries"][1]["before"] == {"n": 59} and first["entries"][1]["after"] == {"n": 60}
    assert first["entries"][1]["actor"] == "ann@alpha.test" and first["entries"][1]["action"] == "settings-changed"
    assert first["links"]["newest"] is None
    older = first["links"]["older"]
    assert older == f"/staff/alpha/audit?before={first['entries'][-1]['id']}"

    second = (await client.http.get(older.replace("/audit?", "/audit.json?"))).json()
    assert [e["target"] for e in second["entries"]] == [f"alpha-{n}" for n in range(10, -1, -1)]
    assert second["links"]["older"] is None and second["links"]["newest"] == "/staff/alpha/audit"

    page = await client.http.get("/staff/alpha/audit")
    assert page.status_code == 200
    assert "<script>alert(1)</script>" not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "<b>Bold</b>" not in page.text
    assert "secret-beta-action" not in page.text and "beta-0" not in page.text
    rows = soup(page).select("tbody tr")
    assert len(rows) == 50
    assert [a["href"] for a in soup(page).select(".govuk-pagination a") if "Older entries" in a.get_text()] == [older]
    older_page = await client.http.get(older)
    assert len(soup(older_page).select("tbody tr")) == 11 and "Older entries" not in older_page.text
    assert (await client.http.get("/staff/alpha/audit?before=abc")).status_code == 400


# CSRF -------------------------------------------------------------------------------------------

async def test_forms_without_a_csrf_token_are_refused_and_change_nothing(
        alpha: store.Council, new_client: Callable[[], StaffClient]) -> None:
    await make_user("ann@alpha.test", alpha, ["admin"])
    dan = await make_user("dan@alpha.test", alpha, ["caseworker"])
    ann = await signed_in(new_client, "ann@alpha.test")
    before = await actions(alpha)
    posts = [
        ("/staff/alpha/people/invite", {"email": "x@alpha.test", "roles": ["admin"]}),
        (f"/staff/alpha/people/{dan.id}/roles", {"roles": ["admin"]}),
        (f"/staff/alpha/people/{dan.id}/remove", {"confirm": "yes"}),  # an empty body would be a 400
    ]
    for url, data in posts:
        assert (await ann.post(url, data, csrf=False)).status_code == 403, url
        forged = await ann.http.post(url, data={**data, "csrf_token": "forged"})
        assert forged.status_code == 403, url
    assert await roles_in(alpha, "dan@alpha.test") == ["caseworker"]
    assert await store.staff.pending_invitations(alpha) == []
    assert await store.list_for_recipient("x@alpha.test") == []

    token = await store.staff.issue_token("invitation", "carl@alpha.test", lifetime=timedelta(days=7),
                                          council=alpha, roles=["caseworker"])
    carl = new_client()
    refused = await carl.post(f"/staff/invitations/{token}",
                              {"name": "Carl", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, csrf=False)
    assert refused.status_code == 403
    assert await store.staff.user_by_email("carl@alpha.test") is None
    assert await store.staff.peek_token("invitation", token) is not None  # still usable
    assert await actions(alpha) == before
