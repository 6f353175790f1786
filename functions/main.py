"""Entry points of the deployed functions. Each one parses, delegates to the `pakn` package, and returns.

Imports happen inside each function: every function is deployed from this one file, and each should load
only what it uses.
"""

import functions_framework


def _json_answers_only() -> None:
    """Before any entry point runs, functions-framework answers /robots.txt and /favicon.ico with its own
    HTML 404. Every function here answers JSON, so the app serving this module (functions-framework loads
    it inside the app's context) turns the framework's own refusals into JSON errors."""
    import flask
    from werkzeug.exceptions import HTTPException

    if not flask.has_app_context():
        return
    app = flask.current_app

    def as_json(error: HTTPException):
        code = (error.name or "error").lower().replace(" ", "_")
        return {"error": {"code": code, "message": error.name}}, error.code

    app.register_error_handler(HTTPException, as_json)


_json_answers_only()


def _body(request, limit: int) -> bytes:
    # One byte past the limit is enough to know the body is too big, without reading all of it.
    return request.stream.read(limit + 1)


@functions_framework.http
def zalo_webhook(request):
    """Zalo -> us: verify, publish one normalised event, answer 200 within Zalo's 2 seconds."""
    if request.method in ("GET", "HEAD"):
        # Zalo's console checks that the URL answers before it saves it.
        return {"status": "ok"}, 200
    if request.method != "POST":
        # Before anything is loaded or published: events come by POST only.
        from pakn.platform.log import get_logger

        get_logger("pakn.intake.webhook").warning("webhook rejected", code="method_not_allowed", status=405)
        error = {"code": "method_not_allowed", "message": "Zalo's events are POSTed here; GET answers ok"}
        return {"error": error}, 405, {"Allow": "GET, POST"}

    from pakn import runtime
    from pakn.platform.log import bind_trace

    settings = runtime.settings()
    bind_trace(request.headers.get("X-Cloud-Trace-Context"), settings.google_cloud_project)
    body = _body(request, settings.webhook_max_bytes)
    outcome = runtime.webhook_receiver().receive(body, request.headers.get("X-ZEvent-Signature"))
    return outcome.body, outcome.status


@functions_framework.http
def handle_zalo_event(request):
    """Push from the events topic: the citizen's conversation, and ZNS receipts for the deliveries."""
    from datetime import UTC, datetime

    from pakn import runtime
    from pakn.intake.events import CitizenEvent
    from pakn.platform.push import handle_push

    # The turn's replies are sent here under a lease that runs from now: LEASE is this function's timeout.
    began = datetime.now(UTC)

    def handle(envelope):
        event = envelope.payload(CitizenEvent)
        if event.type == "receipt":
            from pakn.delivery.receipts import record_receipt

            record_receipt(runtime.firestore_db(), event.tracking_id, event.occurred_at)
            return
        # Attachments are copied first, outside the inbox's transaction: Zalo's URLs expire in about 7 days.
        event = runtime.keep_attachments(event)
        runtime.inbox().process(event, runtime.conversation().apply, began_at=began)

    outcome = handle_push(request.get_data(), handle, runtime.dead_letter_publisher())
    return outcome.body, outcome.status


@functions_framework.http
def send_outbound(request):
    """Push from the outbound topic: send one reply to Zalo, once."""
    from pakn import runtime
    from pakn.delivery.outbox import OutboundRequest
    from pakn.platform.push import handle_push

    def handle(envelope):
        runtime.sender().deliver(envelope.payload(OutboundRequest).delivery_key)

    outcome = handle_push(request.get_data(), handle, runtime.dead_letter_publisher())
    return outcome.body, outcome.status


@functions_framework.http
def record_dead_letter(request):
    """Push from the dead-letter topic: keep the message and its reason where ops can see it."""
    from pakn import runtime
    from pakn.platform import dead_letters
    from pakn.platform.push import handle_push

    outcome = handle_push(
        request.get_data(),
        lambda envelope: dead_letters.record(runtime.firestore_db(), envelope),
        # A dead letter that cannot be recorded stays on the kept subscription; nothing further to do.
        lambda envelope, reason: None,
    )
    return outcome.body, outcome.status


@functions_framework.http
def official_api(request):
    """Officials -> their agency's cases (public on Cloud Run; each request carries a Firebase ID token).

    Every answer is JSON: a failure here (a setting missing, a client that cannot be built) is a JSON 500
    too, never the framework's page with the exception's text."""
    from pakn.officials import api

    try:
        from pakn import runtime
        from pakn.platform.log import bind_trace

        bind_trace(request.headers.get("X-Cloud-Trace-Context"), runtime.settings().google_cloud_project)
        response = runtime.official_api().handle(
            request.method,
            request.path,
            request.headers.get("Authorization"),
            request.args.to_dict(),
            _body(request, api.MAX_BODY_BYTES),
        )
    except Exception as exc:
        response = api.failure(exc)
    return response.body, response.status, response.headers


@functions_framework.http
def sweep_deadlines(request):
    """Cloud Scheduler -> here, hourly (OIDC, checked by Cloud Run IAM): finds the due cases and fans them
    out to `sweep_case` (reminders, escalations, updates), and retries the notifications that failed."""
    from datetime import UTC, datetime

    from pakn import runtime

    if request.method != "POST":
        # The scheduler POSTs; a GET (the local stack's readiness probe) must not start a sweep.
        return {"status": "ok"}, 200
    return runtime.sweep().run(datetime.now(UTC)).model_dump(), 200


@functions_framework.http
def sweep_case(request):
    """Push from the due-cases topic: one case the deadline sweep found due, swept once."""
    from datetime import UTC, datetime

    from pakn import runtime
    from pakn.escalation.sweep import DueCase
    from pakn.platform.push import handle_push

    def handle(envelope):
        runtime.sweep().sweep_case(envelope.payload(DueCase), datetime.now(UTC))

    outcome = handle_push(request.get_data(), handle, runtime.dead_letter_publisher())
    return outcome.body, outcome.status


@functions_framework.http
def sweep_outbox(request):
    """Cloud Scheduler -> here, every two minutes (OIDC): republishes every reply whose next attempt is due,
    so a lost publish, a killed sender or a push subscription that gave up only delays it."""
    from datetime import UTC, datetime

    from pakn import runtime

    if request.method != "POST":
        # The scheduler POSTs; a GET (the local stack's readiness probe) must not start a sweep.
        return {"status": "ok"}, 200
    return runtime.outbox_sweep().run(datetime.now(UTC)).model_dump(), 200


@functions_framework.http
def official_console(request):
    """Officials' browsers -> the console's pages (public on Cloud Run; each request carries a Firebase
    session cookie, checked in code; every form a CSRF token)."""
    from pakn import runtime
    from pakn.platform.log import bind_trace

    bind_trace(request.headers.get("X-Cloud-Trace-Context"), runtime.settings().google_cloud_project)
    return runtime.official_console().handle(request)
