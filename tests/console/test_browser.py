"""The console in headless Debian Chromium at 375×667: the issue's "done means", end to end.

One live service (with its outbox worker) and one fake WeChat for the module; each test uses its own
residents. Screenshots of the main pages go to screenshots/ (git-ignored).
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import httpx
import pytest
from sqlmodel import Session

from core.settings import load_settings
from residents import accounts
from residents import service as resident_service
from tests.api.wechat_helpers import signed_query, text_xml
from tests.conftest import OFFICE_PHONE, TEST_TOKEN
from tests.console.browser import ARGS, PHONE, LiveServer, chromium, serve, shot
from tests.console.conftest import GRID_CSV, PASSWORD
from tests.fakes.wechat_api import FakeWeChat
from tickets.grids import import_csv

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeWeChat]:
    with FakeWeChat() as running:
        yield running


@pytest.fixture(scope="module")
def live(content_template: Path, tmp_path_factory: pytest.TempPathFactory, fake: FakeWeChat) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("live")
    shutil.copy(content_template, folder / "hotline.db")
    settings = load_settings(
        data_dir=folder,
        database_url=f"sqlite:///{folder / 'hotline.db'}",
        wechat_token=TEST_TOKEN,
        wechat_appid="wx0000000000000000",
        wechat_secret="test-app-secret",
        secret_key="k" * 40,
        office_phone=OFFICE_PHONE,
        emergency_phone="023-61230120",
        community_name="幸福社区",
        wechat_api_base=fake.base_url,
        wechat_template_ticket="TPL_TICKET",
        wechat_template_status="TPL_STATUS",
        worker_enabled=True,
        worker_interval_seconds=0.3,
    )
    for server in serve(settings):
        with Session(server.engine) as session:
            for name, role, shown in (
                ("wangwei", "member", "王伟"),
                ("lina", "member", "李娜"),
                ("clerk", "staff", "小张"),
            ):
                accounts.add_user(session=session, username=name, role=role, password=PASSWORD, display_name=shown)
            resident_service.default_community(session=session, settings=settings)
            import_csv(session=session, text=GRID_CSV, settings=settings)
            session.commit()
        yield server


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    api = chromium()
    with api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        yield launched
        launched.close()


@pytest.fixture
def open_page(browser: Any, live: LiveServer) -> Iterator[Callable[[], Any]]:
    contexts: list[Any] = []

    def make() -> Any:
        context = browser.new_context(viewport=PHONE, base_url=live.base_url, is_mobile=True, has_touch=True)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15000)
        return page

    yield make
    for context in contexts:
        context.close()


def resident_says(live: LiveServer, openid: str, text: str) -> str:
    response = httpx.post(f"{live.base_url}/wechat", params=signed_query(), content=text_xml(openid, text).encode())
    assert response.status_code == 200
    return response.text


def sign_in(page: Any, username: str) -> None:
    page.goto("/console/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button:has-text('登录')")
    page.wait_for_url("**/console/tickets")


def until(check: Callable[[], bool], seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def fits_a_phone(page: Any) -> None:
    """No sideways scrolling at 375 px, and every visible button or button-link at least 44 px tall."""
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    heights = page.evaluate(
        "[...document.querySelectorAll('main button, main .button')]"
        ".filter(e => e.offsetParent !== null).map(e => e.getBoundingClientRect().height)"
    )
    assert heights and min(heights) >= 44


def test_sign_in_and_work_a_consult_from_new_to_resolved(
    open_page: Callable[[], Any], live: LiveServer, fake: FakeWeChat
) -> None:
    resident_says(live, "oBrowserA", "转人工")
    resident_says(live, "oBrowserA", "家里老人咳嗽，需要止咳药")
    page = open_page()
    page.goto("/console/login")
    shot(page, "login")
    sign_in(page, "wangwei")
    shot(page, "tickets")
    page.click(".ticket a >> nth=0")
    page.wait_for_selector("#chat")
    assert "家里老人咳嗽，需要止咳药" in page.inner_text("#chat")
    fits_a_phone(page)
    page.click("button:has-text('接单')")
    assert page.inner_text("#ticket-status") == "处理中"
    page.fill("#reply-text", "马上送止咳药上门")
    page.click("button:has-text('发送给居民')")
    page.wait_for_selector(".bubble.us")
    until(
        lambda: any(
            "马上送止咳药上门" in r.json["text"]["content"]
            for r in fake.sent("/cgi-bin/message/custom/send")
            if r.json["touser"] == "oBrowserA"
        )
    )
    resident_says(live, "oBrowserA", "好的，谢谢")
    page.reload()
    assert "好的，谢谢" in page.inner_text("#chat")
    shot(page, "ticket")
    page.click("button:has-text('办结')")
    assert page.inner_text("#ticket-status") == "已办结"


def test_new_tickets_appear_without_a_reload(open_page: Callable[[], Any], live: LiveServer) -> None:
    page = open_page()
    sign_in(page, "clerk")
    page.goto("/console/tickets?poll=1")
    before = page.locator("#ticket-list .ticket").count()
    resident_says(live, "oBrowserNew", "转人工")
    page.wait_for_selector("#new-tickets:not([hidden])")
    assert page.locator("#ticket-list .ticket").count() > before


def test_bind_by_code_then_sign_in_through_wechat(
    open_page: Callable[[], Any], live: LiveServer, fake: FakeWeChat
) -> None:
    page = open_page()
    sign_in(page, "lina")
    page.goto("/console/profile")
    page.click("button:has-text('获取绑定码')")
    code = page.inner_text("#binding-code").removeprefix("绑定 ").strip()
    shot(page, "profile")
    with Session(live.engine) as session:
        assert accounts.bind_wechat(session=session, code=code, openid="oMemberLi").ok
        session.commit()

    phone = open_page()  # WeChat's browser: no cookie, WeChat's authorize page answers with a code

    def authorize(route: Any) -> None:
        query = {k: v[0] for k, v in parse_qs(urlsplit(route.request.url).query).items()}
        back = f"{query['redirect_uri']}?code={fake.oauth_code('oMemberLi')}&state={quote(query['state'])}"
        route.fulfill(status=302, headers={"Location": back})

    phone.route("https://open.weixin.qq.com/**", authorize)
    # Playwright routes only the first URL of a redirect chain: the notification link's redirect is
    # read here, and the browser opens WeChat's authorize page itself, as WeChat's browser would.
    start = httpx.get(f"{live.base_url}/console/wechat", params={"next": "/console/profile"})
    assert start.status_code == 302
    phone.goto(start.headers["location"])
    phone.wait_for_url(lambda url: urlsplit(url).path == "/console/profile")  # the fragment carries over
    assert "李娜" in phone.inner_text("header") and "已绑定" in phone.inner_text("#wechat-bound")


def test_staff_edit_an_entry_and_the_try_box_and_the_bot_change_at_once(
    open_page: Callable[[], Any], live: LiveServer
) -> None:
    page = open_page()
    sign_in(page, "clerk")
    page.goto("/console/faq")
    shot(page, "faq")
    page.fill(".try-box input[name=q]", "社区有抗原发吗")
    page.click(".try-box button")
    page.wait_for_selector(".matches")
    shot(page, "faq-try")
    question = page.inner_text(".matches li a >> nth=0")
    page.click(".matches li a >> nth=0")
    new_answer = "社区服务站每周三上午发放抗原，凭身份证领取。"
    page.fill("textarea[name=answer]", new_answer)
    page.click("button:has-text('保存')")
    page.wait_for_selector(".notice.ok")
    page.click("text=试一试这个问题")
    assert new_answer in page.inner_text(".matches li >> nth=0")
    assert new_answer in resident_says(live, "oBrowserFaq", question)


def test_an_unanswered_question_becomes_an_entry(open_page: Callable[[], Any], live: LiveServer) -> None:
    odd = "小区门口的快递柜什么时候恢复使用"
    resident_says(live, "oBrowserQ", odd)
    page = open_page()
    sign_in(page, "clerk")
    page.goto("/console/unanswered")
    shot(page, "unanswered")
    page.click(f"#unanswered li:has-text('{odd}') >> text=写答案")
    assert page.input_value("input[name=question]") == odd
    page.fill("textarea[name=answer]", "快递柜下周一恢复使用，详情请问物业。")
    page.fill("input[name=source]", "社区通知")
    page.click("button:has-text('保存')")
    page.wait_for_selector(".notice.ok")
    page.goto("/console/unanswered")
    assert odd not in page.inner_text("#unanswered")
    assert "快递柜下周一恢复使用" in resident_says(live, "oBrowserQ2", odd)


def test_the_dashboard_and_the_daily_report_download(open_page: Callable[[], Any], live: LiveServer) -> None:
    page = open_page()
    sign_in(page, "clerk")
    page.goto("/console/")
    page.wait_for_selector(".chart")
    shot(page, "dashboard")
    page.goto("/console/report")
    shot(page, "report")
    with page.expect_download() as download:
        page.click("#download-csv")
    content = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert content.startswith("日期,社区,新增") and "幸福社区" in content
    page.goto("/console/simulator")
    page.fill("input[name=text]", "帮助")
    page.click("button:has-text('发送')")
    page.wait_for_selector(".bubble.us")
    shot(page, "simulator")
