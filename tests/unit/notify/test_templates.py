"""Templates: every fraud type in both languages and every form, within the 12381 rules."""

from __future__ import annotations

import pytest

from fanzha.core.fraud_types import TYPES
from fanzha.errors import ConfigError
from fanzha.notify import templates


@pytest.mark.parametrize("code", [t.code for t in TYPES])
def test_templates_every_fraud_type_has_both_languages(code: str) -> None:
    assert set(templates.CORE[code]) == {"zh", "en"}
    for form in templates.FORMS:
        zh = templates.render(code, form, "zh")
        en = templates.render(code, form, "en")
        assert zh.template == f"{code}.{form}.zh" and en.template == f"{code}.{form}.en"
        assert "96110" in zh.body and "96110" in en.body
        assert any("\u4e00" <= ch <= "\u9fff" for ch in zh.body)
        assert en.body.isascii()


def test_templates_sms_fits_two_ucs2_parts() -> None:
    for t in TYPES:
        assert len(templates.render(t.code, "sms", "zh").body) <= 134


@pytest.mark.parametrize(
    "text",
    ["请访问 http://x.cn 查看", "详见 www.safe-bank.com", "请回电 13800001234", "拨打 021-5555"],
)
def test_templates_check_text_refuses_links_and_numbers(text: str) -> None:
    with pytest.raises(ConfigError):
        templates.check_text(text)


def test_templates_check_text_allows_110_and_96110() -> None:
    templates.check_text("请拨打110或96110")
    with pytest.raises(ConfigError):
        templates.check_text("请按1确认")
    templates.check_text("请按1确认", keypad=True)


def test_templates_group_script_is_checked() -> None:
    body = templates.render("fake_loan", "group", "zh", script="对方自称银行客服").body
    assert "新话术：对方自称银行客服" in body
    with pytest.raises(ConfigError):
        templates.render("fake_loan", "group", "zh", script="加QQ 123456789 领取")


def test_templates_subtype_uses_parent_and_unknown_is_refused() -> None:
    assert templates.render("fake_investment/crypto", "sms", "zh").template.startswith(
        "fake_investment."
    )
    with pytest.raises(ConfigError):
        templates.render("romance", "fax", "zh")
