"""The organizers' audit log page."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from challenge.accounts.roles import organizer_required
from challenge.audit import selectors as audit_selectors
from challenge.audit.forms import AuditFilterForm
from challenge.audit.selectors import readable


@require_GET
@organizer_required
def audit_log(request):
    filters = AuditFilterForm(request.GET or None)
    if filters.is_bound and not filters.is_valid():
        raise Http404("No such year or person.")
    chosen = filters.cleaned_data if filters.is_bound else {}
    entries = audit_selectors.audit_entries(year=chosen.get("year"), kind=chosen.get("kind", ""), person=chosen.get("person"))
    page = Paginator(entries, 100).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"page": page, "records": readable(page.object_list), "year": chosen.get("year"), "filters": filters,
               "query": query.urlencode()}
    return render(request, "organize/audit.html", context)
