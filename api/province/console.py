"""The province officer's console pages: figures per commune with a ranking and CSV, a masked drill-down, and the
onboarding form (a commune with its hamlets, former communes, template, first admin and Zalo OA in one submit)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import Response

from api.auth.inputs import reject_nul
from api.console_base import auth
from api.console_base.templating import add_template_dir, render
from api.deps import SessionDep
from api.errors import PermissionDenied
from api.province import stats
from api.province.onboarding import CommuneDraft, create_commune, parse_hamlets

router = APIRouter(prefix=auth.PROVINCE_PATH, include_in_schema=False, dependencies=[Depends(reject_nul)])
add_template_dir(Path(__file__).resolve().parent / "templates")
DateQuery = Annotated[date | None, Query()]


def province_session(console: auth.ConsoleStaff) -> auth.ConsoleSession:
    if not console.staff.is_province:
        raise PermissionDenied("Chỉ quản trị cấp tỉnh xem được trang này.", code="province_only")
    return console


ProvinceConsole = Annotated[auth.ConsoleSession, Depends(province_session)]


@router.get("")
def province_page(
    request: Request, session: SessionDep, console: ProvinceConsole, start: DateQuery = None, end: DateQuery = None
) -> Response:
    since, until = stats.period(start, end)
    first, last = since.date(), (until - timedelta(days=1)).date()
    figures = stats.province_figures(session, staff=console.staff, start=first, end=last)
    communes = stats.communes_of(session, staff=console.staff)
    context = {
        "console": console, "figures": figures, "start": first.isoformat(), "end": last.isoformat(),
        "communes": communes,
        "province": communes[0].province if communes else "",
    }  # fmt: skip
    return render(request, "province.html", context)


@router.get("/figures.csv")
def province_csv(
    session: SessionDep, console: ProvinceConsole, start: DateQuery = None, end: DateQuery = None
) -> Response:
    body = stats.figures_csv(stats.province_figures(session, staff=console.staff, start=start, end=end))
    headers = {"Content-Disposition": 'attachment; filename="so-lieu-tinh.csv"'}
    return Response(body, media_type="text/csv; charset=utf-8", headers=headers)


@router.get("/communes/{slug}")
def commune_page(
    slug: str, request: Request, session: SessionDep, console: ProvinceConsole, start: DateQuery = None,
    end: DateQuery = None,
) -> Response:  # fmt: skip
    commune = stats.commune_of(session, staff=console.staff, slug=slug)
    since, until = stats.period(start, end)
    cases = stats.drill_down(session, commune=commune, since=since, until=until)
    return render(request, "province_commune.html", {"console": console, "commune": commune, "cases": cases})


@router.post("/communes")
def onboard(
    request: Request,
    session: SessionDep,
    console: ProvinceConsole,
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    slug: Annotated[str, Form(max_length=63)] = "",
    name: Annotated[str, Form(max_length=200)] = "",
    admin_code: Annotated[str, Form(max_length=16)] = "",
    office_hours: Annotated[str, Form(max_length=500)] = "",
    hotline: Annotated[str, Form(max_length=32)] = "",
    address: Annotated[str, Form(max_length=500)] = "",
    hamlets: Annotated[str, Form(max_length=20000)] = "",
    former_names: Annotated[str, Form(max_length=2000)] = "",
    template: Annotated[str, Form(max_length=64)] = "",
    admin_login: Annotated[str, Form(max_length=64)] = "",
    admin_name: Annotated[str, Form(max_length=200)] = "Quản trị viên",
    zalo_oa_id: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """Hamlets: typed one per line, or a CSV pasted (or loaded into the box by the page from a file)."""
    auth.check_csrf(console, csrf_token)
    communes = stats.communes_of(session, staff=console.staff)
    if template and template not in {c.slug for c in communes}:
        raise PermissionDenied("Xã mẫu không thuộc tỉnh.", code="template_not_found")
    done = create_commune(
        session,
        draft=CommuneDraft(
            slug=slug, name=name, province=communes[0].province if communes else "", admin_code=admin_code or None,
            office_hours=office_hours, hotline=hotline, address=address, hamlets=parse_hamlets(hamlets),
            former_names=[n for n in former_names.replace(";", "\n").splitlines() if n.strip()],
            template=template or None, admin_login=admin_login or None, admin_name=admin_name,
            zalo_oa_id=zalo_oa_id or None,
        ),
    )  # fmt: skip
    context = {"console": console, "done": done}
    return render(request, "province_created.html", context, status_code=201)
