from django.urls import path

from pimm.registry import views
from pimm.registry.screens import SCREENS

app_name = "registry"
urlpatterns = [
    path("import/", views.import_view, name="import"),
    path("import/<int:pk>/", views.import_job, name="import_job"),
    path("import/<int:pk>/progression/", views.import_progress, name="import_progress"),
    path("import/<int:pk>/confirmer/", views.import_confirm, name="import_confirm"),
    path("import/modele/<str:kind>.<str:fmt>", views.import_template, name="import_template"),
    path("convention/<int:pk>/cles/", views.convention_keys, name="convention_keys"),
]
for key in SCREENS:
    urlpatterns += [
        path(f"{key}/", views.object_list, {"key": key}, name=f"{key}_list"),
        path(f"{key}/export.<str:fmt>", views.object_export, {"key": key}, name=f"{key}_export"),
        path(f"{key}/nouveau/", views.object_create, {"key": key}, name=f"{key}_create"),
        path(f"{key}/<int:pk>/", views.object_detail, {"key": key}, name=f"{key}_detail"),
        path(f"{key}/<int:pk>/modifier/", views.object_edit, {"key": key}, name=f"{key}_edit"),
    ]
