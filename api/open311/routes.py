"""Open311 GeoReport v2 (JSON): ``/open311/v2/services.json``, ``requests.json`` (GET/POST), ``requests/{id}.json``.

``jurisdiction_id`` is the commune slug (the install's default commune when omitted). Errors use Open311's shape:
``[{"code": 400, "description": "…"}]``.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session

from api.auth.inputs import reject_nul
from api.auth.tokens import resolve_token
from api.cases.catalog import CATEGORIES, MAX_DESCRIPTION
from api.cases.flows import file_from_open311
from api.cases.publication import publish
from api.communes.models import Commune
from api.communes.service import get_commune
from api.deps import SessionDep, SettingsDep
from api.errors import DomainError, NotFound, PermissionDenied, ValidationFailed, _validation_message
from api.infra.sanitize import redact
from api.open311 import service
from api.openapi_docs import OPEN311_ERROR_RESPONSES


class Open311Route(APIRoute):
    """Answer every error of these routes in Open311's array shape, keeping the Vietnamese message."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except DomainError as exc:
                return _error(exc.status_code, exc.message)
            except RequestValidationError as exc:
                first: dict[str, Any] = next(iter(exc.errors()), {})
                return _error(400, _validation_message(first))

        return guarded


def _error(code: int, description: str) -> JSONResponse:
    return JSONResponse([{"code": code, "description": description}], status_code=code)


router = APIRouter(
    prefix="/open311/v2",
    tags=["open311"],
    route_class=Open311Route,
    responses=OPEN311_ERROR_RESPONSES,
    dependencies=[Depends(reject_nul)],
)
Jurisdiction = Annotated[str | None, Query(max_length=64, description="Mã xã/phường (slug).")]


def _jurisdiction(session: Session, slug: str | None, default: str) -> Commune:
    return get_commune(session, slug=slug or default)


@router.get("/services.json", summary="Open311: danh sách loại phản ánh")
def list_services(session: SessionDep, settings: SettingsDep, jurisdiction_id: Jurisdiction = None) -> Any:
    _jurisdiction(session, jurisdiction_id, settings.default_commune)
    return service.services()


@router.get("/requests.json", summary="Open311: các phản ánh")
def list_requests(
    session: SessionDep,
    settings: SettingsDep,
    jurisdiction_id: Jurisdiction = None,
    service_request_id: Annotated[str | None, Query(max_length=2000)] = None,
    service_code: Annotated[str | None, Query(max_length=500)] = None,
    start_date: Annotated[str | None, Query(max_length=40)] = None,
    end_date: Annotated[str | None, Query(max_length=40)] = None,
    status: Annotated[str | None, Query(max_length=20)] = None,
) -> Any:
    commune = _jurisdiction(session, jurisdiction_id, settings.default_commune)
    cases = service.find_requests(
        session,
        commune=commune,
        ids=[i for i in (service_request_id or "").split(",") if i.strip()],
        service_code=service_code,
        start=service.parse_datetime(start_date, "start_date"),
        end=service.parse_datetime(end_date, "end_date"),
        status=status,
    )
    return [service.request_view(session, case, commune) for case in cases]


@router.get("/requests/{service_request_id}.json", summary="Open311: một phản ánh")
def read_request(
    service_request_id: str, session: SessionDep, settings: SettingsDep, jurisdiction_id: Jurisdiction = None
) -> Any:
    commune = _jurisdiction(session, jurisdiction_id, settings.default_commune)
    found = service.find_requests(
        session, commune=commune, ids=[service_request_id], service_code=None, start=None, end=None, status=None
    )
    if not found:
        raise NotFound(f"Không tìm thấy phản ánh '{service_request_id[:40]}'.", code="request_not_found")
    return [service.request_view(session, found[0], commune)]


@router.post("/requests.json", status_code=status.HTTP_201_CREATED, summary="Open311: gửi phản ánh")
def create_request(
    session: SessionDep,
    settings: SettingsDep,
    api_key: Annotated[str, Form(min_length=1, max_length=200)],
    service_code: Annotated[str, Form(min_length=1, max_length=32)],
    jurisdiction_id: Annotated[str | None, Form(max_length=64)] = None,
    lat: Annotated[float | None, Form(ge=-90, le=90)] = None,
    long: Annotated[float | None, Form(ge=-180, le=180)] = None,
    address_string: Annotated[str | None, Form(max_length=500)] = None,
    description: Annotated[str | None, Form(max_length=MAX_DESCRIPTION)] = None,
    media_url: Annotated[str | None, Form(max_length=1000)] = None,
    first_name: Annotated[str | None, Form(max_length=100)] = None,
    last_name: Annotated[str | None, Form(max_length=100)] = None,
    phone: Annotated[str | None, Form(max_length=32)] = None,
    email: Annotated[str | None, Form(max_length=200)] = None,
    public: Annotated[bool, Form(description="Người gửi đồng ý công khai phản ánh (mặc định: riêng tư).")] = False,
) -> Any:
    commune = _jurisdiction(session, jurisdiction_id, settings.default_commune)
    try:
        _record, staff = resolve_token(session, secret=api_key, kinds=("api",))
    except DomainError:
        raise PermissionDenied("api_key không hợp lệ.", code="invalid_api_key", field="api_key") from None
    if staff.commune_id != commune.id or not staff.can_write:
        raise PermissionDenied("api_key không được phép gửi phản ánh cho xã này.", code="invalid_api_key")
    if service_code not in CATEGORIES:
        raise NotFound(f"Không có loại phản ánh '{service_code}'.", code="service_not_found", field="service_code")
    if (lat is None or long is None) and not (address_string or "").strip():
        raise ValidationFailed("Cần vị trí: lat + long hoặc address_string.", code="location_required", field="lat")
    if media_url and not media_url.startswith(("https://", "http://")):
        raise ValidationFailed("media_url phải là URL http(s).", code="invalid_media_url", field="media_url")
    name = " ".join(p.strip() for p in (last_name, first_name) if p and p.strip()) or None
    case = file_from_open311(
        session,
        commune=commune,
        category=service_code,
        description=(description or "").strip(),
        address=(address_string or "").strip() or None,
        lat=lat,
        long=long,
        media_url=media_url,
        name=name,
        phone=phone,
    )
    if public:
        # Made public on purpose by the submitter: their description, redacted, is the summary until staff edit it.
        publish(case, summary=redact((description or "").strip()) or None, place=None)
    view = service.request_view(session, case, commune)
    return [{"service_request_id": case.code, "service_notice": view["service_notice"], "account_id": None}]
