"""Schemathesis hooks for smsmock's API check (scripts/schemathesis.sh).

Viamobile's JSON endpoints and /token/create take their credentials in the
body or the query, where no --auth option reaches; these hooks put the
default fixture account's credentials there so that the generated requests
get past authentication and exercise the endpoints themselves.
"""

import schemathesis

USERNAME = "test"
PASSWORD = "test"
BODY_CREDENTIALS = ("/json/send", "/json/validate", "/json/delivery", "/json/msisdnstatus")


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    """Runs for the cases of every phase, generated or not."""
    path = case.operation.path
    if isinstance(case.body, dict) and path.endswith(BODY_CREDENTIALS):
        case.body["username"] = USERNAME
        case.body["password"] = PASSWORD
    if path.endswith("/token/create"):
        case.query = dict(case.query or {})
        case.query["username"] = USERNAME
        case.query["password"] = PASSWORD
