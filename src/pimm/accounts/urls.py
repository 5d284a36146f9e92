from django.contrib.auth import views as auth_views
from django.urls import path

from pimm.accounts import views

app_name = "accounts"
urlpatterns = [
    path("connexion/", views.LoginView.as_view(), name="login"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("code/", views.otp_view, name="otp"),
    path("double-authentification/", views.totp_setup, name="totp_setup"),
    path("profil/", views.profile, name="profile"),
    path("jetons/<int:pk>/revoquer/", views.token_revoke, name="token_revoke"),
    path("audit/", views.audit_list, name="audit"),
]
