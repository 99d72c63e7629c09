"""Lists as cards on a phone (issue #11): which columns a card shows, and the widget that marks them.

A list's table keeps every column on a wide screen; below 768 px the stylesheet
(``static/css/backoffice.css``, "Card lists") lays each row out as a card holding only the
view's key columns, each under its label, so state and deadline are no longer pushed off-screen
to the right. The key columns are data on the view: ``mobile_columns``, or by default the first
``DEFAULT_KEY_COLUMNS`` list columns. The other columns are one tap away, on the record's page.
"""
DEFAULT_KEY_COLUMNS = 3  # also the fallback of the list template, for FAB's own views


def key_columns(list_columns, mobile_columns=None):
    """The columns a card shows, in list order; unknown names in ``mobile_columns`` are ignored."""
    columns = list(list_columns or [])
    if not mobile_columns:
        return columns[:DEFAULT_KEY_COLUMNS]
    wanted = set(mobile_columns)
    return [c for c in columns if c in wanted]


class CardListMixin:
    """Hands the list template (templates/appbuilder/general/widgets/list.html, ours under FAB's
    name) the key columns, ``mobile_columns``, with the widget's other arguments."""

    mobile_columns = ()

    def __call__(self, **kwargs):
        kwargs.setdefault("mobile_columns", self.mobile_columns)
        return super().__call__(**kwargs)


def card_list_widget(view):
    """``view.list_widget`` (FAB's or a view's own, e.g. the job runs') told the view's key columns."""
    base = view.list_widget
    if not issubclass(base, CardListMixin):
        base = type(base.__name__, (CardListMixin, base), {})
    keys = tuple(key_columns(view.list_columns, getattr(view, "mobile_columns", None)))
    return type(base.__name__, (base,), {"mobile_columns": keys})
