"""The council services Borough ships: each is a valid definition and a fixture for the rest.

The LGSL codes are copied here from the reference notes (lgsl-README.md, which cites the Local
Government Services List via alphagov/publisher's local_services.csv), so the tests need nothing
outside the repository.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from runtime.core.definition import problems
from runtime.core.fees import price
from runtime.core.flow import applicable_pages, prune, stop_page
from runtime.core.reading import read_definition
from runtime.core.service import compile_service

ROOT = Path(__file__).resolve().parents[2]
SERVICES_DIR = ROOT / "schemas" / "services"
SERVICE_FILES = sorted(SERVICES_DIR.glob("*.json"))

# Service id → LGSL code (Local Government Services List).
LGSL = {
    "report-missed-bin": 524,  # refuse collection
    "book-bulky-waste": 528,  # special collections for large items
    "subscribe-garden-waste": 530,  # garden waste
    "report-pothole": 557,  # potholes
    "report-fly-tipping": 587,  # fly-tipping
    "apply-parking-permit": 474,  # parking permits
    "apply-dropped-kerb": 477,  # dropped kerbs
    "pay-council-tax": 57,  # council tax
}


def load(path: Path) -> dict[str, Any]:
    return read_definition(path.read_bytes())


def service(service_id: str) -> Any:
    return compile_service(load(SERVICES_DIR / f"{service_id}.json"))


@pytest.mark.parametrize("path", SERVICE_FILES, ids=lambda path: path.stem)
def test_service_passes_the_meta_schema_and_lint(path: Path) -> None:
    found = problems(load(path))
    assert found == [], "\n".join(problem.line(path.name) for problem in found)


@pytest.mark.parametrize("path", SERVICE_FILES, ids=lambda path: path.stem)
def test_service_file_is_named_after_its_id(path: Path) -> None:
    assert load(path)["id"] == path.stem


@pytest.mark.parametrize("path", SERVICE_FILES, ids=lambda path: path.stem)
def test_service_has_its_lgsl_code(path: Path) -> None:
    document = load(path)
    assert document["id"] in LGSL, f"add {document['id']} and its LGSL code to LGSL"
    assert document["lgsl"] == LGSL[document["id"]]


def test_the_shipped_services_are_exactly_those_with_known_codes() -> None:
    assert {load(path)["id"]: load(path)["lgsl"] for path in SERVICE_FILES} == LGSL


def test_at_least_eight_services_ship() -> None:
    assert len(SERVICE_FILES) >= 8


def test_at_least_three_services_speak_welsh() -> None:
    welsh = [path.stem for path in SERVICE_FILES if "cy" in load(path).get("languages", ["en"])]
    assert len(welsh) >= 3, welsh


# What the services' conditions do with real answers: pages asked, exits, and prices.

ADDRESS = {"line1": "1 High Street", "town": "Demoton", "postcode": "AA1 1AA"}
FILE_ID = str(uuid.UUID(int=1))


def charges(service_id: str, answers: dict[str, Any]) -> dict[str, int]:
    compiled = service(service_id)
    quote = price(compiled, prune(compiled, answers))
    return {charge.id: charge.amount for charge in quote.charges}


def test_parking_permit_charges_diesel_and_vouchers_only_when_they_apply() -> None:
    answers = {
        "address": ADDRESS,
        "registration": "AB12 CDE",
        "vehicleMake": "Ford",
        "vehicleColour": "Blue",
        "fuelType": "petrol",
        "companyCar": False,
        "proofOfAddress": FILE_ID,
        "startDate": "2099-01-01",
        "wantsVouchers": False,
        "voucherBooks": 4,  # left behind on a page that no longer applies
        "name": "Sam Jones",
        "email": "sam@example.com",
    }
    assert charges("apply-parking-permit", answers) == {"permit": 9500}
    answers |= {"fuelType": "diesel", "wantsVouchers": True, "voucherBooks": 3}
    assert charges("apply-parking-permit", answers) == {
        "permit": 9500,
        "diesel-surcharge": 2500,
        "visitor-vouchers": 3000,
    }


def test_bulky_waste_charges_per_item_and_once_for_fridges() -> None:
    items = [
        {"type": "sofa", "details": "3-seater sofa"},
        {"type": "mattress", "details": "Double"},
    ]
    assert charges("book-bulky-waste", {"items": items}) == {"per-item": 3000}
    items.append({"type": "fridge", "details": "Fridge freezer"})
    assert charges("book-bulky-waste", {"items": items}) == {
        "per-item": 4500,
        "fridge-disposal": 2000,
    }


def test_garden_waste_charges_the_concession_rate_or_the_standard_rate() -> None:
    base = {"address": ADDRESS, "bins": 3, "startDate": "2099-01-01"}
    assert charges("subscribe-garden-waste", base) == {}
    assert charges("subscribe-garden-waste", base | {"concession": False}) == {"standard": 15000}
    assert charges("subscribe-garden-waste", base | {"concession": True}) == {"concession": 10500}


def test_council_tax_payment_takes_the_amount_from_the_answer() -> None:
    assert charges("pay-council-tax", {"amount": 12550}) == {"payment": 12550}


def test_dropped_kerb_exits_when_not_eligible_and_adds_the_planning_check() -> None:
    kerb = service("apply-dropped-kerb")
    assert stop_page(kerb, {"ownerPermission": False}).id == "not-owner"
    on_classified_road = {
        "ownerPermission": True,
        "classifiedRoad": True,
        "planningPermission": "no",
    }
    assert stop_page(kerb, on_classified_road).id == "no-planning"
    assert stop_page(kerb, {"ownerPermission": True, "hardstanding": False}).id == "no-hardstanding"
    assert (
        stop_page(kerb, {"ownerPermission": True, "classifiedRoad": False, "hardstanding": True})
        is None
    )
    assert charges("apply-dropped-kerb", {"classifiedRoad": False}) == {"application": 10000}
    assert charges("apply-dropped-kerb", {"classifiedRoad": True}) == {
        "application": 10000,
        "planning-check": 5000,
    }


def test_fly_tipping_asks_follow_ups_only_when_they_apply() -> None:
    fly = service("report-fly-tipping")

    def asked(answers: dict[str, Any]) -> list[str]:
        return [page.id for page in applicable_pages(fly, answers)]

    plain = {"wasteTypes": ["bags"], "sawWho": False, "giveContact": False}
    assert not {"hazardous", "person", "vehicle", "contact"} & set(asked(plain))
    full = {"wasteTypes": ["bags", "hazardous"], "sawWho": True, "giveContact": True}
    assert {"hazardous", "person", "vehicle", "contact"} <= set(asked(full))
