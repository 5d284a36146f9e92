from django.urls import path

from pimm.evaluation import views

app_name = "evaluation"

urlpatterns = [
    path("", views.indicator_list, name="indicators"),
    path("indicateurs/<slug:code>/", views.indicator_detail, name="indicator"),
    path("indicateurs/<slug:code>/csv/", views.indicator_csv, name="indicator_csv"),
    path("criteres/", views.scorecard, name="scorecard"),
    path("engagements/", views.commitment_list, name="commitments"),
    path("engagements/nouveau/", views.commitment_edit, name="commitment_create"),
    path("engagements/<int:pk>/", views.commitment_detail, name="commitment_detail"),
    path("engagements/<int:pk>/modifier/", views.commitment_edit, name="commitment_edit"),
    path("preuves/<int:pk>/fichier/", views.evidence_file, name="evidence_file"),
    path("rapports/", views.report_list, name="reports"),
    path("rapports/preparation/<int:pk>/", views.draft_detail, name="draft_detail"),
    path("rapports/<int:pk>/", views.report_detail, name="report_detail"),
    path("rapports/<int:pk>/progression/", views.report_progress, name="report_progress"),
    path("rapports/<int:pk>/transmis/", views.report_publish, name="report_publish"),
    path("rapports/<int:pk>/<str:fmt>/", views.report_file, name="report_file"),
    path("dossier/", views.dossier, name="dossier"),
    path("dossier/pieces/<int:pk>/", views.annex_file, name="annex_file"),
]
