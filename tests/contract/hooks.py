"""Schemathesis hooks for the contract run: every request carries the demo administrator's
access token, signed in afresh whenever the server answers 401 (a fuzzed request may end the
token's own session, e.g. DELETE /admin/users/{id}/sessions/{session_id} with its own ids, or
sign out). Fuzzed sign-ins are kept off that account: schemathesis reuses the emails it reads
in responses, and the failed attempts would make the account wait (429) before each sign-in."""

import json
import os
import urllib.request

import schemathesis

BASE = os.environ["CONTRACT_BASE_URL"]
EMAIL = "admin@portcullis.example"
CREDENTIALS = {
    "email": EMAIL,
    "password": os.environ["CONTRACT_PASSWORD"],
}


@schemathesis.auth(retry_on=[401])
class AdministratorToken:
    def get(self, case, context):
        request = urllib.request.Request(
            f"{BASE}/api/v1/auth/login",
            data=json.dumps(CREDENTIALS).encode(),
            headers={"content-type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)["access_token"]

    def set(self, case, data, context):
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {data}"


@schemathesis.hook
def map_body(ctx, body):
    if isinstance(body, dict) and "password" in body and isinstance(body.get("email"), str):
        if body["email"].strip().lower() == EMAIL:
            return {**body, "email": "fuzzed-" + EMAIL}
    return body
