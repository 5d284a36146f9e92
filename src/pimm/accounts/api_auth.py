"""The bearer-token authentication shared by the JSON API (``pimm.api``) and the FHIR API
(``pimm.interop.fhir``): only a SHA-256 of each token is stored (``accounts.selectors``)."""

from django.http import HttpRequest
from ninja.security import HttpBearer

from pimm.accounts import selectors as accounts_selectors


class TokenAuth(HttpBearer):
    """The API's bearer tokens (``accounts.selectors.api_token_user``)."""

    def authenticate(self, request: HttpRequest, token: str):
        user = accounts_selectors.api_token_user(token)
        if user is None:
            return None
        request.user = user
        return user
