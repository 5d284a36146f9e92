"""Response headers that keep personal data out of caches (one middleware, every page).

Every page behind login shows someone's contract, duty or patient, and every export (CSV, XLSX,
PDF, iCal) is an attachment of such data: neither may be kept by the browser or a proxy cache.
"""

from django.utils.cache import add_never_cache_headers, patch_cache_control


class NoStoreMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path_info.startswith("/static/"):
            return response
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if signed_in or response.has_header("Content-Disposition"):
            add_never_cache_headers(response)
            patch_cache_control(response, private=True)
        return response
