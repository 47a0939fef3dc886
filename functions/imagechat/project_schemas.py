"""Payloads of projects, the "creative journey" (seed 003). camelCase on the wire."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from imagechat import config
from imagechat.schemas import Body, Schema, Usage


class CreateProjectRequest(Body):
    """Seed 003's body (`session_id`, `title`); `turn_id` picks an earlier image (default: the head)."""

    session_id: str = Field(..., min_length=1, description="The chat session to publish.")
    title: str | None = Field(
        default=None, max_length=config.MAX_TITLE_CHARS,
        description="Default 'Nano Banana Creation: <short summary of the first prompt>'.",
    )
    turn_id: str | None = Field(
        default=None, description="A complete model turn whose image is the final one; default the session's head."
    )


class ProjectLink(Schema):
    id: str = Field(..., description="Project document id.")
    slug: str = Field(..., description="Unique per user, from the title.")
    url: str = Field(..., description="The web app's page for the project.")
    title: str = Field(..., description="The project's title.")


class CreateProjectResponse(Schema):
    success: bool = Field(default=True, description="Always true (seed 003's shape); errors are HTTP errors.")
    project: ProjectLink = Field(..., description="The new project.")


class IterationView(Schema):
    order: int = Field(..., description="1-based position on the path to the final image.")
    prompt: str = Field(..., description="The user's instruction.")
    image_url: str = Field(..., description="The project's own copy of the image this step made.")
    model_text: str = Field(default="", description="What the model said with it.")


class ProjectView(Schema):
    id: str = Field(..., description="Project document id.")
    slug: str = Field(..., description="Unique per user.")
    url: str = Field(..., description="The web app's page for the project.")
    title: str = Field(..., description="Title.")
    description: str = Field(..., description="The AI-written creative-journey summary (or the fallback).")
    featured_image_url: str = Field(..., description="The final image (the project's copy).")
    type: str = Field(..., description="'nano_banana_creation'.")
    session_id: str = Field(..., description="The session it was made from (which may since be deleted).")
    turn_id: str = Field(..., description="The model turn of the final image.")
    visibility: Literal["private", "public"] = Field(..., description="private (default) or public.")
    summary_status: Literal["ai", "fallback"] = Field(..., description="fallback: the summary could not be written.")
    usage: Usage = Field(default_factory=Usage, description="Tokens and cost of the summary call.")
    iterations: list[IterationView] = Field(default_factory=list, description="The path to the final image.")
    content: dict[str, Any] = Field(default_factory=dict, description="Seed 003's content: hero + journey sections.")
    created_at: datetime | None = Field(default=None, description="When the project was made.")


class ListProjectsRequest(Schema):
    limit: int = Field(default=config.DEFAULT_LIST_LIMIT, ge=1, le=config.MAX_LIST_LIMIT, description="Page size.")


class ListProjectsResponse(Schema):
    projects: list[ProjectView] = Field(..., description="Newest first.")


class ProjectResponse(Schema):
    project: ProjectView = Field(..., description="The project.")


class UpdateProjectRequest(Body):
    title: str | None = Field(default=None, min_length=1, max_length=config.MAX_TITLE_CHARS, description="New title.")
    description: str | None = Field(default=None, max_length=20_000, description="New description.")
    visibility: Literal["private", "public"] | None = Field(
        default=None, description="public: readable by anyone at GET /api/public/projects/{uid}/{slug}."
    )
