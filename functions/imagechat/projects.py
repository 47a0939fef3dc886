"""Use cases on projects (seed 003): publish the path to a session's image as a project with an
AI-written "creative journey", then list, read, edit, publish and delete it.

A project owns copies of its images (server-side copies under `projects/{uid}/{projectId}/`), so
deleting the session later leaves it whole. The summary never blocks a project: when the text model
fails or refuses, the project gets a plain templated description and `summaryStatus: "fallback"`.
"""

from __future__ import annotations

import re

from firebase_functions import logger

from imagechat import clock, pricing, quotas, tree, views
from imagechat.deps import Deps
from imagechat.errors import (
    NO_IMAGE_YET,
    PROJECT_NOT_FOUND,
    TURN_NOT_FOUND,
    ImageChatError,
    InvalidArgument,
    NotFound,
    QuotaExceeded,
)
from imagechat.images.urls import project_prefix
from imagechat.project_schemas import (
    CreateProjectRequest,
    CreateProjectResponse,
    ListProjectsRequest,
    ListProjectsResponse,
    ProjectResponse,
    UpdateProjectRequest,
)
from imagechat.sessions import load_session
from imagechat.store.documents import Iteration, Project, SummaryStatus, Turn, Usage

TITLE_PREFIX = "Nano Banana Creation: "
TITLE_WORDS = 8
SUMMARY_INSTRUCTIONS = (
    "You write the 'creative journey' of an image someone made step by step with an image model. "
    "Given each step's request and the model's reply, write 2 to 4 warm, concrete sentences on how "
    "the image evolved, in the third person, without lists or headings."
)


def create_project(deps: Deps, uid: str, req: CreateProjectRequest) -> CreateProjectResponse:
    session = load_session(deps, uid, req.session_id)
    turns, head = tree.resolve(session, deps.turns.list(uid, session.id))
    by_id = {t.id: t for t in turns}
    final = _final_turn(by_id, req.turn_id, head)
    pairs = tree.exchange_pairs(final.lineage)  # an imported image has no user turn
    path = [(by_id.get(user_id) if user_id else None, by_id[model_id]) for user_id, model_id in pairs]
    steps = [(user, model) for user, model in path if model.images]
    project_id = deps.projects.new_id(uid)
    prefix = project_prefix(uid, project_id)
    try:
        iterations = [
            _iteration(deps, prefix, order, user, model) for order, (user, model) in enumerate(steps, start=1)
        ]
        title = (req.title or "").strip() or default_title(iterations[0].prompt)
        description, status, usage = _summary(deps, uid, iterations)
        slug = deps.projects.reserve_slug(uid, slugify(title), project_id)
        stamp = clock.now()
        project = Project(
            id=project_id,
            title=title,
            slug=slug,
            description=description,
            featured_image_url=iterations[-1].image_url,
            session_id=session.id,
            turn_id=final.id,
            created_at=stamp,
            updated_at=stamp,
            summary_status=status,
            summary_model=deps.settings.summary_model,
            usage=usage,
            iterations=tuple(iterations),
            content=journey_content(iterations, description),
        )
        deps.projects.create(uid, project)
    except BaseException:
        deps.images.delete_prefix(prefix)  # no project: no orphaned copies
        raise
    logger.info("project created", uid=uid, projectId=project_id, sessionId=session.id,
                iterations=len(iterations), summaryStatus=status)
    return views.created_project(project, uid)


def _final_turn(by_id: dict[str, Turn], turn_id: str | None, head: str | None) -> Turn:
    """The turn whose image the project ends with: the chosen one, or the session's head."""
    if turn_id is not None and turn_id not in by_id:
        raise NotFound(TURN_NOT_FOUND)
    final = by_id.get(turn_id or head or "")
    if final is None:
        raise InvalidArgument(NO_IMAGE_YET)
    if final.role != "model" or final.status != "complete" or not final.images:
        raise InvalidArgument("turn_id: must name a complete model turn with an image.")
    return final


def _iteration(deps: Deps, prefix: str, order: int, user: Turn | None, model: Turn) -> Iteration:
    image = model.images[0]
    copy = deps.images.copy(image.storage_path, f"{prefix}{order}.png")
    return Iteration(
        order=order, prompt=user.text if user else "", image_url=copy.public_url,
        storage_path=copy.path, model_text=model.text,
    )


def default_title(first_prompt: str) -> str:
    """'Nano Banana Creation: ' and the first prompt's first words."""
    words = first_prompt.split()
    short = " ".join(words[:TITLE_WORDS]) + ("…" if len(words) > TITLE_WORDS else "")
    return TITLE_PREFIX + (short[:1].upper() + short[1:] if short else "Untitled")


def slugify(title: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:80].strip("-")
    return slug or "project"


def fallback_description(iterations: list[Iteration]) -> str:
    first, last = iterations[0].prompt, iterations[-1].prompt
    if len(iterations) == 1:
        return f'Made in one step from the request "{first}".'
    return f'Made in {len(iterations)} steps, from "{first}" to "{last}".'


def _summary(deps: Deps, uid: str, iterations: list[Iteration]) -> tuple[str, SummaryStatus, Usage]:
    """The AI summary, or the fallback (never an error: the project must not be lost). The call
    counts against the user's quota and is priced onto their usage; over quota, the fallback
    is used without calling the model."""
    prompt = "\n".join(
        f"Step {it.order}. Request: {it.prompt or '(an imported image)'}. Model: {it.model_text or '(image only)'}"
        for it in iterations
    )
    model = deps.settings.summary_model
    try:
        window = quotas.admit(deps, uid)
    except QuotaExceeded as exc:
        logger.info("project summary over quota: fallback description", uid=uid, message=exc.message)
        return fallback_description(iterations), "fallback", Usage()
    try:
        reply = deps.model.write_text(model, SUMMARY_INSTRUCTIONS, prompt)
    except ImageChatError as exc:
        deps.usage.record_call(uid, window, Usage())  # a failed call still counts against the quota
        logger.warn("project summary failed: fallback description", code=exc.code.value, message=exc.message)
        return fallback_description(iterations), "fallback", Usage()
    usage = pricing.priced(reply.usage, model, "", deps.settings.prices_json)
    deps.usage.record_call(uid, window, usage)
    if not reply.text:
        logger.warn("project summary empty or refused: fallback description")
        return fallback_description(iterations), "fallback", usage
    return reply.text, "ai", usage


def journey_content(iterations: list[Iteration], summary: str) -> dict[str, object]:
    """Seed 003's content structure, exactly: a hero section and the journey's blocks."""
    blocks: list[dict[str, str]] = [{"type": "text", "content": summary}]
    for it in iterations:
        blocks += [
            {"type": "heading", "content": f"Iteration {it.order}"},
            {"type": "image", "url": it.image_url},
            {"type": "quote", "content": it.prompt},
        ]
    return {
        "templateVersion": 2,
        "sections": [
            {"id": "hero", "type": "hero", "title": "The Final Result", "imageUrl": iterations[-1].image_url},
            {"id": "journey", "type": "content", "title": "Creative Journey", "blocks": blocks},
        ],
    }


def load_project(deps: Deps, uid: str, id_or_slug: str) -> Project:
    project = deps.projects.get(uid, id_or_slug) or deps.projects.by_slug(uid, id_or_slug)
    if project is None:
        raise NotFound(PROJECT_NOT_FOUND)
    return project


def list_projects(deps: Deps, uid: str, req: ListProjectsRequest) -> ListProjectsResponse:
    return views.project_list(deps.projects.list(uid, req.limit), uid)


def get_project(deps: Deps, uid: str, id_or_slug: str) -> ProjectResponse:
    return views.project(load_project(deps, uid, id_or_slug), uid)


def get_public_project(deps: Deps, owner_uid: str, slug: str) -> ProjectResponse:
    """Anyone may read a public project; a private (or unpublished) one is simply not there."""
    project = deps.projects.by_slug(owner_uid, slug) if "/" not in owner_uid else None
    if project is None or project.visibility != "public":
        raise NotFound(PROJECT_NOT_FOUND)
    return views.project(project, owner_uid)


def update_project(deps: Deps, uid: str, id_or_slug: str, req: UpdateProjectRequest) -> ProjectResponse:
    project = load_project(deps, uid, id_or_slug)
    title = req.title.strip() if req.title is not None else None
    if title == "":
        raise InvalidArgument("title: must not be blank.")
    deps.projects.update(uid, project.id, title=title, description=req.description, visibility=req.visibility)
    return views.project(load_project(deps, uid, project.id), uid)


def delete_project(deps: Deps, uid: str, id_or_slug: str) -> None:
    """Deletes the project, its slug and its image copies (the session, if still there, is untouched)."""
    project = load_project(deps, uid, id_or_slug)
    deps.images.delete_prefix(project_prefix(uid, project.id))
    deps.projects.delete(uid, project)
