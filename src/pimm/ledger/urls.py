from django.urls import path

from pimm.ledger import views

app_name = "ledger"
urlpatterns = [
    path("", views.periods, name="periods"),
    path("mois/<int:pk>/", views.period_detail, name="period"),
    path("mois/<int:pk>/action/<str:action>/", views.period_action, name="period_action"),
    path("mois/<int:pk>/releve/<int:member_id>/", views.statement, name="statement"),
    path("mois/<int:pk>/ecritures/", views.entries, name="entries"),
    path("mois/<int:pk>/remuneration/", views.pay, name="pay"),
    path("mois/<int:pk>/remuneration/<int:line_id>/", views.pay_statement, name="pay_statement"),
    path("ecritures/<int:pk>/contre-passer/", views.entry_reverse, name="entry_reverse"),
    path("a-corriger/", views.to_fix, name="to_fix"),
    path("depassements/", views.extra_fees, name="extra_fees"),
    path("tarifs/", views.tariffs, name="tariffs"),
]
