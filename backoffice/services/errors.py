"""The one error every command raises (issue #10)."""


class CommandError(Exception):
    """A refused business action: ``message`` is already in the user's language.

    ``field`` names the form field or JSON key to attach it to (None: the whole request);
    ``status`` is what the REST API answers (422 refused, 409 conflict with a concurrent change,
    404 outside the scope).
    """

    def __init__(self, message, field=None, status=422):
        super().__init__(str(message))
        self.message, self.field, self.status = str(message), field, status

    def as_api_message(self):
        return {self.field: [self.message]} if self.field else self.message
