"""Search keys: full pinyin and initials of a name, and the typed query in the same form."""

from __future__ import annotations

import pytest

from kam.core.pinyin import pinyin_forms, query_key, search_key


def test_a_chinese_name_gives_its_full_pinyin_and_initials():
    assert pinyin_forms("中国移动") == ("zhongguoyidong", "zgyd")
    assert search_key("中国移动通信集团有限公司", "中国移动") == (
        "zhongguoyidongtongxinjituanyouxiangongsi zgydtxjtyxgs zhongguoyidong zgyd"
    )


def test_latin_letters_and_digits_stay_and_punctuation_goes():
    assert search_key("Acme Co., Ltd.") == "acmecoltd"
    assert pinyin_forms("浪潮 Inspur") == ("langchaoinspur", "lcinspur")
    assert search_key("") == ""


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("zhongguoyidong", "zhongguoyidong"),
        ("Zhong Guo  YiDong", "zhongguoyidong"),
        ("ZGYD", "zgyd"),
        ("中国移动", "zhongguoyidong"),
        ("  ", ""),
    ],
)
def test_the_query_takes_the_keys_form(typed, key):
    assert query_key(typed) == key
