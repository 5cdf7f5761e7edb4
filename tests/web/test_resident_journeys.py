"""Every shipped service, completed end to end through the app as a resident would."""

from __future__ import annotations

import pytest
from resident import REFERENCE, Resident
from walker import service, service_ids, walk

from runtime import store


@pytest.mark.parametrize("service_id", service_ids())
async def test_a_resident_completes_every_shipped_service(resident: Resident, service_id: str) -> None:
    confirmation = await walk(resident, service_id)
    panel = confirmation.soup.select_one(".govuk-panel")
    assert panel is not None
    reference = REFERENCE.search(panel.get_text(" "))
    assert reference, panel.get_text(" ")
    council = await store.get_council("demo")
    submission = await store.get_by_reference(council, reference.group(0))
    assert submission is not None
    assert submission.state == service(service_id).workflow["initial"]
    compiled = service(service_id)
    assert not list(compiled.validator.iter_errors(submission.answers))


@pytest.mark.parametrize("service_id", service_ids())
async def test_every_page_submitted_empty_links_its_errors_to_fields_that_exist(resident: Resident, service_id: str) -> None:
    page = await resident.start("demo", service_id)
    compiled = service(service_id)
    seen = 0
    for definition_page in compiled.pages:
        if definition_page.kind == "content" or not any(f.required for f in definition_page.fields):
            continue
        url = f"/demo/{service_id}/{definition_page.id}" + ("/1" if definition_page.kind == "add-another" else "")
        page = await resident.open(url)
        if not page.url.endswith(url):
            continue  # not reachable yet on an empty application
        failed = await resident.submit(page)
        assert failed.status == 422
        assert failed.title.startswith("Error: ")
        summary = failed.error_summary()
        assert summary, failed.url
        for message, href in summary:
            assert href.startswith("#")
            assert failed.soup.find(id=href[1:]) is not None, f"{href} links nowhere on {failed.url}"
            assert "invalid" not in message.lower() and "is a required property" not in message
        seen += 1
    assert seen >= 1
