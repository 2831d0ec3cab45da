"""Keys that tell whether two company records name the same company: a normalised name, the
pinyin of that name, and the unified social credit code (统一社会信用代码, GB 32100-2015) with its
check character verified."""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from pypinyin import lazy_pinyin

# Legal-form suffixes that vary between two spellings of one company, longest first so that
# 股份有限公司 is removed whole rather than leaving 股份.
LEGAL_SUFFIXES = (
    "股份有限公司",
    "有限责任公司",
    "有限公司",
    "co.,ltd.",
    "co.,ltd",
    "co.ltd.",
    "co.ltd",
    "limited",
    "ltd.",
    "ltd",
)
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)

CREDIT_CODE_LENGTH = 18
# GB 32100-2015: the characters of a credit code (no I, O, Z, S, V) and the weights of positions 1–17.
CREDIT_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def company_name_key(name: str) -> str:
    """The name as two spellings of one company share it: full-width characters as half-width
    (NFKC), lower case, no spaces, no legal-form suffix, no punctuation."""
    text = unicodedata.normalize("NFKC", name or "").lower()
    text = "".join(text.split())
    stripped = True
    while stripped:
        stripped = False
        for suffix in LEGAL_SUFFIXES:
            if text.endswith(suffix) and len(text) > len(suffix):
                text = text[: -len(suffix)]
                stripped = True
                break
    return _NOT_WORD.sub("", text)[:200]


def company_name_pinyin(name: str) -> str:
    """The pinyin of the normalised name without tones (华为 and 化为 share `huawei`): a name typed
    with the wrong character of the same sound is still found."""
    return "".join(lazy_pinyin(company_name_key(name))).lower()[:400]


def normalise_credit_code(value: str) -> str:
    return "".join(unicodedata.normalize("NFKC", value or "").split()).upper()


def credit_code_check_char(first17: str) -> str:
    total = sum(CREDIT_CODE_CHARS.index(c) * w for c, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True))
    return CREDIT_CODE_CHARS[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> None:
    """18 characters of the code's alphabet whose last one is the check character of the others."""
    code = normalise_credit_code(value)
    if not code:
        return
    if len(code) != CREDIT_CODE_LENGTH or any(c not in CREDIT_CODE_CHARS for c in code):
        raise ValidationError(
            _("A unified social credit code has 18 digits and capital letters (no I, O, Z, S or V)."),
            code="credit_code_format",
        )
    if credit_code_check_char(code[:17]) != code[17]:
        raise ValidationError(
            _("This unified social credit code's check character is wrong: please check it."),
            code="credit_code_check",
        )
