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
def map_body(ctx, body):
    if isinstance(body, dict) and ctx.operation.path.endswith(BODY_CREDENTIALS):
        body["username"] = USERNAME
        body["password"] = PASSWORD
    return body


@schemathesis.hook
def map_query(ctx, query):
    if ctx.operation.path.endswith("/token/create"):
        query = dict(query or {})
        query["username"] = USERNAME
        query["password"] = PASSWORD
    return query
