"""Re-export: the labels live in ``backoffice.labels`` so imports and the change log need no view (issue #10)."""
from backoffice.labels import AUDIT_FIELDSET, LABELS, labels  # noqa: F401
