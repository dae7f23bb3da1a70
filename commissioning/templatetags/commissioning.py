"""The home page's "needs your attention" panel.

An inclusion tag rather than a call in accounts' home view: accounts must not import
commissioning (the dependency runs the other way), so the page pulls the panel in instead.
"""

from __future__ import annotations

from typing import Any

from django import template

from commissioning.selectors import attention_for

register = template.Library()


@register.inclusion_tag("commissioning/attention.html", takes_context=True)
def attention_panel(context: template.Context) -> dict[str, Any]:
    return {"attention": attention_for(context["request"].user)}
