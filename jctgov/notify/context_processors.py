from django.utils.functional import SimpleLazyObject


def inbox(request):
    """The signed-in wallet's unread inbox count for the header; one query, and only when a
    page shows it (signed-out pages run none)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def count():
        from jctgov.notify.selectors import inbox_unread_count

        return inbox_unread_count(user=user)

    return {"inbox_unread": SimpleLazyObject(count)}
