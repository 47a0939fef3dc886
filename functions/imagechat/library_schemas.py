"""Payloads of the image library and prompt presets (issue 10). camelCase on the wire."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from imagechat import config
from imagechat.schemas import Body, Schema, Thumbnail


class SaveToLibraryRequest(Body):
    """Saves an image to the library: new bytes (REST multipart `file`, callable `data`), or one of
    the caller's uploads or outputs named by `fromUrl` or `storagePath` (no bytes re-sent)."""

    name: str | None = Field(
        default=None, max_length=config.MAX_LIBRARY_NAME_CHARS, description="Display name; default the file name."
    )
    from_url: str | None = Field(default=None, description="Download URL of one of the caller's uploads or outputs.")
    storage_path: str | None = Field(
        default=None, description="Storage path of one of the caller's uploads or outputs."
    )
    data: str | None = Field(default=None, min_length=1, description="Callables: the image bytes, base64-encoded.")
    mime_type: str | None = Field(default=None, description="Declared MIME type (the bytes decide).")
    file_name: str | None = Field(default=None, max_length=200, description="Original file name (the default name).")


class ListLibraryRequest(Schema):
    limit: int = Field(default=config.DEFAULT_LIST_LIMIT, ge=1, le=config.MAX_LIST_LIMIT, description="Page size.")
    cursor: str | None = Field(default=None, description="`nextCursor` of the previous page.")


class RenameLibraryImageRequest(Body):
    name: str = Field(..., min_length=1, max_length=config.MAX_LIBRARY_NAME_CHARS, description="New display name.")


class LibraryImageView(Schema):
    id: str = Field(..., description="Library image id (use it in imageIds or as library://<id>).")
    name: str = Field(default="", description="Display name.")
    mime_type: str = Field(..., description="MIME type read from the bytes.")
    width: int = Field(..., description="Width in pixels.")
    height: int = Field(..., description="Height in pixels.")
    sha256: str = Field(..., description="Hex SHA-256 of the bytes.")
    size: int = Field(default=0, description="Size in bytes.")
    created_at: datetime | None = Field(default=None, description="When it was saved; lists sort by it (desc).")
    storage_path: str = Field(..., description="Object path under library/{uid}/.")
    public_url: str = Field(..., description="Download URL.")
    thumbnail: Thumbnail | None = Field(default=None, description="Small WebP preview.")


class LibraryImageResponse(Schema):
    image: LibraryImageView = Field(..., description="The library image.")


class ListLibraryResponse(Schema):
    images: list[LibraryImageView] = Field(..., description="One page, newest first.")
    next_cursor: str | None = Field(default=None, description="Pass as `cursor` for the next page; null at the end.")


class CreatePresetRequest(Body):
    name: str = Field(..., min_length=1, max_length=config.MAX_PRESET_NAME_CHARS, description="Display name.")
    text: str = Field(..., min_length=1, max_length=config.MAX_TEXT_CHARS, description="The instruction it adds.")


class UpdatePresetRequest(Body):
    name: str | None = Field(
        default=None, min_length=1, max_length=config.MAX_PRESET_NAME_CHARS, description="New display name."
    )
    text: str | None = Field(default=None, min_length=1, max_length=config.MAX_TEXT_CHARS, description="New text.")


class PresetView(Schema):
    id: str = Field(..., description="Preset id; built-in ones start with `builtin:`.")
    name: str = Field(..., description="Display name.")
    text: str = Field(..., description="The instruction, put before the message's own text.")
    builtin: bool = Field(default=False, description="A read-only preset of the app.")


class PresetResponse(Schema):
    preset: PresetView = Field(..., description="The preset.")


class ListPresetsResponse(Schema):
    presets: list[PresetView] = Field(..., description="The built-in presets, then the user's, oldest first.")
