from django.shortcuts import render


def search(request):
    query = request.GET.get("q", "").strip()
    template = "accounts/search.html#results" if request.htmx else "accounts/search.html"
    return render(request, template, {"search_query": query, "results": []})
