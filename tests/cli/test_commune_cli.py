"""``xaso commune`` run as an operator runs it: the installed console script in a subprocess, over a real database."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from api.auth.ratelimit import LoginThrottle
from api.auth.service import authenticate
from api.communes.models import Commune, FormerName, Hamlet
from api.config import get_settings
from api.db import make_engine, make_sessionmaker, transaction
from api.province.onboarding import commune_for_former_name
from cli.main import app
from tests.support.paths import ROOT

XASO = ROOT / ".venv" / "bin" / "xaso"


def xaso(database: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XASO_DATABASE_URL": database, "PYTHONPATH": str(ROOT), "COLUMNS": "250"}
    return subprocess.run([str(XASO), *args], capture_output=True, text=True, env=env, timeout=120, cwd=ROOT)


@pytest.mark.slow
def test_create_a_commune_then_import_a_province_from_the_official_list(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The two commands an officer runs go through the installed script; the refusals and the province account run
    in-process (same code, no interpreter start each)."""
    database = f"sqlite:///{tmp_path / 'cli.db'}"
    hamlets = tmp_path / "ap.csv"
    hamlets.write_text("ten,ghi_chu\nẤp Tân Lập,\nẤp Hòa Thuận,\nKhu phố 3,\n", encoding="utf-8")
    created = xaso(
        database, "commune", "create", "xa-tan-hoa", "--name", "UBND xã Tân Hòa", "--province", "Tỉnh Vĩnh Long",
        "--code", "29001", "--hotline", "0270 3 111 222", "--hamlets-csv", str(hamlets), "--hamlet", "Ấp 4;Ấp 5",
        "--merged-from", "Xã Tân Hòa", "--merged-from", "Xã Hòa Lợi", "--admin", "admin.tanhoa", "--zalo-oa", "4321",
    )  # fmt: skip
    assert created.returncode == 0, created.stdout + created.stderr
    password = re.search(r"mật khẩu một lần: (\S+)", created.stdout)
    assert password, created.stdout
    imported = xaso(database, "commune", "import-province", "Vĩnh Long")
    assert imported.returncode == 0, imported.stdout + imported.stderr
    added = int(re.search(r"Đã nhập (\d+)", imported.stdout).group(1))  # type: ignore[union-attr]
    assert added == 124  # the commune-level units of Vĩnh Long since 01/07/2025 in the shipped list

    monkeypatch.setenv("XASO_DATABASE_URL", database)
    get_settings.cache_clear()
    runner = CliRunner()
    try:
        again = runner.invoke(app, ["commune", "create", "xa-tan-hoa", "--name", "X", "--province", "Tỉnh Vĩnh Long"])
        assert again.exit_code == 1 and "xa-tan-hoa" in again.output
        bad = runner.invoke(app, ["commune", "create", "Xã Sai", "--name", "X", "--province", "Tỉnh Vĩnh Long"])
        assert bad.exit_code == 1 and "slug" in bad.output
        assert "Đã nhập 0" in runner.invoke(app, ["commune", "import-province", "Vĩnh Long"]).output
        assert runner.invoke(app, ["commune", "import-province", "Tỉnh Không Có"]).exit_code == 1
        province = runner.invoke(app, ["commune", "province-admin", "tinh.vinhlong", "--commune", "xa-tan-hoa"])
        assert province.exit_code == 0 and "Tỉnh Vĩnh Long" in province.output, province.output
    finally:
        get_settings.cache_clear()

    engine = make_engine(database)
    try:
        with transaction(make_sessionmaker(engine)) as session:
            commune = session.scalars(select(Commune).where(Commune.slug == "xa-tan-hoa")).one()
            names = session.scalars(
                select(Hamlet.name).where(Hamlet.commune_id == commune.id).order_by(Hamlet.position)
            )
            assert list(names) == ["Ấp 4", "Ấp 5", "Ấp Tân Lập", "Ấp Hòa Thuận", "Khu phố 3"]
            assert commune.admin_code == "29001"
            staff = authenticate(
                session, login="admin.tanhoa", password=password.group(1), client="t", limiter=LoginThrottle()
            )
            assert staff.commune_id == commune.id and staff.must_change_password
            total = session.scalar(select(func.count(Commune.id)).where(Commune.province == "Tỉnh Vĩnh Long"))
            assert total == added + 1
            assert session.scalar(select(func.count(FormerName.id))) > added  # every new unit names its former ones
            routed = commune_for_former_name(session, name="xa my thanh an", province="Tỉnh Vĩnh Long")
            assert routed is not None and routed.slug == "vinh-long-phuong-an-hoi"
            # A former ward split between two new units, or a number shared by several towns: no guess.
            assert commune_for_former_name(session, name="Phường 1", province="Tỉnh Vĩnh Long") is None
    finally:
        engine.dispose()
