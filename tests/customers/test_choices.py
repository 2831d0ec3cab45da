"""Choice data in the reader's language: industries and regions as rows with both names (customers
keep the Chinese name, pages show the reader's), teams, tags and the sales process named in both;
the migrations that split "中文 / English" values and write the search keys of existing rows."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as django_apps
from django.urls import reverse
from django.utils import translation

from kam.customers import services
from kam.customers.models import Customer, Industry, Region, Tag
from kam.opportunities.models import SalesProcess
from kam.org.models import Team
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def migration(app: str, name: str):
    return importlib.import_module(f"kam.{app}.migrations.{name}")


def test_the_rows_are_seeded_with_both_names():
    assert Industry.objects.get(name="制造业").name_en == "Manufacturing"
    assert Region.objects.get(name="上海").name_en == "Shanghai"


@pytest.mark.parametrize("typed", ["Manufacturing", "制造业 / Manufacturing", "manufacturing", "制造业"])
def test_any_spelling_is_stored_as_the_rows_chinese_name(world, typed):
    customer = services.create_customer(by=world.east_rep, name="上海电气", industry=typed, region="Shanghai")
    assert (customer.industry, customer.region) == ("制造业", "上海")
    with translation.override("en"):
        assert (customer.industry_label, customer.region_label) == ("Manufacturing", "Shanghai")
    with translation.override("zh-hans"):
        assert (customer.industry_label, customer.region_label) == ("制造业", "上海")


def test_an_edit_stores_the_rows_name_and_an_unknown_value_stays(world):
    customer = world.east_customer
    services.update_customer(customer, by=world.east_rep, version=customer.version, industry="Finance")
    assert Customer.objects.get(pk=customer.pk).industry == "金融"
    customer.refresh_from_db()
    services.update_customer(customer, by=world.east_rep, version=customer.version, region="Mars")
    customer.refresh_from_db()
    assert customer.region == "Mars" and customer.region_label == "Mars"


@pytest.mark.parametrize(
    ("language", "shown", "hidden"),
    [("en", "Manufacturing", "制造业"), ("zh-hans", "制造业", "Manufacturing")],
)
def test_the_list_and_the_form_show_the_readers_language(client, world, language, shown, hidden):
    CustomerFactory(name="宝钢", owner=world.east_rep, industry="制造业", region="上海")
    client.force_login(world.east_rep)
    client.cookies["django_language"] = language
    page = client.get(reverse("customers:list")).content.decode()
    assert f"<td>{shown}</td>" in page and f"<td>{hidden}</td>" not in page
    form = client.get(reverse("customers:create")).content.decode()
    assert f'<option value="制造业">{shown}</option>' in form


def test_the_api_offers_both_names(api_as, world):
    api = api_as(world.east_rep)
    choices = api.get("/customers/choices").json()
    manufacturing = next(c for c in choices["industries"] if c["name"] == "制造业")
    assert manufacturing["name_en"] == "Manufacturing"
    assert manufacturing["label"] in ("制造业", "Manufacturing")
    assert any(r["name"] == "上海" and r["name_en"] == "Shanghai" for r in choices["regions"])
    created = api.post("/customers", {"name": "Shanghai Electric", "industry": "Manufacturing"})
    assert created.status_code == 201
    assert created.json()["industry"] == "制造业"


def test_team_tag_and_process_show_the_readers_name(world):
    team = Team.objects.create(name="华东大客户部", name_en="East China Key Accounts")
    tag = Tag.objects.create(name="战略合作", name_en="Strategic partner")
    process = SalesProcess.objects.get(is_default=True)
    with translation.override("en"):
        assert (str(team), str(tag)) == ("East China Key Accounts", "Strategic partner")
        assert str(process) == process.name_en != process.name
    with translation.override("zh-hans"):
        assert (str(team), str(tag), str(process)) == ("华东大客户部", "战略合作", process.name)


def test_the_migration_splits_old_values_and_writes_the_keys(world):
    customer = CustomerFactory(name="中国移动", owner=world.east_rep)
    Customer.objects.filter(pk=customer.pk).update(
        industry="通信 / Telecom", region="深圳 Shenzhen", search_key=""
    )
    odd = CustomerFactory(name="Odd", owner=world.east_rep)
    Customer.objects.filter(pk=odd.pk).update(industry="航天 / Aerospace")
    tag = Tag.objects.create(name="样板客户 / Reference site")
    team = Team.objects.create(name="华南大客户部 / South China Key Accounts")
    step = migration("customers", "0016_seed_choices_and_search_keys")
    step.seed(django_apps, None)
    step.Migration.operations[1].code(django_apps, None)
    migration("org", "0008_team_names_and_user_search_key").split_team_names(django_apps, None)
    customer.refresh_from_db()
    assert (customer.industry, customer.region) == ("通信", "深圳")
    assert customer.search_key == "zhongguoyidong zgyd"
    assert Customer.objects.get(pk=odd.pk).industry == "航天"
    assert Industry.objects.get(name="航天").name_en == "Aerospace"
    tag.refresh_from_db()
    team.refresh_from_db()
    assert (tag.name, tag.name_en) == ("样板客户", "Reference site")
    assert (team.name, team.name_en) == ("华南大客户部", "South China Key Accounts")


def test_a_tag_takes_its_english_name_by_api_and_form(api_as, client, world):
    api = api_as(world.director)
    created = api.post("/tags", {"name": "样板客户", "name_en": "Reference site"})
    assert created.status_code == 201, created.content
    assert created.json()["name_en"] == "Reference site"
    client.force_login(world.director)
    response = client.post(
        reverse("customers:tag_create"), {"name": "重点", "name_en": "Focus", "color": "#5470c6"}
    )
    assert response.status_code == 302
    assert Tag.objects.get(name="重点").name_en == "Focus"


@pytest.mark.parametrize("path", ["/admin/customers/industry/", "/admin/customers/region/"])
def test_an_administrator_edits_the_rows(client, world, path):
    client.force_login(world.admin)
    page = client.get(path)
    assert page.status_code == 200
    assert "Manufacturing" in page.content.decode() or "Shanghai" in page.content.decode()
