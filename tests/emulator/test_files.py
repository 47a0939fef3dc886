"""The Files API: the SDK's resumable upload, get/delete/list with paging, use in requests, expiry."""

from __future__ import annotations

import base64
import hashlib
import io
import re
import time
from datetime import timedelta

import pytest
import requests
from google import genai
from google.genai import errors, types

from devtools.gemini_emulator import read_provenance
from tests.emulator.helpers import output_png, png_bytes
from tests.support.clients import GeminiControl as Control


def upload(client: genai.Client, data: bytes, **config: str) -> types.File:
    return client.files.upload(file=io.BytesIO(data), config={"mime_type": "image/png", **config})


def test_upload_returns_a_complete_file_resource(client: genai.Client, emulator_url: str) -> None:
    data = png_bytes((30, 20))
    uploaded = upload(client, data, display_name="cat.png")
    assert uploaded.name and re.fullmatch(r"files/[a-z0-9]+", uploaded.name)
    file_id = uploaded.name.removeprefix("files/")
    assert uploaded.display_name == "cat.png"
    assert uploaded.mime_type == "image/png"
    assert uploaded.size_bytes == len(data)
    assert uploaded.state == types.FileState.ACTIVE
    assert uploaded.source == types.FileSource.UPLOADED
    assert uploaded.uri == f"{emulator_url}/v1beta/files/{file_id}"
    assert uploaded.create_time and uploaded.update_time and uploaded.expiration_time
    assert uploaded.expiration_time - uploaded.create_time == timedelta(hours=48)
    assert uploaded.sha256_hash == base64.b64encode(hashlib.sha256(data).hexdigest().encode()).decode()


def test_upload_wire_protocol(emulator_url: str, control: Control) -> None:
    data = b"0123456789" * 5
    start = requests.post(
        f"{emulator_url}/upload/v1beta/files",
        headers={
            "X-Goog-Upload-Protocol": "resumable",
            "X-Goog-Upload-Command": "start",
            "X-Goog-Upload-Header-Content-Length": str(len(data)),
            "X-Goog-Upload-Header-Content-Type": "text/plain",
        },
        json={"file": {"display_name": "notes.txt"}},
        timeout=10,
    )
    assert start.status_code == 200
    url = start.headers["X-Goog-Upload-URL"]
    assert url.startswith(f"{emulator_url}/upload/v1beta/files?")
    first = requests.post(
        url, headers={"X-Goog-Upload-Command": "upload", "X-Goog-Upload-Offset": "0"}, data=data[:20], timeout=10
    )
    assert first.status_code == 200
    assert first.headers["X-Goog-Upload-Status"] == "active"
    wrong_offset = requests.post(
        url, headers={"X-Goog-Upload-Command": "upload", "X-Goog-Upload-Offset": "3"}, data=data[20:], timeout=10
    )
    assert wrong_offset.status_code == 400
    assert wrong_offset.headers["X-Goog-Upload-Status"] == "final"
    final = requests.post(
        url,
        headers={"X-Goog-Upload-Command": "upload, finalize", "X-Goog-Upload-Offset": "20"},
        data=data[20:],
        timeout=10,
    )
    assert final.status_code == 200
    assert final.headers["X-Goog-Upload-Status"] == "final"
    resource = final.json()["file"]
    assert resource["displayName"] == "notes.txt"
    assert resource["mimeType"] == "text/plain"
    assert resource["sizeBytes"] == "50"
    kinds = [e["kind"] for e in control.requests()]
    assert kinds == ["upload.start", "upload", "upload", "upload"]


def test_get_delete_and_get_again_is_403(client: genai.Client) -> None:
    uploaded = upload(client, png_bytes())
    assert uploaded.name
    fetched = client.files.get(name=uploaded.name)
    assert fetched.name == uploaded.name and fetched.state == types.FileState.ACTIVE
    assert fetched.sha256_hash == uploaded.sha256_hash
    client.files.delete(name=uploaded.name)
    with pytest.raises(errors.ClientError) as caught:
        client.files.get(name=uploaded.name)
    assert caught.value.code == 403
    assert caught.value.status == "PERMISSION_DENIED"
    file_id = uploaded.name.removeprefix("files/")
    assert caught.value.message == f"You do not have permission to access the File {file_id} or it may not exist."


def test_delete_answers_200_empty(emulator_url: str, client: genai.Client) -> None:
    uploaded = upload(client, png_bytes())
    response = requests.delete(f"{emulator_url}/v1beta/{uploaded.name}", timeout=10)
    assert response.status_code == 200
    assert response.json() == {}


def test_list_pages_newest_first(client: genai.Client, emulator_url: str) -> None:
    names = [upload(client, png_bytes((10 + i, 10))).name for i in range(5)]
    listed = [f.name for f in client.files.list(config={"page_size": 2})]
    assert listed == list(reversed(names))
    page = requests.get(f"{emulator_url}/v1beta/files", params={"pageSize": 2}, timeout=10).json()
    assert len(page["files"]) == 2 and page["nextPageToken"]
    last = requests.get(
        f"{emulator_url}/v1beta/files", params={"pageSize": 4, "pageToken": page["nextPageToken"]}, timeout=10
    ).json()
    assert [f["name"] for f in last["files"]] == list(reversed(names))[2:]
    assert "nextPageToken" not in last


def test_empty_list_is_an_empty_object(client: genai.Client, emulator_url: str) -> None:
    assert requests.get(f"{emulator_url}/v1/files", timeout=10).json() == {}
    assert list(client.files.list()) == []


def test_file_data_in_generate_content_edits_that_file(client: genai.Client, control: Control) -> None:
    source = png_bytes((64, 64), (10, 20, 30))
    uploaded = upload(client, source)
    assert uploaded.uri
    response = client.models.generate_content(
        model="gemini-2.5-flash-image",
        contents=[types.Part.from_uri(file_uri=uploaded.uri, mime_type="image/png"), "invert"],
    )
    out = output_png(response)
    assert read_provenance(out) == [f"input:{hashlib.sha256(source).hexdigest()[:12]}", "invert"]
    part = control.requests("generateContent")[-1]["contents"][0]["parts"][0]
    assert part == {
        "kind": "fileData",
        "hasSignature": False,
        "fileUri": uploaded.uri,
        "mimeType": "image/png",
        "bytes": len(source),
    }


def test_expired_file_is_403_on_get_and_on_use(client: genai.Client, control: Control) -> None:
    control.config(fileTtlSeconds=1)
    uploaded = upload(client, png_bytes())
    assert uploaded.name and uploaded.uri
    assert uploaded.expiration_time and uploaded.create_time
    assert (uploaded.expiration_time - uploaded.create_time).total_seconds() == pytest.approx(1, abs=0.01)
    time.sleep(1.1)
    with pytest.raises(errors.ClientError) as caught:
        client.files.get(name=uploaded.name)
    assert caught.value.code == 403
    with pytest.raises(errors.ClientError) as caught:
        client.models.generate_content(
            model="gemini-2.5-flash-image",
            contents=[types.Part.from_uri(file_uri=uploaded.uri, mime_type="image/png"), "invert"],
        )
    assert caught.value.code == 403
    assert caught.value.status == "PERMISSION_DENIED"
    assert "may not exist" in (caught.value.message or "")


def test_expire_endpoint_forces_expiry(client: genai.Client, control: Control) -> None:
    keep, drop = upload(client, png_bytes()), upload(client, png_bytes((5, 5)))
    assert keep.name and drop.name and drop.uri
    assert control.expire_files(drop.name) == 1
    with pytest.raises(errors.ClientError) as caught:
        client.models.generate_content(
            model="gemini-3-pro-image-preview",
            contents=[types.Part.from_uri(file_uri=drop.uri, mime_type="image/png"), "blur"],
        )
    assert caught.value.code == 403
    assert client.files.get(name=keep.name).name == keep.name
    assert control.expire_files() == 1
    assert list(client.files.list()) == []


def test_unknown_file_uri_is_403(client: genai.Client, emulator_url: str) -> None:
    with pytest.raises(errors.ClientError) as caught:
        client.models.generate_content(
            model="gemini-2.5-flash-image",
            contents=[
                types.Part.from_uri(file_uri=f"{emulator_url}/v1beta/files/nosuchfile", mime_type="image/png"),
                "blur",
            ],
        )
    assert caught.value.code == 403
    assert caught.value.message == "You do not have permission to access the File nosuchfile or it may not exist."


def test_processing_file_is_400_failed_precondition_until_active(client: genai.Client, control: Control) -> None:
    control.config(fileProcessingMs=800)
    uploaded = upload(client, png_bytes())
    assert uploaded.state == types.FileState.PROCESSING
    assert uploaded.uri and uploaded.name
    contents = [types.Part.from_uri(file_uri=uploaded.uri, mime_type="image/png"), "blur"]
    with pytest.raises(errors.ClientError) as caught:
        client.models.generate_content(model="gemini-2.5-flash-image", contents=contents)
    assert caught.value.code == 400
    assert caught.value.status == "FAILED_PRECONDITION"
    assert caught.value.message == f"The File {uploaded.name} is not in an ACTIVE state and usage is not allowed."
    time.sleep(0.9)
    assert client.files.get(name=uploaded.name).state == types.FileState.ACTIVE
    out = output_png(client.models.generate_content(model="gemini-2.5-flash-image", contents=contents))
    assert read_provenance(out)[-1] == "blur"


def test_requested_name_is_kept_and_duplicates_conflict(client: genai.Client) -> None:
    first = upload(client, png_bytes(), name="myfile1")
    assert first.name == "files/myfile1"
    with pytest.raises(errors.ClientError) as caught:
        upload(client, png_bytes(), name="myfile1")
    assert caught.value.code == 409


def test_large_upload_in_several_chunks(client: genai.Client, control: Control) -> None:
    data = bytes(range(256)) * (9 * 4096)  # 9 MiB: two SDK chunks (8 MiB + 1 MiB)
    uploaded = client.files.upload(file=io.BytesIO(data), config={"mime_type": "application/octet-stream"})
    assert uploaded.size_bytes == len(data)
    assert uploaded.sha256_hash == base64.b64encode(hashlib.sha256(data).hexdigest().encode()).decode()
    chunks = control.requests("upload")
    assert [c["bytes"] for c in chunks] == [8 * 1024 * 1024, 1024 * 1024]
