from django.urls import path

from pimm.worklist import views

app_name = "worklist"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("file/", views.queue_rows, name="queue_rows"),
    path("examens/", views.exam_list, name="exam_list"),
    path("examens/<int:pk>/", views.exam_detail, name="exam"),
    path("examens/<int:pk>/compte-rendu/", views.report_post, name="report"),
    path("examens/<int:pk>/statut/", views.exam_move, name="move"),
    path("examens/<int:pk>/critique/", views.finding_post, name="finding"),
    path("critiques/<int:pk>/communication/", views.communication_post, name="communication"),
    path("critiques/<int:pk>/cloture/", views.finding_close_post, name="finding_close"),
    path("examens/<int:pk>/brouillon/", views.report_autosave, name="report_autosave"),
    path("coordination/", views.coordination, name="coordination"),
    path("coordination/live/", views.coordination_live, name="coordination_live"),
    path("coordination/delais/", views.turnaround, name="turnaround"),
    path("coordination/delais.<str:fmt>", views.turnaround_export, name="turnaround_export"),
    path("reglages/classes/", views.classes, name="classes"),
    path("reglages/classes/<int:pk>/", views.class_edit, name="class_edit"),
    path("reglages/presences/", views.presences, name="presences"),
    path("reglages/presences/nouvelle/", views.presence_new, name="presence_new"),
    path("reglages/presences/<int:pk>/", views.presence_edit, name="presence_edit"),
    path("reglages/presences/<int:pk>/supprimer/", views.presence_delete, name="presence_delete"),
]
