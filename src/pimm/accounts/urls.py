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
    path("audit/export.csv", views.audit_csv, name="audit_csv"),
    path("utilisateurs/", views.user_list, name="users"),
    path("utilisateurs/nouveau/", views.user_edit, name="user_create"),
    path("utilisateurs/<int:pk>/", views.user_edit, name="user_edit"),
    path(
        "mot-de-passe/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="accounts/password_set.html",
            success_url="/comptes/connexion/",
            post_reset_login=False,
        ),
        name="password_reset_confirm",
    ),
]
