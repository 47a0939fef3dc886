"""Payloads of the account-data deletion (issue 14): `DELETE /api/account`, the admin's
`DELETE /api/admin/users/{uid}/data` and the callable `deleteAccountData`. camelCase on the wire."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel


class _Schema(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")


class DeleteAccountDataRequest(_Schema):
    delete_auth_user: bool = Field(
        default=False,
        description="Also delete the Firebase Auth user (opt-in; by default only the data goes, and the "
        "user can still sign in, to an empty account). REST: query parameter `deleteAuthUser=true`.",
    )


class DeleteAccountDataResponse(_Schema):
    """What was deleted; a second call (nothing left) answers zeros."""

    documents: int = Field(..., description="Firestore documents under users/{uid} (users/{uid} itself included).")
    storage_objects: int = Field(..., description="Storage objects under the user's prefixes.")
    interactions: int = Field(
        ..., description="Interactions stored at Google for the user's turns (0 until the Interactions transport)."
    )
    auth_user_deleted: bool = Field(..., description="Whether the Firebase Auth user was deleted (opt-in).")
