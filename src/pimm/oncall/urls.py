from django.urls import path

from . import views

app_name = "oncall"
urlpatterns = [
    path("", views.index, name="index"),
    path("tableaux/<int:pk>/", views.rota_detail, name="rota"),
    path("tableaux/<int:pk>/calculer/", views.rota_generate, name="generate"),
    path("tableaux/<int:pk>/progression/", views.rota_progress, name="progress"),
    path("tableaux/<int:pk>/arreter/", views.rota_stop, name="stop"),
    path("tableaux/<int:pk>/publier/", views.rota_publish, name="publish"),
    path("tableaux/<int:pk>/reviser/", views.rota_revise, name="revise"),
    path("tableaux/<int:pk>/gardes/<int:shift_pk>/verrou/", views.rota_lock, name="lock"),
    path("tableaux/<int:pk>/export.csv", views.rota_csv, name="csv"),
    path("tableaux/<int:pk>/export.xlsx", views.rota_xlsx, name="xlsx"),
    path("tableaux/<int:pk>/tableau.pdf", views.rota_pdf, name="pdf"),
    path("lignes/", views.line_list, name="lines"),
    path("lignes/nouvelle/", views.line_edit, name="line_create"),
    path("lignes/<int:pk>/", views.line_edit, name="line_edit"),
    path("mes-souhaits/", views.wishes, name="wishes"),
    path("echanges/", views.swaps, name="swaps"),
    path("echanges/<int:pk>/<str:action>/", views.swap_action, name="swap_action"),
    path("equite/", views.fairness, name="fairness"),
    path("ponderations/", views.weights, name="weights"),
    path("mon-agenda/", views.my_calendar, name="calendar"),
    path("ical/<str:token>.ics", views.ical_feed, name="ical"),
]
