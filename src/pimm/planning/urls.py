from django.urls import path

from pimm.planning import calendar_views, views

app_name = "planning"
urlpatterns = [
    path("", views.calendar, name="calendar"),
    path("plans/", views.plan_list, name="plan_list"),
    path("plans/nouveau/", views.plan_create, name="plan_create"),
    path("plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/etat/", views.plan_status, name="plan_status"),
    path("plans/<int:pk>/calendrier/", calendar_views.plan_calendar_page, name="plan_calendar"),
    path(
        "plans/<int:pk>/vacations.<str:fmt>",
        calendar_views.plan_calendar_export,
        name="plan_calendar_export",
    ),
    path("plans/<int:pk>/calculer/", views.plan_generate, name="plan_generate"),
    path("plans/<int:pk>/publier/", views.plan_publish, name="plan_publish"),
    path("rendez-vous/", views.booking_list, name="booking_list"),
    path("rendez-vous/nouveau/", views.booking_create, name="booking_create"),
    path("rendez-vous/<int:pk>/", views.booking_detail, name="booking_detail"),
    path("rendez-vous/<int:pk>/deplacer/", views.booking_move, name="booking_move"),
    path("rendez-vous/<int:pk>/annuler/", views.booking_cancel, name="booking_cancel"),
    path("appareils/<int:equipment_pk>/fermeture/", views.closure_create, name="closure_create"),
    path("indicateurs/", views.indicators, name="indicators"),
    path("parametrage/", views.setup, name="setup"),
]
