import pytest

from kam.org.models import Role
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_administrator_role_opens_the_django_admin(client):
    admin = UserFactory(role=Role.ADMIN)
    assert admin.is_staff and admin.is_superuser
    client.login(username=admin.username, password=PASSWORD)
    response = client.get("/admin/opportunities/salesprocess/")
    assert response.status_code == 200
    assert "P0–P7" in response.content.decode()


def test_rep_is_sent_to_the_admin_login(client):
    rep = UserFactory(role=Role.REP)
    client.login(username=rep.username, password=PASSWORD)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


@pytest.mark.parametrize(
    "path",
    [
        "/admin/opportunities/opportunity/",
        "/admin/opportunities/stage/",
        "/admin/customers/customer/",
        "/admin/relationships/contact/",
        "/admin/org/user/",
        "/admin/org/team/",
        "/admin/relationships/relationshiprequirement/",
    ],
)
def test_admin_lists_render(client, world, path):
    client.force_login(world.admin)
    assert client.get(path).status_code == 200
