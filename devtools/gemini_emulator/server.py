"""HTTP layer: routing, the Gemini REST surface, the Files upload protocol and the control API."""

from __future__ import annotations

import json
import logging
import re
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler
from werkzeug.wrappers import Request, Response

from .control import Config, EmulatorState, Fault, check_payload, parse_fault
from .files import no_upload_session
from .generate import Generator, new_response_id, stream_chunks
from .interaction_store import Step, StoredInteraction, new_interaction_id
from .interactions import (
    DONE,
    InteractionModel,
    InteractionRequest,
    Outcome,
    describe_create,
    error_event,
    invalid_request,
    parse_request,
    sse_bytes,
    stream_events,
)
from .models import MODELS, ModelSpec, get_model
from .request_body import check_object, check_string, describe_generate_body
from .wire import ApiError, has_snake_keys, invalid_argument, normalize_keys, normalize_keys_snake

_VERSION = r"(?P<ver>v1|v1beta|v1alpha)"
_ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    ("POST", re.compile(rf"^/{_VERSION}/models/(?P<model>[^/:]+):(?P<method>[A-Za-z]+)$"), "model_method"),
    ("GET", re.compile(rf"^/{_VERSION}/models/(?P<model>[^/:]+)$"), "models.get"),
    ("GET", re.compile(rf"^/{_VERSION}/models$"), "models.list"),
    ("POST", re.compile(rf"^/upload(?:/{_VERSION})?/files$"), "upload"),
    ("GET", re.compile(rf"^/{_VERSION}/files$"), "files.list"),
    ("GET", re.compile(rf"^/{_VERSION}/files/(?P<file>[A-Za-z0-9-]+)$"), "files.get"),
    ("DELETE", re.compile(rf"^/{_VERSION}/files/(?P<file>[A-Za-z0-9-]+)$"), "files.delete"),
    ("POST", re.compile(rf"^/{_VERSION}/interactions$"), "interactions.create"),
    ("GET", re.compile(rf"^/{_VERSION}/interactions/(?P<interaction>[A-Za-z0-9_.~-]+)$"), "interactions.get"),
    ("DELETE", re.compile(rf"^/{_VERSION}/interactions/(?P<interaction>[A-Za-z0-9_.~-]+)$"), "interactions.delete"),
    (
        "POST",
        re.compile(rf"^/{_VERSION}/interactions/(?P<interaction>[A-Za-z0-9_.~-]+)/cancel$"),
        "interactions.cancel",
    ),
]
INTERACTION_WAIT_S = 600  # how long a streamed get waits for a background interaction to finish
_UPLOAD_STATUS = "X-Goog-Upload-Status"


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    response = Response(json.dumps(body), status=status, mimetype="application/json")
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _error(error: ApiError, headers: dict[str, str] | None = None) -> Response:
    return _json(error.body(), error.code, headers)


def _raw_body(request: Request) -> dict[str, Any]:
    raw = request.get_data()
    if not raw.strip():
        return {}
    try:
        parsed = json.loads(raw)
    except ValueError:
        raise invalid_argument("Invalid JSON payload received.") from None
    if not isinstance(parsed, dict):
        raise invalid_argument("Invalid JSON payload received. Expected an object.")
    return parsed


def _body(request: Request, log: dict[str, Any]) -> dict[str, Any]:
    """The JSON body with keys normalised to camelCase; the log notes whether it used snake_case."""
    raw = _raw_body(request)
    log["snakeCaseKeys"] = has_snake_keys(raw)
    normalized: dict[str, Any] = normalize_keys(raw)
    return normalized


def _event_stream(events: list[bytes], delay_s: float, paced: list[bool] | None = None) -> Response:
    """Server-sent events, `delay_s` apart (the model "thinking" between chunks): before every
    event but the first, or before those `paced` marks."""
    marks = paced if paced is not None else [index > 0 for index in range(len(events))]

    def send() -> Iterator[bytes]:
        for event, wait in zip(events, marks, strict=True):
            if wait and delay_s:
                time.sleep(delay_s)
            yield event

    return Response(send(), status=200, mimetype="text/event-stream")


def _base_url(request: Request) -> str:
    return f"{request.scheme}://{request.host}"


class EmulatorApp:
    """The WSGI application. One instance holds the whole emulator state."""

    def __init__(self, state: EmulatorState | None = None) -> None:
        self.state = state or EmulatorState()
        self.generator = Generator(self.state.files)
        self.interaction_model = InteractionModel(self.generator, self.state.files)
        self._interaction_lock = threading.Lock()  # status changes of stored interactions

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        response = self.dispatch(request)
        return response(environ, start_response)

    # -- dispatch -------------------------------------------------------------------------------

    def dispatch(self, request: Request) -> Response:
        path = request.path
        if path.startswith("/_emulator/") or path == "/_emulator":
            return self.control(request, path.removeprefix("/_emulator").strip("/"))
        log: dict[str, Any] = {"method": request.method, "path": path, "kind": "unknown"}
        self.state.request_started(log)
        try:
            response = self._route(request, log)
        except Exception as exc:
            if isinstance(exc, ApiError):
                error = exc
            else:  # a bug in the emulator: answer like the real API's INTERNAL, keep the traceback
                traceback.print_exc(file=sys.stderr)
                error = ApiError(500)
            kind = log.get("kind", "")
            if kind.startswith("interactions."):  # the Interactions API's own error form
                response = _json(error.interactions_body(), error.code)
            else:
                response = _error(error, {_UPLOAD_STATUS: "final"} if kind.startswith("upload") else None)
            log["error"] = error.message
        finally:
            self.state.request_finished(log)
        log["status"] = response.status_code
        # What this request put on the wire (its body): what a benchmark adds up as "bytes sent".
        log.setdefault("bytes", len(request.get_data()))
        self.state.log_request(log)
        return response

    def _route(self, request: Request, log: dict[str, Any]) -> Response:
        for method, pattern, name in _ROUTES:
            match = pattern.match(request.path)
            if match is None:
                continue
            if request.method != method:
                continue
            params = match.groupdict()
            if name == "model_method":
                return self.model_method(request, params["ver"], params["model"], params["method"], log)
            if name == "upload":
                return self.upload(request, params.get("ver") or "v1beta", log)
            log["kind"] = name
            if name.startswith("interactions."):
                return self.interactions(request, name, params, log)
            self._maybe_fault(name)
            if name == "models.get":
                log["model"] = params["model"]
                return _json(get_model(params["model"], params["ver"]).resource())
            if name == "models.list":
                return _json({"models": [spec.resource() for spec in MODELS.values()]})
            if name == "files.get":
                log["file"] = f"files/{params['file']}"
                return _json(self.state.files.get(params["file"]).resource(time.time()))
            if name == "files.delete":
                log["file"] = f"files/{params['file']}"
                self.state.files.delete(params["file"])
                return _json({})
            if name == "files.list":
                return self.files_list(request)
        raise ApiError(404, f"The requested URL {request.path} ({request.method}) was not found.", "NOT_FOUND")

    def _maybe_fault(self, kind: str, streaming: bool = False) -> Fault | None:
        """Raise the next armed fault of this kind; a mid-stream one is returned for the stream."""
        fault = self.state.take_fault(kind, streaming)
        if fault is not None and not fault.mid_stream:
            raise fault.error()
        return fault

    # -- models ---------------------------------------------------------------------------------

    def model_method(
        self, request: Request, version: str, model: str, method: str, log: dict[str, Any]
    ) -> Response:
        log["kind"] = method
        log["model"] = model
        if method not in ("generateContent", "streamGenerateContent", "countTokens"):
            raise ApiError(404, f"Method {method} is not supported by the emulator.", "NOT_FOUND")
        body = _body(request, log)
        if method != "countTokens":
            log.update(describe_generate_body(body, self.state.files.size_of))
        config = self.state.get_config()
        if config.latencyMs:
            time.sleep(config.latencyMs / 1000)
        fault = self._maybe_fault(method, streaming=method == "streamGenerateContent")
        spec = get_model(model, version)
        if method == "countTokens":
            return _json(self.generator.count_tokens(body))
        result = self.generator.generate(spec, body, payload=config.payload)
        result["modelVersion"] = spec.name
        result["responseId"] = new_response_id()
        if method == "generateContent":
            return _json(result)
        chunks = stream_chunks(result)
        for chunk in chunks:
            chunk.update(modelVersion=result["modelVersion"], responseId=result["responseId"])
        if request.args.get("alt") != "sse":  # without alt=sse the API answers one JSON array
            if fault is not None:
                raise fault.error()
            return _json(chunks)
        if fault is not None:  # a mid-stream fault: the first chunk, then the error event
            chunks = [*chunks[:1], fault.error().body()]
        return _event_stream([f"data: {json.dumps(chunk)}\r\n\r\n".encode() for chunk in chunks], config.stream_delay_s)

    # -- interactions ---------------------------------------------------------------------------

    def interactions(self, request: Request, name: str, params: dict[str, str], log: dict[str, Any]) -> Response:
        if name == "interactions.create":
            return self.interactions_create(request, params["ver"], log)
        interaction_id = params["interaction"]
        log["interactionId"] = interaction_id
        self._maybe_fault(name)
        store = self.state.interactions
        if name == "interactions.delete":
            record = store.get(interaction_id)
            store.delete(interaction_id)
            self._set_cancelled(record)  # a background run still going stops here
            return _json({})
        record = store.get(interaction_id)
        log["interactionStatus"] = record.status
        if name == "interactions.cancel":
            with self._interaction_lock:
                if not (record.background and record.status == "in_progress"):
                    raise invalid_request(
                        f"Interaction '{interaction_id}' is {record.status}: only a background interaction "
                        "in progress can be cancelled."
                    )
            self._set_cancelled(record)
            return _json(record.resource(with_input_steps=True))
        if request.args.get("stream", "false").lower() != "true":
            include_input = request.args.get("include_input", "false").lower() == "true"
            return _json(record.resource(with_input_steps=True, include_input=include_input))
        record.done.wait(INTERACTION_WAIT_S)
        events = record.events
        last = request.args.get("last_event_id")
        if last is not None:
            if not last.isdigit():
                raise invalid_request(f"Invalid last_event_id {last!r}.")
            events = [e for e in events if int(e["event_id"]) > int(last)]
        return _event_stream([*(sse_bytes(e) for e in events), DONE], 0)

    def _set_cancelled(self, record: StoredInteraction) -> None:
        with self._interaction_lock:
            if record.status != "in_progress":
                return
            record.status = "cancelled"
            record.updated = time.time()
            self._close(record)

    @staticmethod
    def _close(record: StoredInteraction) -> None:
        """Its events as a stream sends them, then wake whoever waits for it."""
        hidden = ("steps", "usage", "errors", "updated")
        created = {k: v for k, v in record.resource(with_input_steps=False).items() if k not in hidden}
        created["status"] = "in_progress"
        completed = {k: v for k, v in record.resource(with_input_steps=False).items() if k != "steps"}
        record.events = stream_events(created, record.output_steps, completed)
        record.done.set()

    def _finish(self, record: StoredInteraction, outcome: Outcome) -> bool:
        """Record the outcome, unless the interaction was cancelled meanwhile (then False)."""
        with self._interaction_lock:
            if record.status == "cancelled":
                return False
            record.status = outcome.status
            record.output_steps = outcome.output_steps
            record.usage = outcome.usage or None
            record.errors = outcome.errors
            record.updated = time.time()
            self._close(record)
            return True

    def _chain(self, request: InteractionRequest, spec: ModelSpec) -> list[Step]:
        """The stored steps an interaction continues (404 when its parent is unknown or expired)."""
        if not request.previous_interaction_id:
            return []
        parent = self.state.interactions.get(request.previous_interaction_id)
        if parent.status != "completed":
            raise invalid_request(
                f"Interaction '{parent.id}' is {parent.status}: only a completed interaction can be continued."
            )
        if parent.model != spec.name:
            raise invalid_request(
                f"Interaction '{parent.id}' was made with {parent.model}; it cannot be continued with {spec.name}."
            )
        return parent.full_history()

    def _new_record(
        self, request: InteractionRequest, spec: ModelSpec, history: list[Step], config: Config
    ) -> StoredInteraction:
        now = time.time()
        return StoredInteraction(
            id=new_interaction_id(),
            model=spec.name,
            created=now,
            expire_time=now + config.interactionTtlSeconds,
            previous_interaction_id=request.previous_interaction_id,
            history=history,
            input_steps=request.input_steps,
            background=request.background,
        )

    def interactions_create(self, request: Request, version: str, log: dict[str, Any]) -> Response:
        raw = _raw_body(request)
        body: dict[str, Any] = normalize_keys_snake(raw)
        log["camelCaseKeys"] = body != raw
        log.update(describe_create(body, self.state.files.size_of))
        config = self.state.get_config()
        if body.get("background") is True:
            return self._create_in_background(body, version, log, config)
        if config.latencyMs:
            time.sleep(config.latencyMs / 1000)
        streaming = body.get("stream") is True
        fault = self._maybe_fault("interactions.create", streaming)
        parsed = parse_request(body)
        spec = get_model(parsed.model, version)
        history = self._chain(parsed, spec)
        log["historySteps"] = len(history)
        outcome = self.interaction_model.run(spec, parsed, history, config.payload)
        record = self._new_record(parsed, spec, history, config)
        self._finish(record, outcome)
        if parsed.store:
            self.state.interactions.add(record)
        log.update(interactionId=record.id, interactionStatus=record.status)
        if not streaming:
            return _json(record.resource(with_input_steps=False))
        events = record.events
        if fault is not None:  # a mid-stream fault: up to the first delta, then the error event
            cut = next((i for i, e in enumerate(events) if e["event_type"] == "step.delta"), 0) + 1
            error = fault.error()
            events = [*events[:cut], error_event(error, str(cut + 1))]
            with self._interaction_lock:  # what a get shows (and a streamed get sends) from now on
                record.status, record.errors = "failed", [error.interactions_body()["error"]]
                record.output_steps, record.events = [], events
            log["error"] = error.message
        deltas = [i for i, e in enumerate(events) if e["event_type"] == "step.delta"]
        paced = [i in deltas[1:] for i in range(len(events))]  # the model works between deltas
        return _event_stream([*(sse_bytes(e) for e in events), DONE], config.stream_delay_s, [*paced, False])

    def _create_in_background(
        self, body: dict[str, Any], version: str, log: dict[str, Any], config: Config
    ) -> Response:
        """`background: true`: answer at once (in_progress); the run goes on in a thread (latency,
        faults — which then fail the interaction — and the model), `get` shows how it ended."""
        parsed = parse_request(body)
        spec = get_model(parsed.model, version)
        history = self._chain(parsed, spec)
        record = self._new_record(parsed, spec, history, config)
        self.state.interactions.add(record)
        log.update(interactionId=record.id, interactionStatus=record.status, historySteps=len(history))
        answer = _json(record.resource(with_input_steps=False))  # as created, before the run can end
        threading.Thread(
            target=self._run_in_background, args=(record, parsed, spec, history, config), daemon=True
        ).start()
        return answer

    def _run_in_background(
        self,
        record: StoredInteraction,
        parsed: InteractionRequest,
        spec: ModelSpec,
        history: list[Step],
        config: Config,
    ) -> None:
        try:
            if config.latencyMs:
                time.sleep(config.latencyMs / 1000)
            if record.status != "in_progress":
                return  # cancelled or deleted meanwhile
            fault = self.state.take_fault("interactions.create")
            if fault is not None:
                raise fault.error()
            outcome = self.interaction_model.run(spec, parsed, history, config.payload)
        except ApiError as error:
            outcome = Outcome("failed", [], {}, [error.interactions_body()["error"]])
        except Exception:  # a bug in the emulator: the interaction fails like an INTERNAL error would
            traceback.print_exc(file=sys.stderr)
            outcome = Outcome("failed", [], {}, [ApiError(500).interactions_body()["error"]])
        self._finish(record, outcome)

    # -- files ----------------------------------------------------------------------------------

    def upload(self, request: Request, version: str, log: dict[str, Any]) -> Response:
        command = request.headers.get("X-Goog-Upload-Command", "").lower()
        upload_id = request.args.get("upload_id")
        if upload_id is None or "start" in command:
            log["kind"] = "upload.start"
            return self._upload_start(request, version, log)
        log["kind"] = "upload"
        commands = {c.strip() for c in command.split(",") if c.strip()}
        pending = self.state.files.pending(upload_id)
        if pending is not None:
            log["file"] = f"files/{pending.file_id}"
        self._maybe_fault("upload")
        if "query" in commands:
            if pending is None:
                raise no_upload_session()
            return self._upload_active(len(pending.received))
        if "cancel" in commands:
            return _json({}, headers={_UPLOAD_STATUS: "cancelled"})
        chunk = request.get_data()
        offset = int(request.headers.get("X-Goog-Upload-Offset", "0") or 0)
        log["bytes"] = len(chunk)
        upload = self.state.files.append_chunk(upload_id, offset, chunk)
        if "finalize" not in commands:
            return self._upload_active(len(upload.received))
        config = self.state.get_config()
        stored = self.state.files.finalize(
            upload_id, ttl_seconds=config.fileTtlSeconds, processing_ms=config.fileProcessingMs
        )
        return _json({"file": stored.resource(time.time())}, headers={_UPLOAD_STATUS: "final"})

    @staticmethod
    def _upload_active(received: int) -> Response:
        return _json({}, headers={_UPLOAD_STATUS: "active", "X-Goog-Upload-Size-Received": str(received)})

    def _upload_start(self, request: Request, version: str, log: dict[str, Any]) -> Response:
        self._maybe_fault("upload.start")
        body = _body(request, log)
        meta = check_object(body.get("file"), "file", "File")
        declared = request.headers.get("X-Goog-Upload-Header-Content-Length") or meta.get("sizeBytes")
        mime_type = request.headers.get("X-Goog-Upload-Header-Content-Type") or check_string(
            meta.get("mimeType"), "file.mime_type"
        )
        if not mime_type:
            raise invalid_argument("Mime type is required for file upload.")
        try:
            declared_size = int(declared) if declared is not None else None
        except (TypeError, ValueError):
            raise invalid_argument(f"Invalid content length {declared!r}.") from None
        base = _base_url(request)
        pending = self.state.files.start_upload(
            requested_name=check_string(meta.get("name"), "file.name"),
            display_name=check_string(meta.get("displayName"), "file.display_name"),
            mime_type=str(mime_type),
            declared_size=declared_size,
            base_url=base,
        )
        log["file"] = f"files/{pending.file_id}"
        url = f"{base}/upload/{version}/files?upload_id={quote(pending.upload_id)}&upload_protocol=resumable"
        return _json(
            {},
            headers={
                "X-Goog-Upload-URL": url,
                _UPLOAD_STATUS: "active",
                "X-Goog-Upload-Chunk-Granularity": "8388608",
                "X-Goog-Upload-Control-URL": url,
            },
        )

    def files_list(self, request: Request) -> Response:
        try:
            page_size = int(request.args.get("pageSize") or request.args.get("page_size") or 0)
        except ValueError:
            raise invalid_argument("Invalid page size.") from None
        token = request.args.get("pageToken") or request.args.get("page_token")
        page, next_token = self.state.files.list_page(page_size, token)
        if not page:
            return _json({})
        now = time.time()
        body: dict[str, Any] = {"files": [f.resource(now) for f in page]}
        if next_token:
            body["nextPageToken"] = next_token
        return _json(body)

    # -- control API ----------------------------------------------------------------------------

    def control(self, request: Request, action: str) -> Response:
        """The control API; its errors use the same `{"error": {...}}` form as the Gemini surface."""
        try:
            try:
                payload = json.loads(request.get_data() or b"{}") if request.method in ("POST", "PUT") else {}
                if not isinstance(payload, dict):
                    raise ValueError("the body must be a JSON object")
                return self._control(request.method, action, payload)
            except ValueError as exc:  # a bad control request (JSON or settings)
                raise invalid_argument(str(exc)) from None
        except ApiError as error:
            return _error(error)
        except Exception:  # a bug in the emulator: INTERNAL, with the traceback on stderr
            traceback.print_exc(file=sys.stderr)
            return _error(ApiError(500))

    def _control(self, method: str, action: str, payload: dict[str, Any]) -> Response:
        state = self.state
        if action == "reset" and method == "POST":
            state.reset()
            return _json({})
        if action == "health":
            return _json({"ok": True, "models": sorted(MODELS)})
        if action == "config":
            if method == "POST":
                return _json(state.update_config(payload).as_json())
            return _json(state.get_config().as_json())
        if action == "faults":
            if method == "POST":
                raw = payload.get("faults")
                if not isinstance(raw, list):
                    raise ValueError('expected {"faults": [...]}')
                state.add_faults([parse_fault(item) for item in raw])
            elif method == "DELETE":
                state.clear_faults()
            return _json({"faults": [f.as_json() for f in state.pending_faults()]})
        if action == "inflight" and method == "GET":
            return _json({"inFlight": state.in_flight()})
        if action == "requests":
            if method == "DELETE":
                state.clear_requests()
            return _json({"requests": state.requests()})
        if action == "interactions/expire" and method == "POST":
            interaction_id = payload.get("id")
            if interaction_id is not None and not isinstance(interaction_id, str):
                raise ValueError("id must be a string")
            return _json({"expired": state.interactions.expire(interaction_id)})
        if action == "interactions" and method == "GET":
            return _json({"interactions": state.interactions.listing()})
        if action == "files/expire" and method == "POST":
            name = payload.get("name")
            if name is not None and not isinstance(name, str):
                raise ValueError("name must be a string")
            return _json({"expired": state.files.expire(name)})
        raise ApiError(404, f"no control action {method} /_emulator/{action}", "NOT_FOUND")


def create_app(state: EmulatorState | None = None, *, payload: str = "small") -> EmulatorApp:
    """`payload` is the default (and what reset returns to) when no state is given."""
    return EmulatorApp(state or EmulatorState(Config(payload=check_payload(payload))))


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class _Server(ThreadedWSGIServer):
    request_queue_size = 512  # 200 concurrent clients must not be refused


def make_server(
    host: str, port: int, app: EmulatorApp | None = None, *, verbose: bool = False, payload: str = "small"
) -> _Server:
    handler = WSGIRequestHandler if verbose else _QuietHandler
    if not verbose:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
    return _Server(host, port, app or create_app(payload=payload), handler=handler)


def serve(host: str, port: int, *, verbose: bool = False, payload: str = "small") -> None:
    """Serve until SIGTERM/SIGINT; print the listening line once connections are accepted."""
    server = make_server(host, port, verbose=verbose, payload=payload)
    actual_port = server.socket.getsockname()[1]

    def stop(signum: int, frame: object) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"gemini emulator listening on http://{host}:{actual_port}", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        sys.stdout.flush()
