from django.urls import path

from kam.activities.exchange import views

urlpatterns = [
    path("export.xlsx", views.export_list, name="export"),
    path("import/", views.import_page, name="import"),
    path("import/template.xlsx", views.import_template, name="template"),
]
