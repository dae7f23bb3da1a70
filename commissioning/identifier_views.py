"""The identifier screen while the person types: forms post a free-text field here (htmx) and
show the warning this answers next to it. The form still refuses on submit, where the service
screens again; this only tells sooner."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from commissioning.identifiers import identifiers_in, identifiers_warning

# The longest free-text field (a trust-log entry). Past it the form refuses anyway, so the
# text is not screened: the answer stays a few milliseconds whatever is posted.
CHECK_MAX_LENGTH = 10_000


@require_POST
def identifiers_check(request: HttpRequest) -> HttpResponse:
    """Screen the posted field named by `?field=` (the textarea's name; htmx posts the whole
    form, CSRF token included) and answer a GOV.UK warning naming the kinds found, or nothing."""
    text = request.POST.get(request.GET.get("field", ""), "")
    if len(text) > CHECK_MAX_LENGTH:
        warning = f"This is longer than {CHECK_MAX_LENGTH:,} characters, so it cannot be saved."
    else:
        kinds = identifiers_in(text)
        warning = identifiers_warning(kinds) if kinds else ""
    return render(request, "components/identifier_warning.html", {"warning": warning})
