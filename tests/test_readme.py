"""Issue 29: the README leads with what the product does, then the two commands, then what to try first; the docs
index lists every page under its reader with its language; the channel walkthroughs exist and agree on the admin
page."""

from __future__ import annotations

import re

from tests.support.paths import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
INDEX = (ROOT / "docs" / "README.md").read_text(encoding="utf-8")


def test_readme_leads_with_the_product_then_the_commands_then_what_to_try() -> None:
    headings = re.findall(r"^## (.+)$", README, flags=re.M)
    order = [headings.index(h) for h in ("What it does", "Run it: two commands", "What to try first")]
    assert order == sorted(order) and order[0] == 0, headings
    start = README.index("## What to try first")
    first = README[start : README.index("\n## ", start + 5)]
    for must in ("one-time password", "xaso staff reset-password admin", "canbo.diachinh", "http://127.0.0.1:8000/"):
        assert must in first, must
    assert "docs/README.md" in first and "docs/connect-zalo.md" in first and "docs/connect-telegram.md" in first
    for image in re.findall(r"\]\((docs/images/[^)]+)\)", README):
        assert (ROOT / image).is_file(), image


def test_the_docs_index_sorts_every_page_by_reader_with_its_language() -> None:
    sections = re.split(r"^## ", INDEX, flags=re.M)[1:]
    assert [s.split(" ·")[0].split("\n")[0] for s in sections][:4] == [
        "What citizens meet (the bot's behaviour)",
        "Officers (commune staff)",
        "Operators and installers",
        "Developers",
    ]
    rows = re.findall(r"^\| \[([^\]]+)\]\([^)]+\) \| (EN|VI) \|", INDEX, flags=re.M)
    listed = {name for name, _ in rows}
    pages = {p.name for p in (ROOT / "docs").glob("*.md") if p.name != "README.md"}
    assert pages <= listed, pages - listed


def test_channel_accounts_have_one_story() -> None:
    channels = (ROOT / "docs" / "channels.md").read_text(encoding="utf-8")
    console = (ROOT / "docs" / "console.md").read_text(encoding="utf-8")
    assert "no admin UI" not in channels and "/staff/admin/channels" in channels and "Kênh & nguồn tin" in console
    for page in ("connect-zalo.md", "connect-telegram.md"):
        text = (ROOT / "docs" / page).read_text(encoding="utf-8")
        assert "/staff/admin/channels" in text and "HTTPS" in text and "deploy.md" in text
    assert "/webhooks/zalo/" in (ROOT / "docs" / "connect-zalo.md").read_text(encoding="utf-8")
    assert "xaso telegram set-webhook" in (ROOT / "docs" / "connect-telegram.md").read_text(encoding="utf-8")
