#!/usr/bin/env python3
"""moto's server, with its request-signature check made to look at the request as sent.

    moto_server.py -H 127.0.0.1 -p PORT        (the arguments of moto_server)

moto checks SigV4 signatures (when INITIAL_NO_AUTH_ACTION_COUNT turns authentication on)
against werkzeug's `request.url`, which has already decoded `%2F` in query values and `%2B`
or `%20` in paths; a correctly signed request for the prefix `data/` or the key `a b.txt`
is then refused, whoever signed it (boto3 included). This runs the same check on the raw
request target (`RAW_URI`), as AWS does; nothing else changes.
"""
import sys

from moto.core.authorization import ActionAuthenticatorMixin

_original = ActionAuthenticatorMixin._authenticate_and_authorize_action


def _authenticate_as_sent(self, iam_request_cls, resource="*"):
    environ = getattr(getattr(self, "request", None), "environ", None) or {}
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if not raw:
        return _original(self, iam_request_cls, resource)
    decoded = self.uri
    self.uri = "http://" + (environ.get("HTTP_HOST") or "localhost") + raw
    try:
        return _original(self, iam_request_cls, resource)
    finally:
        self.uri = decoded


ActionAuthenticatorMixin._authenticate_and_authorize_action = _authenticate_as_sent

if __name__ == "__main__":
    from moto.server import main

    sys.exit(main())
