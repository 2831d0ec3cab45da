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
