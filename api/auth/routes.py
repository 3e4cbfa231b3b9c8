from __future__ import annotations

from fastapi import APIRouter, Depends, Request, status

from api.auth import tokens
from api.auth.deps import AnyStaff, SignedInStaff
from api.auth.guards import client_address, login_limiter
from api.auth.inputs import reject_nul
from api.auth.schemas import IssuedToken, LoginRequest, PasswordChange, TokenCreate, TokenRead
from api.auth.service import authenticate
from api.deps import SessionDep
from api.openapi_docs import ERROR_RESPONSES, IdPath
from api.staff.models import ApiToken, Staff
from api.staff.schemas import StaffRead
from api.staff.service import change_own_password

router = APIRouter(prefix="/api/v1/auth", tags=["auth"], responses=ERROR_RESPONSES, dependencies=[Depends(reject_nul)])


@router.post("/login", response_model=IssuedToken, summary="Đăng nhập, nhận mã truy cập (24 giờ)")
def login(body: LoginRequest, request: Request, session: SessionDep) -> IssuedToken:
    staff = authenticate(
        session,
        login=body.login,
        password=body.password,
        client=client_address(request),
        limiter=login_limiter(request),
    )
    record, secret = tokens.issue_token(
        session, staff=staff, kind="api", name="login", lifetime=tokens.LOGIN_TOKEN_LIFETIME
    )
    return _issued(record, secret, staff)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, summary="Thu hồi mã truy cập đang dùng")
def logout(request: Request, session: SessionDep, staff: SignedInStaff) -> None:
    credentials = request.headers.get("authorization", "")
    scheme, _, secret = credentials.partition(" ")
    if scheme.lower() == "bearer" and secret:
        tokens.revoke_secret(session, secret=secret.strip())


@router.get("/me", response_model=StaffRead, summary="Tài khoản đang đăng nhập")
def me(staff: SignedInStaff) -> Staff:
    return staff


@router.post("/password", response_model=StaffRead, summary="Đổi mật khẩu của tôi (bắt buộc sau mật khẩu được cấp)")
def change_password(body: PasswordChange, request: Request, session: SessionDep, staff: SignedInStaff) -> Staff:
    _scheme, _, secret = request.headers.get("authorization", "").partition(" ")
    record, _staff = tokens.resolve_token(session, secret=secret.strip(), kinds=("api",))
    return change_own_password(
        session,
        staff=staff,
        current_password=body.current_password,
        new_password=body.new_password,
        keep_token_id=record.id,
    )


@router.get("/tokens", response_model=list[TokenRead], summary="Các mã truy cập của tôi")
def list_tokens(session: SessionDep, staff: AnyStaff) -> list[ApiToken]:
    return tokens.list_tokens(session, staff=staff)


@router.post("/tokens", response_model=IssuedToken, status_code=status.HTTP_201_CREATED, summary="Tạo mã truy cập API")
def create_token(body: TokenCreate, session: SessionDep, staff: AnyStaff) -> IssuedToken:
    lifetime = tokens.personal_token_lifetime(body.expires_in_days)
    record, secret = tokens.issue_token(session, staff=staff, kind="api", name=body.name, lifetime=lifetime)
    return _issued(record, secret, staff)


@router.delete("/tokens/{token_id}", response_model=TokenRead, summary="Thu hồi một mã truy cập")
def revoke_token(token_id: IdPath, session: SessionDep, staff: AnyStaff) -> ApiToken:
    return tokens.revoke_token(session, staff=staff, token_id=token_id)


def _issued(record: ApiToken, secret: str, staff: Staff) -> IssuedToken:
    return IssuedToken(
        access_token=secret,
        expires_at=record.expires_at,
        token=TokenRead.model_validate(record),
        staff=StaffRead.model_validate(staff),
    )
