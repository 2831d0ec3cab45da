"""Company keys: the normalised name, its pinyin, and the credit code's check character."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from kam.core.companies import (
    company_name_key,
    company_name_pinyin,
    credit_code_check_char,
    normalise_credit_code,
    validate_credit_code,
)

# Published codes of real companies (their business licences), check characters included.
VALID_CODES = ["91350100M000100Y43", "91110108551385082Q", "91440300708461136T"]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("华为技术有限公司", "华为技术"),
        ("华为 技术 股份有限公司", "华为技术"),
        ("ＡＢＣ科技有限责任公司", "abc科技"),
        ("Acme Co., Ltd.", "ACME"),
    ],
)
def test_spellings_of_one_company_share_the_name_key(a, b):
    assert company_name_key(a) == company_name_key(b)


def test_different_companies_keep_different_keys():
    assert company_name_key("华为技术有限公司") != company_name_key("华为终端有限公司")
    # A name that is only a legal form is not emptied.
    assert company_name_key("有限公司") == "有限公司"


def test_homophones_share_the_pinyin():
    assert company_name_pinyin("华为技术有限公司") == company_name_pinyin("化为技术") == "huaweijishu"


@pytest.mark.parametrize("code", VALID_CODES)
def test_published_credit_codes_pass(code):
    validate_credit_code(code)
    assert credit_code_check_char(code[:17]) == code[17]


def test_a_code_is_normalised_before_it_is_checked():
    assert normalise_credit_code(" 91350100m000100y43 ") == "91350100M000100Y43"
    validate_credit_code("９１３５０１００Ｍ０００１００Ｙ４３")


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("91350100M000100Y44", "credit_code_check"),  # wrong check character
        ("91350100M000100Y4", "credit_code_format"),  # 17 characters
        ("91350100M0001O0Y43", "credit_code_format"),  # the letter O is not in the alphabet
    ],
)
def test_bad_codes_are_refused(code, kind):
    with pytest.raises(ValidationError) as caught:
        validate_credit_code(code)
    assert caught.value.code == kind


@pytest.mark.parametrize(
    ("language", "format_words", "check_words"),
    [("en", "18 digits", "check character"), ("zh-hans", "18 位", "校验位")],
)
def test_the_messages_read_in_both_languages(language, format_words, check_words):
    from django.utils import translation

    with translation.override(language):
        with pytest.raises(ValidationError) as wrong_format:
            validate_credit_code("123")
        with pytest.raises(ValidationError) as wrong_check:
            validate_credit_code("91350100M000100Y44")
        assert format_words in wrong_format.value.messages[0]
        assert check_words in wrong_check.value.messages[0]


def test_the_check_character_follows_gb_32100():
    # Σ(value × weight) of 91350100M000100Y4 is 1640; 1640 mod 31 = 28; 31 − 28 = 3: the published
    # code ends in 3.
    first17 = "91350100M000100Y4"
    total = sum(
        "0123456789ABCDEFGHJKLMNPQRTUWXY".index(c) * w
        for c, w in zip(
            first17, (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28), strict=True
        )
    )
    assert credit_code_check_char(first17) == "0123456789ABCDEFGHJKLMNPQRTUWXY"[(31 - total % 31) % 31] == "3"
    # A remainder of 0 gives 31, written as 0.
    assert credit_code_check_char("00000000000000000") == "0"
