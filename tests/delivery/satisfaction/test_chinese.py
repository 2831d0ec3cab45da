"""The delivery pages of this area in Chinese: the project page, the projects list and the
customer's Satisfaction section, with the services' messages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from kam.delivery.satisfaction import services
from tests.delivery.implementation.factories import open_project, row
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _chinese(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    client.cookies["django_language"] = "zh-hans"


def test_the_project_page_and_list_in_chinese(client, world):
    project = open_project(world, handed_over=False)
    _chinese(client, world.east_rep)
    with translation.override("zh-hans"):
        body = client.get(reverse("delivery_implementation:detail", args=[project.pk])).content.decode()
        listing = client.get(reverse("delivery_implementation:list")).content.decode()
    assert "项目实施计划表" in body and "交接清单" in body and "完成交接" in body and "添加工作事项" in body
    assert "实施项目" in listing and "1 个项目" in listing


def test_the_satisfaction_section_and_messages_in_chinese(client, world):
    services.record_survey(
        world.east_customer, by=world.east_rep, taken_on=dt.date(2026, 3, 1), overall=3, scale="nps"
    )
    _chinese(client, world.east_rep)
    with translation.override("zh-hans"):
        body = client.get(
            reverse("delivery_satisfaction:customer_panel", args=[world.east_customer.pk]), **HTMX
        ).content.decode()
        with pytest.raises(ValidationError) as error:
            services.record_survey(world.east_customer, by=world.east_rep, taken_on=None, overall=None)
        messages = " ".join(m for ms in error.value.message_dict.values() for m in ms)
    assert "流失风险: 80 %" in body
    assert "非常不满意" in body and "记录调查" in body
    assert "请输入调查日期。" in messages and "请输入总体评分。" in messages


def test_a_work_item_message_in_chinese(world):
    project = open_project(world)
    with translation.override("zh-hans"), pytest.raises(ValidationError) as error:
        row(project, world.east_rep, starts_on=dt.date(2026, 5, 2), ends_on=dt.date(2026, 5, 1))
    assert error.value.message_dict["ends_on"] == ["结束日期不能早于开始日期。"]
