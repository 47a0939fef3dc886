// The REST API under /api (docs/api.md), reached through Hosting's /api/** rewrite with the
// user's ID token (and an App Check token when App Check is on). Errors come back as ApiError with
// the server's own message for people.
import { appCheckHeaders } from './firebase.js';

export class ApiError extends Error {
  constructor(httpStatus, status, message, body = null) {
    super(message);
    this.httpStatus = httpStatus;
    this.status = status;
    this.body = body; // the whole error body (a failed composer send carries `id` and `session`)
  }

  /** 409 FAILED_PRECONDITION: another message of this session is still running. */
  get busy() {
    return this.httpStatus === 409;
  }

  /** 429: the user's own quota (per day or per minute); `retryAfterSeconds` says for how long. */
  get overQuota() {
    return this.httpStatus === 429;
  }
}

export function createApi(auth, appCheck = null) {
  /** `anonymous`: without a token (public projects), signed in or not. */
  async function request(method, path, { json, form, anonymous = false } = {}) {
    const headers = await appCheckHeaders(appCheck);
    if (!anonymous) {
      const user = auth.currentUser;
      if (!user) throw new ApiError(401, 'UNAUTHENTICATED', 'You are signed out. Sign in again.');
      headers.Authorization = `Bearer ${await user.getIdToken()}`;
    }
    let body;
    if (json !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(json);
    } else if (form) {
      body = form; // the browser sets the multipart boundary
    }
    let response;
    try {
      response = await fetch(`/api${path}`, { method, headers, body });
    } catch {
      throw new ApiError(0, 'UNAVAILABLE', 'The server cannot be reached. Check your connection and try again.');
    }
    if (response.status === 204) return null;
    const payload = await response.json().catch(() => null);
    if (!response.ok) {
      const error = payload?.error ?? {};
      // The seeds' /v1 endpoints put their message in `detail` (docs/api.md, identity image chat).
      const detail = typeof payload?.detail === 'string' ? payload.detail : null;
      throw new ApiError(response.status, error.status ?? 'UNKNOWN',
        detail ?? error.message ?? `The server answered ${response.status}. Please try again.`, payload);
    }
    return payload;
  }

  const session = (id) => `/chat/sessions/${encodeURIComponent(id)}`;
  const project = (idOrSlug) => `/projects/${encodeURIComponent(idOrSlug)}`;
  const libraryImage = (id) => `/library/${encodeURIComponent(id)}`;
  const preset = (id) => `/presets/${encodeURIComponent(id)}`;
  return {
    /**
     * {title?, model?, ...} → {id, session}; with `startImage` (Open in Chat) the session starts
     * from that image; with `message` (composer) its first message is sent too → {id, session, turn}.
     */
    createSession: (fields) => request('POST', '/chat/sessions', { json: fields }),
    listSessions: ({ limit = 20, cursor } = {}) => {
      const query = new URLSearchParams({ limit: String(limit) });
      if (cursor) query.set('cursor', cursor);
      return request('GET', `/chat/sessions?${query}`);
    },
    updateSession: (id, fields) => request('PATCH', session(id), { json: fields }),
    deleteSession: (id) => request('DELETE', session(id)),
    /** `message.parentTurnId` (a complete model turn id, or null: from the root) branches; omitted: from the head. */
    sendMessage: (id, message) => request('POST', `${session(id)}/message`, { json: message }),
    /** A stateless edit of the head's image: {text, imageIds?, refUrls?, requestId} → {turn}. */
    editImage: (id, edit) => request('POST', `${session(id)}/edit`, { json: edit }),
    /** Moves the head to a complete model turn (null: start over) → {session}. */
    setHead: (id, turnId) => request('POST', `${session(id)}/head`, { json: { turnId } }),
    /**
     * `candidates` (1–4) new answers to the message of model turn `turnId`, siblings of it
     * → {turn (the new head), candidates: [Turn], succeeded}.
     */
    regenerateTurn: (id, turnId, requestId, candidates = 1) =>
      request('POST', `${session(id)}/turns/${encodeURIComponent(turnId)}/regenerate`, {
        json: candidates > 1 ? { requestId, candidates } : { requestId },
      }),
    /** A user turn: its exchange, answers and descendants; a model turn: that answer and its descendants. */
    deleteTurn: (id, turnId) => request('DELETE', `${session(id)}/turns/${encodeURIComponent(turnId)}`),
    cancelTurn: (id, turnId) => request('POST', `${session(id)}/turns/${encodeURIComponent(turnId)}/cancel`),
    // Projects (seed 003) --------------------------------------------------------------
    /** A project from the path to model turn `turnId` → {success, project: {id, slug, url, title}}. */
    createProject: (sessionId, { turnId, title } = {}) =>
      request('POST', `${session(sessionId)}/project`, { json: title ? { turnId, title } : { turnId } }),
    /** → {projects: [Project]}, newest first. */
    listProjects: ({ limit = 50 } = {}) => request('GET', `/projects?limit=${limit}`),
    /** The caller's own project by id or slug → {project}. */
    getProject: (idOrSlug) => request('GET', project(idOrSlug)),
    /** {title?, description?, visibility?} → {project}. */
    updateProject: (idOrSlug, fields) => request('PATCH', project(idOrSlug), { json: fields }),
    deleteProject: (idOrSlug) => request('DELETE', project(idOrSlug)),
    /** Anyone's public project, without a token → {project}; 404 when private or missing. */
    getPublicProject: (uid, slug) =>
      request('GET', `/public/projects/${encodeURIComponent(uid)}/${encodeURIComponent(slug)}`, { anonymous: true }),
    // The image library ----------------------------------------------------------------
    /** → {images: [LibraryImage], nextCursor}, newest first. */
    listLibrary: ({ limit = 100, cursor } = {}) => {
      const query = new URLSearchParams({ limit: String(limit) });
      if (cursor) query.set('cursor', cursor);
      return request('GET', `/library?${query}`);
    },
    /** A file from this device → {image}. */
    uploadToLibrary: (file) => {
      const form = new FormData();
      form.append('file', file, file.name || 'image.png');
      return request('POST', '/library', { form });
    },
    /** One of the user's outputs or uploads (its URL), without sending the bytes again → {image}. */
    saveToLibrary: (fromUrl) => request('POST', '/library', { json: { fromUrl } }),
    renameLibraryImage: (id, name) => request('PATCH', libraryImage(id), { json: { name } }),
    deleteLibraryImage: (id) => request('DELETE', libraryImage(id)),
    // Prompt presets ---------------------------------------------------------------------
    /** → {presets: [{id, name, text, builtin}]}: the built-in ones, then the user's. */
    listPresets: () => request('GET', '/presets'),
    createPreset: (name, text) => request('POST', '/presets', { json: { name, text } }),
    deletePreset: (id) => request('DELETE', preset(id)),
    // Identity image chat (the seeds' snake_case /v1 API) --------------------------------
    /** → [Identity] by name. */
    listIdentities: () => request('GET', '/v1/identities/'),
    /** → [ReferenceImage] oldest first. */
    listReferenceImages: () => request('GET', '/v1/reference-images/'),
    uploadReferenceImage: (file) => {
      const form = new FormData();
      form.append('file', file, file.name || 'me.png');
      return request('POST', '/v1/reference-images/', { form });
    },
    deleteReferenceImage: (id) => request('DELETE', `/v1/reference-images/${encodeURIComponent(id)}/`),
    /** {identity_id, additional_prompt?} → ImageResult. */
    startIdentityChat: (fields) => request('POST', '/v1/identity-image-chat/start/', { json: fields }),
    /** {edit_prompt} → ImageResult. */
    continueIdentityChat: (fields) => request('POST', '/v1/identity-image-chat/continue/', { json: fields }),
    /** → {has_active_session, session_identity_id, references_changed, session_id}. */
    identityChatStatus: () => request('GET', '/v1/identities/image-session/'),
    uploadImage: (file) => {
      const form = new FormData();
      form.append('file', file, file.name || 'pasted-image.png');
      return request('POST', '/upload/temp', { form });
    },
    // Quotas and costs ---------------------------------------------------------------------
    /** → {from, to, days: [{date, turns, costUsd, ...}], totals, limits, quota} (default: the last 30 days). */
    getUsage: () => request('GET', '/usage'),
  };
}
