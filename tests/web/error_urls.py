"""The project's URL map plus one view that fails, to render the 500 page in tests."""

from django.urls import path

from pimm.urls import handler400, handler403, handler404, handler500, urlpatterns

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]


def _boom(request):
    raise RuntimeError("boom")


urlpatterns = [path("boum/", _boom), *urlpatterns]
