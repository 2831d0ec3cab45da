"""Industries and regions as rows named in both languages; customers' existing values brought to a
row's Chinese name ("制造业 / Manufacturing", "Manufacturing" and "上海 Shanghai" alike), a value no
row names becoming a row of its own; tags named "中文 / English" split in two; every customer's
search key written; on PostgreSQL a trigram index on it."""

from django.db import migrations

from kam.core.pinyin import backfill, trigram_index

INDUSTRIES = [
    ("能源电力", "Energy"),
    ("制造业", "Manufacturing"),
    ("通信", "Telecom"),
    ("金融", "Finance"),
    ("医疗卫生", "Healthcare"),
    ("交通运输", "Transport"),
    ("石油化工", "Petrochemicals"),
    ("政府与公共事业", "Government and public sector"),
    ("教育", "Education"),
    ("互联网", "Internet"),
    ("建筑与房地产", "Construction and real estate"),
    ("零售与消费品", "Retail and consumer goods"),
]

REGIONS = [
    ("北京", "Beijing"),
    ("天津", "Tianjin"),
    ("河北", "Hebei"),
    ("山西", "Shanxi"),
    ("内蒙古", "Inner Mongolia"),
    ("辽宁", "Liaoning"),
    ("吉林", "Jilin"),
    ("黑龙江", "Heilongjiang"),
    ("上海", "Shanghai"),
    ("江苏", "Jiangsu"),
    ("浙江", "Zhejiang"),
    ("安徽", "Anhui"),
    ("福建", "Fujian"),
    ("江西", "Jiangxi"),
    ("山东", "Shandong"),
    ("河南", "Henan"),
    ("湖北", "Hubei"),
    ("湖南", "Hunan"),
    ("广东", "Guangdong"),
    ("深圳", "Shenzhen"),
    ("广西", "Guangxi"),
    ("海南", "Hainan"),
    ("重庆", "Chongqing"),
    ("四川", "Sichuan"),
    ("贵州", "Guizhou"),
    ("云南", "Yunnan"),
    ("西藏", "Tibet"),
    ("陕西", "Shaanxi"),
    ("甘肃", "Gansu"),
    ("青海", "Qinghai"),
    ("宁夏", "Ningxia"),
    ("新疆", "Xinjiang"),
]


def split_name(value):
    """ "中文 / English" or "中文 English" → ("中文", "English"); anything else → (value, "")."""
    text = value.strip()
    if " / " in text:
        zh, en = text.split(" / ", 1)
        return zh.strip(), en.strip()
    head, _, tail = text.partition(" ")
    if tail and not head.isascii() and tail.isascii():
        return head, tail.strip()
    return text, ""


def seed(apps, schema_editor):
    Customer = apps.get_model("customers", "Customer")
    Tag = apps.get_model("customers", "Tag")
    for model_name, rows, field in (("Industry", INDUSTRIES, "industry"), ("Region", REGIONS, "region")):
        model = apps.get_model("customers", model_name)
        for order, (name, name_en) in enumerate(rows, start=1):
            model.objects.get_or_create(name=name, defaults={"name_en": name_en, "order": order})
        spellings = {}
        for row in model.objects.all():
            for spelling in (
                row.name,
                row.name_en,
                f"{row.name} / {row.name_en}",
                f"{row.name} {row.name_en}",
            ):
                spellings.setdefault(spelling.strip().casefold(), row.name)
        values = Customer.objects.exclude(**{field: ""}).values_list(field, flat=True).distinct()
        for value in list(values):
            stored = spellings.get(value.strip().casefold())
            if stored is None:
                name, name_en = split_name(value)
                row, _ = model.objects.get_or_create(
                    name=name[:100], defaults={"name_en": name_en[:100], "order": 1000}
                )
                stored = row.name
            if stored != value:
                Customer.objects.filter(**{field: value}).update(**{field: stored})
    for tag in Tag.objects.filter(name_en=""):
        name, name_en = split_name(tag.name)
        if name_en and not Tag.objects.filter(name=name).exclude(pk=tag.pk).exists():
            Tag.objects.filter(pk=tag.pk).update(name=name, name_en=name_en)


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0015_bilingual_choices_and_search_key"),
    ]

    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop, elidable=False),
        backfill("customers", "Customer", ("name", "short_name")),
        *trigram_index("customers_customer"),
    ]
