from django.urls import path

from pimm.interop.hl7 import views

app_name = "interop_hl7"
urlpatterns = [
    path("canaux/", views.channel_list, name="channels"),
    path("canaux/nouveau/", views.channel_edit, name="channel_new"),
    path("canaux/<int:pk>/", views.channel_edit, name="channel_edit"),
    path("canaux/<int:pk>/trafic/", views.traffic, name="traffic"),
    path("messages/<int:pk>/", views.message_detail, name="message"),
    path("sortants/<int:pk>/renvoyer/", views.outbound_requeue, name="requeue"),
]
