"""Small template helpers of the dashboards and reports (areas: core's `area` filter)."""

from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """mapping[key] in a template ({{ labels|get_item:row.rag }}); None when missing."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None
