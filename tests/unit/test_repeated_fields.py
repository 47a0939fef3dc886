"""A field naming whom a call acts for, sent twice (`userId` in the query or a multipart form,
`user_id` on the /v1 API), is a 400: werkzeug would silently take the first, and which user was
meant is anyone's guess. Found by the fuzzer (FUZZ_RANDOM=1): an upload with `userId` as an array
(a repeated form field) was accepted although the document says it is a string."""

from __future__ import annotations

import io

import flask
import pytest

from imagechat.auth import Caller
from imagechat.errors import InvalidArgument
from imagechat.identity_schemas import FieldInvalid
from imagechat.web import rest, seed_api

APP = flask.Flask(__name__)
ADMIN = Caller(uid="admin1", is_admin=True)


def test_a_repeated_form_field_of_an_upload_is_refused() -> None:
    data = {"userId": ["u1", "u2"], "file": (io.BytesIO(b"\x89PNG"), "a.png")}
    with APP.test_request_context("/upload/temp", method="POST", data=data), \
            pytest.raises(InvalidArgument, match="userId: send it once"):
        rest.upload_temp(flask.request, ADMIN, {})


def test_a_repeated_form_field_of_a_library_save_is_refused() -> None:
    data = {"name": ["a", "b"], "file": (io.BytesIO(b"\x89PNG"), "a.png")}
    with APP.test_request_context("/library", method="POST", data=data), \
            pytest.raises(InvalidArgument, match="name: send it once"):
        rest.save_to_library(flask.request, ADMIN, {})


def test_a_repeated_user_id_in_the_query_is_refused() -> None:
    with APP.test_request_context("/chat/sessions?userId=u1&userId=u2"), pytest.raises(InvalidArgument):
        rest._target(flask.request, ADMIN)
    with APP.test_request_context("/chat/sessions?userId=u1"):
        assert rest._target(flask.request, ADMIN) == "u1"


def test_the_identity_api_refuses_a_repeated_user_id_naming_it() -> None:
    with APP.test_request_context("/v1/me?user_id=u1&user_id=u2"), pytest.raises(FieldInvalid) as caught:
        seed_api._user_id(flask.request)
    assert caught.value.field == "user_id"
    with APP.test_request_context("/v1/reference-images", method="POST", data={"user_id": ["a", "b"]}), \
            pytest.raises(FieldInvalid):
        seed_api._user_id(flask.request)
