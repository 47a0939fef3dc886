"""Turns → Contents: a branch's exchanges, the history policy, signatures and image rehydration
(tree.py finds the branch, history.py picks the exchanges, gemini/contents.py renders them)."""

from __future__ import annotations

from google.genai import types

from imagechat import history, tree
from imagechat.gemini.contents import history_contents, user_parts
from imagechat.gemini.files import ImageRef
from imagechat.gemini.parsing import stored_content
from imagechat.store.documents import Attachment, ContentPart, Exchange, OutputImage, Turn, TurnStatus


class FileUris:
    """Turns an image reference into a fileData part, as the Files API cache does."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def image_part(self, ref: ImageRef, thought_signature: bytes | None = None) -> types.Part:
        self.seen.append(ref.sha256)
        return types.Part(
            file_data=types.FileData(file_uri=f"files/{ref.sha256}", mime_type=ref.mime_type),
            thought_signature=thought_signature,
        )


def replayed(turns: list[Turn], window: int, image_budget: int = 1000) -> tuple[list[Exchange], str]:
    """What a send continuing from the head of these (pre-tree, linear) turns replays, and its note."""
    lined = tree.as_line(turns)
    by_id = {t.id: t for t in lined}
    head = tree.legacy_head(lined)
    if head is None:
        return [], ""
    pairs = tree.exchange_pairs(by_id[head].lineage)
    chosen = history.plan(len(pairs), window)
    exchanges = [Exchange(by_id[u], by_id[m]) for u, m in (pairs[i] for i in chosen.replayed)]
    kept, dropped = history.fit_images(exchanges, image_budget)
    summarised = {pairs[i][0]: by_id[pairs[i][0]].text for i in chosen.summarised}
    return kept, history.earlier_note(history.left_out_instructions(pairs, summarised, dropped))


def build_history(turns: list[Turn], images: FileUris, window: int, image_budget: int = 1000) -> list[types.Content]:
    """What a send does with the turns before its message: pick the exchanges, render them."""
    return history_contents(replayed(turns, window, image_budget)[0], images)


def _attachment(sha256: str, path: str, mime_type: str = "image/png") -> Attachment:
    return Attachment(source="upload", source_path=path, storage_path=path, url=f"https://x/{path}",
                      mime_type=mime_type, sha256=sha256, width=8, height=8)


def _user(index: int, text: str, status: TurnStatus = "complete", images: int = 0) -> Turn:
    attachments = tuple(_attachment(f"in{index}-{i}", f"p/{index}/{i}") for i in range(images))
    return Turn(id=f"u{index}", index=index, role="user", text=text, status=status, attachments=attachments)


def _model(index: int, status: TurnStatus = "complete", signature: bytes | None = None) -> Turn:
    parts = [
        types.Part(text=f"done {index}", thought_signature=signature),
        types.Part(thought=True, text="thinking"),
        types.Part(inline_data=types.Blob(data=b"\x89PNG...", mime_type="image/png"), thought_signature=signature),
    ]
    content, images, text = stored_content(parts)
    assert len(images) == 1 and text == f"done {index}"
    stored_images = (OutputImage(sha256=f"out{index}", storage_path=f"o/{index}.png", mime_type="image/png",
                                 public_url=f"https://x/o/{index}.png", width=8, height=8),)
    return Turn(id=f"m{index}", index=index, role="model", text=text, status=status,
                content=tuple(content), images=stored_images)


def test_only_complete_exchanges_count() -> None:
    turns = [
        _user(0, "a"), _model(1),
        _user(2, "b", status="failed"),
        _user(4, "c", status="blocked"), _model(5, status="blocked"),
        _user(6, "d"), _model(7),
        _user(8, "e", status="pending"),
    ]
    lined = {t.id: t for t in tree.as_line(turns)}
    assert tree.legacy_head(list(lined.values())) == "m7"
    assert lined["m7"].lineage == ("u0", "m1", "u6", "m7")  # the failed and blocked sends are not on it
    assert lined["u2"].parent_id == "m1" and lined["u4"].parent_id == "m1" and lined["u8"].parent_id == "m7"
    assert [(u.id, m.id) for u, m in replayed(turns, window=10)[0]] == [("u0", "m1"), ("u6", "m7")]


def test_model_content_comes_back_with_signatures_on_file_parts() -> None:
    files = FileUris()
    history = build_history([_user(0, "draw", images=1), _model(1, signature=b"sig-1")], files, window=10)
    assert [c.role for c in history] == ["user", "model"]
    user, model = history
    assert user.parts is not None and model.parts is not None
    assert user.parts[0].file_data is not None and user.parts[1].text == "draw"
    assert [p.text for p in model.parts if p.text] == ["done 1"]  # the thought part is not replayed
    image = model.parts[-1]
    assert image.file_data is not None and image.file_data.file_uri == "files/out1"
    assert image.thought_signature == b"sig-1" and model.parts[0].thought_signature == b"sig-1"
    assert image.inline_data is None


def test_stored_content_holds_no_image_bytes() -> None:
    content, _, _ = stored_content([types.Part(inline_data=types.Blob(data=b"x" * 1000, mime_type="image/png"),
                                               thought_signature=b"s")])
    assert content == [ContentPart(part={"thought_signature": "cw=="}, image=0)]


def test_window_keeps_the_first_and_the_newest_exchanges_and_notes_the_rest() -> None:
    turns: list[Turn] = []
    for n in range(5):
        turns += [_user(2 * n, f"t{n}"), _model(2 * n + 1)]
    contents = build_history(turns, FileUris(), window=2)
    texts = [c.parts[0].text for c in contents if c.role == "user" and c.parts]
    assert texts == ["t0", "t3", "t4"]
    assert replayed(turns, window=2)[1] == (
        "Earlier in this conversation the user asked, in order: 1) t1; 2) t2. "
        "The images below already reflect those requests."
    )
    # The head's exchange is always replayed: a window below 1 counts as 1.
    assert [c.parts[0].text for c in build_history(turns, FileUris(), window=0) if c.role == "user"] == ["t0", "t4"]
    assert replayed(turns, window=10)[1] == ""


def test_user_parts_keep_image_order_then_text() -> None:
    files = FileUris()
    attachments = [_attachment(s, s, "image/jpeg") for s in ("b", "a", "c")]
    parts = user_parts(attachments, "merge", files)
    assert files.seen == ["b", "a", "c"] and parts[-1].text == "merge"
    assert user_parts([], "", files) == []


def test_the_image_budget_drops_the_oldest_exchanges() -> None:
    # Exchanges of 1+1, 2+1 and 0+1 images; a budget of 4 keeps only the two newest.
    turns = [_user(0, "a", images=1), _model(1), _user(2, "b", images=2), _model(3), _user(4, "c"), _model(5)]
    files = FileUris()
    history = build_history(turns, files, window=20, image_budget=4)
    assert [c.parts[-1].text for c in history if c.role == "user"] == ["b", "c"]
    assert files.seen == ["in2-0", "in2-1", "out3", "out5"]  # the dropped exchange is not even uploaded
    assert len(build_history(turns, FileUris(), window=20, image_budget=5)) == 4
    assert len(build_history(turns, FileUris(), window=20, image_budget=6)) == 6
    assert build_history(turns, FileUris(), window=20, image_budget=0) == []
    # What the cap drops is kept as text.
    assert replayed(turns, window=20, image_budget=4)[1].startswith(
        "Earlier in this conversation the user asked, in order: 1) a."
    )


def test_the_note_keeps_the_newest_instructions_when_long() -> None:
    note = history.earlier_note([f"request {i} " + "x" * 100 for i in range(100)])
    assert len(note) < history.MAX_NOTE_CHARS + 200
    assert "request 99 " in note and "request 0 " not in note and "… " in note
    assert history.earlier_note(["", "  "]) == ""
    assert history.with_note("Be brief.", note).startswith("Be brief.\n\nEarlier")
    assert history.with_note("", "") == ""


def test_an_imported_image_is_the_first_exchange_and_goes_as_a_user_image() -> None:
    image = OutputImage(storage_path="chat-images/u/s/m0-0.png", public_url="https://x", mime_type="image/png",
                        width=8, height=8, sha256="imported")
    imported = Turn(id="m0", role="model", index=0, status="complete", lineage=("m0",), images=(image,),
                    mode="imported")
    assert imported.to_firestore()["mode"] == "imported"
    assert "mode" not in Turn(role="user", index=1, status="complete").to_firestore()  # chat: not stored
    exchange = Exchange(None, imported)
    assert exchange.imported and history.exchange_images(exchange) == 1
    assert history.left_out_instructions([(None, "m0")], {}, [exchange]) == []
    assert history.plan(len(tree.exchange_pairs(["m0", "u1", "m2"])), 1).replayed == [0, 1]
    uris = FileUris()
    [content] = history_contents([exchange], uris)
    assert content.role == "user" and uris.seen == ["imported"]
    assert content.parts is not None and content.parts[0].thought_signature is None
