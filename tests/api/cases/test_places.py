"""Issue 22: a report written with an old commune name goes by the unit it is now. The demo commune (xã Hòa Bình,
tỉnh Demo) absorbed xã Hòa Lợi and xã Hòa Thạnh; thị trấn Hòa Thành went to xã Tân Phú (knowledge/places/demo.yml);
a commune onboarded by the province (phường An Phú) keeps its former name xã Phú Mỹ."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from api.cases.models import Case, TimelineEntry
from api.communes.models import Commune
from api.db import transaction
from api.province.onboarding import set_former_names

FileCase = Callable[..., dict[str, Any]]


def routed(app: FastAPI, code: str) -> tuple[str | None, str]:
    """The case's department code and the body of its "routed" timeline entry."""
    with transaction(app.state.sessionmaker) as session:
        case = session.scalar(select(Case).where(Case.code == code))
        assert case is not None
        body = session.scalar(
            select(TimelineEntry.body).where(TimelineEntry.case_id == case.id, TimelineEntry.kind == "routed")
        )
        return (case.department.code if case.department else None), str(body)


@pytest.fixture
def an_phu(app: FastAPI) -> None:
    with transaction(app.state.sessionmaker) as session:
        commune = Commune(slug="phuong-an-phu", name="UBND phường An Phú", province="tỉnh Demo")
        session.add(commune)
        session.flush()
        set_former_names(session, commune=commune, names=["Phường An Phú", "Xã Phú Mỹ"])


@pytest.mark.parametrize("location", ["ấp 2 xã Hòa Lợi cũ", "xom 3 xa hoa thanh", "ấp 1, xã Hòa Bình"])
def test_an_old_name_of_the_commune_itself_is_routed_as_usual(app: FastAPI, file_case: FileCase, location: str) -> None:
    filed = file_case(category="chieu_sang", location_text=location)
    department, body = routed(app, filed["code"])
    assert department == "dia_chinh" and "ngoài địa bàn" not in body


def test_an_old_name_of_a_unit_now_elsewhere_goes_to_triage_naming_the_new_unit(
    app: FastAPI, file_case: FileCase
) -> None:
    filed = file_case(category="chieu_sang", location_text="đường vào chợ thị trấn Hòa Thành")
    department, body = routed(app, filed["code"])
    assert department is None and filed["department"] is None
    assert "nay thuộc xã Tân Phú: ngoài địa bàn, cần chuyển UBND xã Tân Phú" in body


def test_a_former_name_of_another_commune_of_the_deployment_names_that_commune(
    app: FastAPI, file_case: FileCase, an_phu: None
) -> None:
    filed = file_case(category="giao_thong", location_text="cầu khỉ ở ấp Bình Lợi, xã Phú Mỹ cũ")
    department, body = routed(app, filed["code"])
    assert department is None and "cần chuyển UBND phường An Phú" in body
    # a bare name (a hamlet, a person) is not a commune
    department, _ = routed(app, file_case(category="giao_thong", location_text="nhà ông Phú Mỹ ấp 3")["code"])
    assert department == "dia_chinh"
