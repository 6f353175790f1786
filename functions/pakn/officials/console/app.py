"""The officials' console: routes, authentication, authorisation, forms, and the pages' view models.

Server-rendered HTML (Jinja2, autoescaped) and plain CSS from this same function; no script is needed
(one small file only stops a form from being sent twice). Every page and action asks the one
authorisation table (access.py); every action goes through pakn.cases.workflow, as the JSON API's do.

    GET  /                                   the agency's queue (filters, sort by deadline, cursor pages)
    POST /tim-kiem                           search: a tracking code, or words in the agency's cases
    GET  /phan-anh/{case_id}                 one case
    GET  /phan-anh/{case_id}/tep/{n}         its n-th attachment, from our stored copy (who may see the case)
    GET  /phan-anh/{case_id}/tep-tra-loi     the file sent with its answer (the same authorisation)
    GET|POST /phan-anh/{case_id}/{action}    one action's form, and doing it (the answer's: multipart, with an
                                             optional file for the citizen, checked against Zalo's upload)
    GET  /bao-cao-lanh-dao                   the lead's escalated cases
    GET  /phan-loai                          the triage desk
    GET  /thong-ke                           statistics
    GET  /tai-khoan                          officials' accounts (admin)
    GET|POST /tai-khoan/tao-moi              create an official's account (admin)
    GET|POST /tai-khoan/{uid}/chuyen         move an account to another agency or role (admin)
    GET|POST /tai-khoan/{uid}/khoa           disable an account (admin)
    GET|POST /dang-nhap, POST /dang-xuat     sign-in, sign-out
"""

from __future__ import annotations

import mimetypes
import re
import secrets
import statistics as stats
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import get_args
from urllib.parse import quote, urlencode

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Response

from pakn.attachments import answers as answer_files
from pakn.cases import tracking_code
from pakn.cases.case import ANSWER_MAX_CHARS, AskedQuestion, Case, RejectionGround
from pakn.cases.store import CaseQueries, CaseStore
from pakn.cases.workflow import Actor, Workflow
from pakn.deadlines.clock import DeadlinePolicy, default_policy
from pakn.deadlines.workdays import VIETNAM_TZ, local_date
from pakn.delivery.history import deliveries_of_case
from pakn.delivery.outbox import TEXT_LIMIT
from pakn.domain.errors import InvalidInput, TransientFailure
from pakn.domain.vocabulary import KINDS, Media, OfficialFile
from pakn.officials import accounts
from pakn.officials.accounts import AGENCY_ROLES, AccountError
from pakn.officials.console import access
from pakn.officials.console.access import ANY, CASE_ACTIONS, OFFICE, ROLES, Decision, Principal
from pakn.officials.console.agencies import find_agencies
from pakn.officials.console.charts import WeekCounts, weekly_bars
from pakn.officials.console.session import (
    SessionInvalid,
    Sessions,
    SignInRefused,
    csrf_token,
    csrf_valid,
    new_nonce,
    nonce_valid,
)
from pakn.officials.console.settings import ConsoleSettings
from pakn.officials.console.texts import TEXTS, routing_reason, t
from pakn.platform.log import get_logger
from pakn.platform.unit_of_work import UnitOfWork
from pakn.routing.registry import load_registry
from pakn.routing.text import as_written, normalise

log = get_logger("pakn.officials.console")

SESSION_COOKIE = "pakn_session"
NONCE_COOKIE = "pakn_signin"
MAX_FORM_BYTES = 64 * 1024
# The answer form may carry a file (multipart): the largest Zalo takes, with the form's own limit for the
# text and the multipart framing. Only that form; a larger body is refused before it is read.
MAX_ANSWER_FORM_BYTES = answer_files.MAX_DOCUMENT_BYTES + MAX_FORM_BYTES
CASE_ID = re.compile(r"[A-Za-z0-9_-]{1,100}")
REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,100}")
# Firebase Auth uids: up to 128 characters; the ones Firebase makes are letters and digits.
ACCOUNT_UID = re.compile(r"[A-Za-z0-9_-]{1,128}")
ACCOUNTS_READ_LIMIT = 1000
STATIC_FILES = {"console.css": "text/css; charset=utf-8", "console.js": "text/javascript; charset=utf-8"}
SECURITY_HEADERS = {
    # No inline script or style anywhere; images also from Zalo's CDN (attachments are its URLs).
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' https:; script-src 'self'; style-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # Case ids stay out of other sites' logs (the map, Zalo's CDN).
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
# Attachments shown in the page; any other stored type is offered as a download.
INLINE_TYPES = {"image/jpeg", "image/png", "image/webp", "image/gif"}
# A stored file is the citizen's, not ours: even opened directly it may run nothing in the console's origin.
ATTACHMENT_POLICY = "default-src 'none'; img-src 'self'; media-src 'self'; sandbox"
STATUSES = ("open", "answered", "closed")
GROUNDS: tuple[RejectionGround, ...] = get_args(RejectionGround)
STATS_WEEKS = 8
STATS_READ_LIMIT = 5000
CITY_SCAN_LIMIT = 500

# The URL's words for each action (Vietnamese, without accents).
ACTION_SLUGS = {
    "tiep-nhan": "accept",
    "tra-loi": "answer",
    "hoi-them": "request_info",
    "tiep-tuc": "resume",
    "gia-han": "extend",
    "chuyen": "transfer",
    "tu-choi": "reject",
    "trung-lap": "mark_duplicate",
    "ghi-chu": "note",
    "phan-loai-lai": "reclassify",
}
SLUG_OF = {action: slug for slug, action in ACTION_SLUGS.items()}


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    kind: str = "textarea"  # textarea | text | radios
    hint: str | None = None
    max_length: int = TEXT_LIMIT
    choices: tuple[tuple[str, str], ...] = ()


ACTION_FIELDS: dict[str, tuple[FormField, ...]] = {
    "accept": (),
    "resume": (),
    "answer": (FormField("text", "form.text", hint="form.text.hint", max_length=ANSWER_MAX_CHARS),),
    "request_info": (FormField("question", "form.question", hint="form.question.hint"),),
    "extend": (FormField("reason", "form.reason", hint="form.reason.extend_hint", max_length=500),),
    "note": (FormField("text", "form.note"),),
    "reject": (
        FormField("ground", "form.ground", "radios", choices=tuple((g, f"ground.{g}") for g in GROUNDS)),
        FormField("explanation", "form.explanation", hint="form.explanation.hint", max_length=1500),
    ),
    "mark_duplicate": (
        FormField("original_code", "form.original_code", "text", "form.original_code.hint", max_length=20),
    ),
    "transfer": (FormField("reason", "form.reason", hint="form.reason.transfer_hint", max_length=500),),
    "reclassify": (FormField("kind", "form.kind", "radios", choices=tuple((k, f"kind.{k}") for k in KINDS)),),
}
# The workflow's error codes -> the form field they are about (None: about the case, shown at the top).
ERROR_FIELDS = {
    "text": "text",
    "question": "question",
    "reason": "reason",
    "unknown_agency": "to_agency_id",
    "same_agency": "to_agency_id",
    "unknown_ground": "ground",
    "explanation": "explanation",
    "channel_required": "explanation",
    "original": "original_code",
    "duplicate_of_itself": "original_code",
    "unknown_kind": "kind",
    "same_kind": "kind",
}


class Refused(Exception):
    """Answer with an error page (403, 404, 405, 413)."""

    def __init__(self, status: int):
        super().__init__(status)
        self.status = status


class SignInNeeded(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class Ctx:
    """One request: who asks, their session cookie, and what the templates need."""

    request: object
    principal: Principal | None = None
    cookie: str | None = None
    extra_cookies: list[tuple[str, str, int]] = field(default_factory=list)
    # The answer form came with a body larger than any answer's: it is never read, and the form is shown
    # again with the error by the file field.
    body_too_large: bool = False


class Console:
    def __init__(
        self,
        *,
        db,
        workflow: Workflow,
        sessions: Sessions,
        settings: ConsoleSettings,
        firebase_app=None,
        clock: Callable[[], datetime] | None = None,
        policy: DeadlinePolicy | None = None,
        attachments=None,
    ):
        """`attachments`: the bucket of stored attachments (pakn.attachments.storage.BucketStore); None:
        attachments link to Zalo's URLs only."""
        self._db = db
        self._attachments = attachments
        self._workflow = workflow
        self._sessions = sessions
        self._settings = settings
        self._secret = settings.secret_key.get_secret_value().encode()
        self._firebase_app = firebase_app
        self._clock = clock or (lambda: datetime.now(UTC))
        self._policy = policy
        self._cases = CaseStore(db)
        self._queries = CaseQueries(db)
        self._registry = load_registry()
        self._routes = Map(
            [
                Rule("/", endpoint="queue", methods=["GET"]),
                Rule("/tim-kiem", endpoint="search", methods=["POST"]),
                Rule("/phan-anh/<case_id>", endpoint="case", methods=["GET"]),
                Rule("/phan-anh/<case_id>/<slug>", endpoint="action", methods=["GET", "POST"]),
                Rule("/phan-anh/<case_id>/tep/<int:number>", endpoint="attachment", methods=["GET"]),
                Rule("/phan-anh/<case_id>/tep-tra-loi", endpoint="answer_attachment", methods=["GET"]),
                Rule("/bao-cao-lanh-dao", endpoint="escalations", methods=["GET"]),
                Rule("/phan-loai", endpoint="triage", methods=["GET"]),
                Rule("/thong-ke", endpoint="statistics", methods=["GET"]),
                Rule("/tai-khoan", endpoint="accounts", methods=["GET"]),
                Rule("/tai-khoan/tao-moi", endpoint="account_create", methods=["GET", "POST"]),
                Rule("/tai-khoan/<uid>/chuyen", endpoint="account_move", methods=["GET", "POST"]),
                Rule("/tai-khoan/<uid>/khoa", endpoint="account_disable", methods=["GET", "POST"]),
                Rule("/dang-nhap", endpoint="sign_in", methods=["GET", "POST"]),
                Rule("/dang-xuat", endpoint="sign_out", methods=["POST"]),
                # Not /static/: functions-framework's Flask app serves that path itself.
                Rule("/assets/<name>", endpoint="static", methods=["GET"]),
            ],
            strict_slashes=False,
        )
        self._templates = Environment(
            loader=PackageLoader("pakn.officials.console", "templates"),
            autoescape=select_autoescape(default=True, default_for_string=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self._templates.globals.update(t=t, texts=TEXTS, slug_of=SLUG_OF)
        self._templates.filters.update(date=_date, datetime=_datetime, first_line=_first_line)

    # --- the request ------------------------------------------------------------------------------

    def handle(self, request) -> Response:
        ctx = Ctx(request)
        endpoint = "unknown"
        try:
            endpoint, values = self._routes.bind_to_environ(request.environ).match()
            answer_form = endpoint == "action" and values.get("slug") == SLUG_OF["answer"]
            limit = MAX_ANSWER_FORM_BYTES if answer_form else MAX_FORM_BYTES
            if request.content_length and request.content_length > limit:
                if not answer_form or request.method != "POST":
                    raise Refused(413)
                ctx.body_too_large = True
            if endpoint == "static":
                response = self._static(values["name"])
            elif endpoint == "sign_in":
                response = self._sign_in(ctx)
            else:
                self._authenticate(ctx)
                # A body too large is not read, nor acted on: the form is shown again as on a GET.
                if (
                    request.method == "POST"
                    and not ctx.body_too_large
                    and not csrf_valid(self._secret, ctx.cookie, request.form.get("csrf_token"))
                ):
                    log.info("console form refused", kind=endpoint, reason="csrf")
                    response = self._page(
                        ctx, "error.html", 403, title=t("error.403.title"), body=t("csrf.refused")
                    )
                else:
                    response = getattr(self, f"_{endpoint}")(ctx, **values)
        except SignInNeeded as exc:
            response = _redirect(f"/dang-nhap?{urlencode({'thong-bao': exc.reason})}")
            response.delete_cookie(SESSION_COOKIE, path="/")
        except Refused as exc:
            response = self._error(ctx, exc.status)
        except MethodNotAllowed:
            response = self._error(ctx, 405)
        except NotFound:
            response = self._error(ctx, 404)
        except HTTPException as exc:
            response = self._error(ctx, exc.code or 400)
        for name, value, max_age in ctx.extra_cookies:
            self._set_cookie(response, name, value, max_age)
        for header, value in SECURITY_HEADERS.items():
            response.headers.setdefault(header, value)
        if endpoint != "static":
            response.headers["Cache-Control"] = "no-store"
        # The page's name and outcome only: no query string, no form values (they may be personal data).
        # (pakn.platform.log keeps identifiers only: `kind` is the page, `code` the signed-in role.)
        log.info(
            "console request",
            kind=f"{request.method} {endpoint}",
            status=response.status_code,
            code=ctx.principal.role if ctx.principal else None,
        )
        return response

    def _authenticate(self, ctx: Ctx) -> None:
        cookie = ctx.request.cookies.get(SESSION_COOKIE)
        try:
            ctx.principal = self._sessions.verify(cookie)
        except SessionInvalid as exc:
            raise SignInNeeded(exc.reason) from exc
        ctx.cookie = cookie

    def _allow(self, ctx: Ctx, name: str, case_agency_id: str | None = None) -> None:
        decision = access.decide(ctx.principal, name, case_agency_id)
        if decision is not Decision.ALLOWED:
            log.info("console refused", kind=name, code=ctx.principal.role, status=decision.value)
            raise Refused(decision.value)

    # --- sign-in and sign-out ---------------------------------------------------------------------

    def _sign_in(self, ctx: Ctx) -> Response:
        request = ctx.request
        notice = request.args.get("thong-bao")
        notice_text = {
            "expired": "session.expired",
            "revoked": "session.revoked",
            "needed": "session.needed",
            "signed_out": "signed_out",
        }.get(notice or "")
        if request.method == "GET":
            nonce = new_nonce()
            ctx.extra_cookies.append((NONCE_COOKIE, nonce, 3600))
            return self._page(
                ctx,
                "sign_in.html",
                200,
                nonce=nonce,
                notice=t(notice_text) if notice_text else None,
                errors={},
                values={},
            )
        if not nonce_valid(request.cookies.get(NONCE_COOKIE), request.form.get("nonce")):
            return self._page(ctx, "error.html", 403, title=t("error.403.title"), body=t("csrf.refused"))
        email = request.form.get("email", "").strip()
        password = request.form.get("password", "")
        errors = {}
        if not email:
            errors["email"] = t("sign_in.email_missing")
        if not password:
            errors["password"] = t("sign_in.password_missing")
        if not errors:
            try:
                cookie, principal = self._sessions.sign_in(email, password)
            except SignInRefused as exc:
                errors["email"] = t(exc.text_key)
            else:
                home = {"admin": "/tai-khoan", "desk": "/phan-loai"}.get(principal.role, "/")
                response = _redirect(home)
                self._set_cookie(response, SESSION_COOKIE, cookie, self._settings.session_minutes * 60)
                response.delete_cookie(NONCE_COOKIE, path="/")
                return response
        nonce = new_nonce()
        ctx.extra_cookies.append((NONCE_COOKIE, nonce, 3600))
        return self._page(
            ctx, "sign_in.html", 400, nonce=nonce, notice=None, errors=errors, values={"email": email}
        )

    def _sign_out(self, ctx: Ctx) -> Response:
        self._sessions.end(ctx.principal)
        response = _redirect("/dang-nhap?thong-bao=signed_out")
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    # --- the queue and search ---------------------------------------------------------------------

    def _queue(self, ctx: Ctx) -> Response:
        self._allow(ctx, "queue")
        args = ctx.request.args
        status = args.get("trang-thai", "open")
        status = status if status in (*STATUSES, "all") else "open"
        kind = args.get("loai") if args.get("loai") in KINDS else None
        overdue = args.get("qua-han") == "1" and status == "open"
        after = args.get("sau") if CASE_ID.fullmatch(args.get("sau", "")) else None
        now = self._clock()
        page = self._queries.queue(
            ctx.principal.agency_id,
            status=None if status == "all" else status,
            kind=kind,
            overdue_at=now if overdue else None,
            after=after,
            page_size=self._settings.page_size,
        )
        filters = {"trang-thai": status, "loai": kind or "", "qua-han": "1" if overdue else ""}
        next_url = None
        if page.next_cursor:
            next_url = "/?" + urlencode({**{k: v for k, v in filters.items() if v}, "sau": page.next_cursor})
        return self._page(
            ctx,
            "queue.html",
            200,
            rows=[self._row(case, now) for case in page.cases],
            filters=filters,
            statuses=STATUSES,
            kinds=KINDS,
            next_url=next_url,
            first_url="/?" + urlencode({k: v for k, v in filters.items() if v}) if after else None,
            done=self._done_notice(ctx),
        )

    def _search(self, ctx: Ctx) -> Response:
        self._allow(ctx, "search")
        query = ctx.request.form.get("q", "").strip()
        error, rows, scanned, code = None, [], None, None
        typed = tracking_code.TYPED.fullmatch(query)
        if not query:
            error = t("search.empty")
        elif typed:
            code = tracking_code.PREFIX + typed.group(1).upper()
            case = self._cases.find_by_tracking_code(UnitOfWork.outside(self._db), code)
            if case is not None and access.allowed(ctx.principal, "case", case.agency_id):
                return _redirect(f"/phan-anh/{case.case_id}")
        elif len(query) < 2:
            error = t("search.too_short")
        else:
            found, scanned = self._queries.search_words(
                ctx.principal.agency_id, query, self._settings.search_scan_limit
            )
            now = self._clock()
            rows = [self._row(case, now) for case in found]
        return self._page(
            ctx,
            "search.html",
            400 if error else 200,
            query=query,
            error=error,
            rows=rows,
            scanned=scanned,
            code=code,
        )

    # --- a case -----------------------------------------------------------------------------------

    def _load(self, ctx: Ctx, case_id: str, name: str) -> Case:
        """The case, if the table lets the principal use `name` on it; 404 for anything else."""
        if not CASE_ID.fullmatch(case_id):
            raise Refused(404)
        self._allow(ctx, name)
        case = self._cases.locate(UnitOfWork.outside(self._db), ctx.principal.agency_id, case_id)
        if case is None:
            raise Refused(404)
        self._allow(ctx, name, case.agency_id)
        return case

    def _case(self, ctx: Ctx, case_id: str) -> Response:
        case = self._load(ctx, case_id, "case")
        now = self._clock()
        return self._page(
            ctx,
            "case.html",
            200,
            case=case,
            row=self._row(case, now),
            show_contact=access.allowed(ctx.principal, "contact", case.agency_id),
            actions=self._available(ctx.principal, case),
            history=self._history(case),
            deliveries=deliveries_of_case(self._db, case.case_id, case.citizen_id),
            map_url=_map_url(case),
            attachments=_attachment_links(case),
            answer_file=case.answer_attachment,
            guess=self._agency_name(case.routing.classified_agency_id),
            candidates=[self._agency_name(agency_id) or agency_id for agency_id in case.routing.candidates],
            asked=[self._asked(question) for question in case.routing.asked],
            reason=routing_reason(case.routing.reason),
            evidence=_evidence(case),
            done=self._done_notice(ctx),
            request_ids={action: secrets.token_urlsafe(16) for action in ("accept", "resume")},
        )

    def _attachment(self, ctx: Ctx, case_id: str, number: int) -> Response:
        """The case's `number`-th attachment (1-based, in the order _attachment_links counts them), streamed
        from our stored copy to whoever may see the case: another agency's case is 404, like on its page."""
        case = self._load(ctx, case_id, "case")
        media = _all_media(case)
        if not 1 <= number <= len(media) or media[number - 1].stored is None or self._attachments is None:
            raise Refused(404)
        item = media[number - 1]
        return self._stream(
            ctx, case, item.stored.object_name, item.name, f"tep-dinh-kem-{number}", item.type
        )

    def _answer_attachment(self, ctx: Ctx, case_id: str) -> Response:
        """The file the official sent with the case's answer, from our copy, to whoever may see the case."""
        case = self._load(ctx, case_id, "case")
        attachment = case.answer_attachment
        if attachment is None or self._attachments is None:
            raise Refused(404)
        kind = "image" if attachment.is_image else "file"
        return self._stream(ctx, case, attachment.stored.object_name, attachment.name, "tra-loi", kind)

    def _stream(
        self, ctx: Ctx, case: Case, object_name: str, name: str | None, fallback: str, kind: str
    ) -> Response:
        """A stored object of the case, streamed with its own name; a 503 page when the bucket does not
        answer, 404 when the object is gone."""
        try:
            found = self._attachments.read(object_name)
        except TransientFailure:
            log.warning("attachment unreadable", case_id=case.case_id, reason="storage")
            body = t("attachment.unavailable.body")
            return self._page(ctx, "error.html", 503, title=t("attachment.unavailable.title"), body=body)
        if found is None:
            log.warning("attachment missing", case_id=case.case_id, reason="no_object")
            raise Refused(404)
        response = Response(found.chunks, content_type=found.content_type, direct_passthrough=True)
        response.headers["Content-Length"] = str(found.size)
        disposition = "inline" if found.content_type in INLINE_TYPES else "attachment"
        response.headers["Content-Disposition"] = _disposition(
            disposition, name, fallback, found.content_type
        )
        response.headers["Content-Security-Policy"] = ATTACHMENT_POLICY
        log.info("attachment served", case_id=case.case_id, kind=kind)
        return response

    def _available(self, principal: Principal, case: Case) -> list[str]:
        def applicable(action: str) -> bool:
            if action == "note":
                return True
            if case.status != "open":
                return False
            waiting = case.clock.frozen_since is not None
            stage = case.clock.agency.stage
            return {
                "accept": stage == "accept" and not waiting,
                "resume": waiting,
                "request_info": not waiting,
                "extend": stage == "answer" and not case.clock.extension_used,
            }.get(action, True)

        return [a for a in CASE_ACTIONS if access.allowed(principal, a, case.agency_id) and applicable(a)]

    def _action(self, ctx: Ctx, case_id: str, slug: str) -> Response:
        action = ACTION_SLUGS.get(slug)
        if action is None:
            raise Refused(404)
        case = self._load(ctx, case_id, action)
        form = ctx.request.form if not ctx.body_too_large else {}
        values = {f.name: form.get(f.name, "") for f in ACTION_FIELDS[action]}
        if action == "transfer":
            values["to_agency_id"] = form.get("to_agency_id", ctx.request.args.get("den", ""))
        if action == "reclassify" and ctx.request.method != "POST":
            values["kind"] = case.kind  # the form opens on what the case is now
        request_id = form.get("request_id") or secrets.token_urlsafe(16)
        errors: dict[str, str] = {}
        summary: str | None = None
        status = 200
        attachment: OfficialFile | None = None
        storage_down = file_again = False
        if ctx.body_too_large:
            # Nothing of the form was read: the official is told what was too big and what to do again.
            errors, status = {"file": t("error.file_too_big_unread")}, 413
        elif ctx.request.method == "POST":
            errors = self._check(action, values)
            # Checked with the other fields (every error at once), stored only once all of them are right.
            chosen = self._chosen_file(ctx, errors) if action == "answer" else None
            if not REQUEST_ID.fullmatch(request_id):
                request_id, summary = secrets.token_urlsafe(16), t("error.unknown")
            if not errors and summary is None and chosen is not None:
                attachment = self._store_answer_file(case, request_id, *chosen)
                if attachment is None:
                    errors["file"], storage_down = t("error.file_unavailable"), True
            if not errors and summary is None:
                try:
                    result = self._do(ctx.principal, case, action, request_id, values, attachment)
                except InvalidInput as exc:
                    log.info("console action refused", kind=action, code=exc.code, status=exc.status)
                    if exc.status == 404:
                        raise Refused(404) from exc
                    message = TEXTS.get(f"error.{exc.code}", TEXTS["error.unknown"])
                    target = _field_of(exc.code)
                    if target and (target in values or target == "to_agency_id"):
                        errors[target] = message
                    else:
                        summary = message
                else:
                    return self._after(ctx, case, action, result)
            # A browser never fills a file input again: the page says to choose the file once more.
            file_again = chosen is not None and not storage_down and bool(errors or summary)
            status = 503 if storage_down else 400 if errors else 409 if summary else 200
        return self._page(
            ctx,
            "action.html",
            status,
            case=case,
            action=action,
            accepts_file=action == "answer" and self._attachments is not None,
            file_again=file_again,
            fields=ACTION_FIELDS[action],
            values=values,
            errors=errors,
            summary=summary,
            request_id=request_id,
            agencies=self._agency_choices(ctx, case, values) if action == "transfer" else None,
            agency_query=ctx.request.args.get("tim", ""),
        )

    def _chosen_file(self, ctx: Ctx, errors: dict[str, str]) -> tuple[answer_files.CheckedFile, bytes] | None:
        """The file attached to the answer form, checked against what Zalo's upload takes; None when none
        was chosen (a browser sends an empty part then), or when it is refused (the error is in `errors`)."""
        upload = ctx.request.files.get("file")
        if upload is None or not upload.filename:
            return None
        if self._attachments is None:
            # No bucket (a local setup without one): nothing could keep the file until it is sent.
            errors["file"] = t("error.file_unavailable")
            return None
        # One byte more than the most any kind may have is enough to know it is too big.
        data = upload.stream.read(answer_files.MAX_DOCUMENT_BYTES + 1)
        checked = answer_files.check(upload.filename, data)
        if isinstance(checked, str):
            log.info("answer file refused", reason=checked, count=len(data))
            errors["file"] = t(f"error.file_{checked}")
            return None
        return checked, data

    def _store_answer_file(
        self, case: Case, request_id: str, checked: answer_files.CheckedFile, data: bytes
    ) -> OfficialFile | None:
        """The file kept in the attachments bucket under its natural key (a retry finds its copy), before
        the answer's transaction; None when Cloud Storage does not answer."""
        name = answer_files.object_name(case.case_id, request_id, checked)
        try:
            stored = self._attachments.put(name, data, checked.content_type, checked.sha256)
        except TransientFailure:
            log.warning("answer file not stored", case_id=case.case_id, reason="storage")
            return None
        log.info("answer file stored", case_id=case.case_id, kind=checked.content_type, count=stored.size)
        return OfficialFile(name=checked.name, stored=stored)

    def _check(self, action: str, values: dict[str, str]) -> dict[str, str]:
        errors = {}
        for spec in ACTION_FIELDS[action]:
            value = values[spec.name].strip()
            if spec.kind == "radios" and value not in {c for c, _ in spec.choices}:
                errors[spec.name] = t(f"error.unknown_{spec.name}")
            elif len(value) > spec.max_length:
                errors[spec.name] = t(f"error.{spec.name}_too_long")
        if action == "answer" and not values["text"].strip():
            # The workflow says so too, but only after the file would have been stored for nothing.
            errors.setdefault("text", t("error.text_empty"))
        if action == "transfer" and values["to_agency_id"] not in self._registry.agencies:
            errors["to_agency_id"] = t("error.unknown_agency")
        return errors

    def _do(
        self,
        principal: Principal,
        case: Case,
        action: str,
        request_id: str,
        values: dict,
        attachment: OfficialFile | None = None,
    ):
        # An ANY-scope role (the desk) may act on any agency's case: the table above decided it may.
        scope = access.scope_of(principal, action)
        actor = Actor(uid=principal.uid, agency_id=principal.agency_id, any_agency=scope is ANY)
        flow, case_id = self._workflow, case.case_id
        calls = {
            "accept": lambda: flow.accept(actor, case_id, request_id),
            "resume": lambda: flow.resume(actor, case_id, request_id),
            "answer": lambda: flow.answer(actor, case_id, request_id, values.get("text", ""), attachment),
            "request_info": lambda: flow.request_info(actor, case_id, request_id, values.get("question", "")),
            "extend": lambda: flow.extend(actor, case_id, request_id, values.get("reason", "")),
            "note": lambda: flow.note(actor, case_id, request_id, values.get("text", "")),
            "transfer": lambda: flow.transfer(
                actor, case_id, request_id, values["to_agency_id"], reason=values.get("reason", "")
            ),
            "reject": lambda: flow.reject(
                actor, case_id, request_id, values.get("ground", ""), values.get("explanation", "")
            ),
            "mark_duplicate": lambda: flow.mark_duplicate(
                actor, case_id, request_id, values.get("original_code", "")
            ),
            "reclassify": lambda: flow.reclassify(actor, case_id, request_id, values.get("kind", "")),
        }
        return calls[action]()

    def _after(self, ctx: Ctx, case: Case, action: str, result) -> Response:
        notice = {"xong": action}
        if action == "transfer":
            notice["den"] = result.to_agency_id or ""
            # An agency's official no longer sees a case they transferred: back to their queue.
            if not access.allowed(ctx.principal, "case", result.to_agency_id):
                notice["ma"] = case.tracking_code
                return _redirect("/?" + urlencode(notice))
        if action == "mark_duplicate":
            notice["ma"] = result.detail or ""
        return _redirect(f"/phan-anh/{case.case_id}?" + urlencode(notice))

    def _done_notice(self, ctx: Ctx) -> str | None:
        action = ctx.request.args.get("xong")
        if action not in ACTION_FIELDS:
            return None
        agency = self._agency_name(ctx.request.args.get("den")) or ""
        code = ctx.request.args.get("ma", "")
        code = code if tracking_code.TYPED.fullmatch(code) else ""
        text = t(f"action.{action}.done", agency=agency, code=code)
        return f"{code}: {text}" if action == "transfer" and code else text

    def _agency_choices(self, ctx: Ctx, case: Case, values: dict) -> list[dict]:
        chosen = values.get("to_agency_id", "")
        words = ctx.request.args.get("tim", "")
        matches = [(m.agency, m.via) for m in find_agencies(words)] if words else []
        if chosen in self._registry.agencies and all(a.id != chosen for a, _ in matches):
            matches.insert(0, (self._registry.get(chosen), None))
        guess = case.routing.classified_agency_id
        if not words and guess in self._registry.agencies and all(a.id != guess for a, _ in matches):
            matches.append((self._registry.get(guess), None))
        return [
            {"id": a.id, "name": a.name, "via": via, "checked": a.id == chosen}
            for a, via in matches
            if a.id != case.agency_id
        ]

    # --- the lead, the desk, statistics -------------------------------------------------------------

    def _escalations(self, ctx: Ctx) -> Response:
        self._allow(ctx, "escalations")
        now = self._clock()
        open_cases = self._queries.queue(ctx.principal.agency_id, status="open", page_size=CITY_SCAN_LIMIT)
        escalated = [
            c for c in open_cases.cases if c.clock.agency.last_step in ("escalate_lead", "escalate_office")
        ]
        return self._page(ctx, "escalations.html", 200, rows=[self._row(c, now) for c in escalated])

    def _triage(self, ctx: Ctx) -> Response:
        self._allow(ctx, "triage")
        now = self._clock()
        unrouted = self._queries.triage(OFFICE, 100)
        everywhere = self._queries.open_everywhere(CITY_SCAN_LIMIT)
        bounced = [c for c in everywhere if _transfers(c) > 2]
        overdue = [c for c in everywhere if c.clock.frozen_since is None and c.clock.agency.due_at < now]
        return self._page(
            ctx,
            "triage.html",
            200,
            unrouted=[
                {
                    "row": self._row(c, now),
                    "guess": self._agency_name(c.routing.classified_agency_id),
                    "guess_id": c.routing.classified_agency_id,
                    "request_id": secrets.token_urlsafe(16),
                    "reason": t("action.transfer.quick_reason", confidence=f"{c.routing.confidence:.0%}"),
                }
                for c in unrouted
            ],
            bounced=[self._row(c, now) for c in bounced],
            overdue=[self._row(c, now) for c in overdue],
            scanned=len(everywhere),
        )

    def _statistics(self, ctx: Ctx) -> Response:
        self._allow(ctx, "statistics")
        agency_id = ctx.principal.agency_id
        wanted = ctx.request.args.get("co-quan")
        if access.scope_of(ctx.principal, "statistics") is ANY and wanted in self._registry.agencies:
            agency_id = wanted
        now = self._clock()
        today = local_date(now)
        first_monday = today - timedelta(days=today.weekday(), weeks=STATS_WEEKS - 1)
        since = datetime.combine(first_monday, datetime.min.time(), tzinfo=VIETNAM_TZ)
        received = self._queries.filed_since(agency_id, since, STATS_READ_LIMIT)
        answered = self._queries.answered_since(agency_id, since, STATS_READ_LIMIT)
        open_cases = self._queries.open_of(agency_id, STATS_READ_LIMIT)
        policy = self._policy or default_policy()
        on_time = [c for c in answered if c.answered_at <= c.clock.overall_due_at]
        days = [
            policy.calendar.working_days_between(local_date(c.filed_at), local_date(c.answered_at))
            for c in answered
        ]
        weeks = []
        for i in range(STATS_WEEKS):
            start = first_monday + timedelta(weeks=i)
            end = start + timedelta(days=7)
            weeks.append(
                WeekCounts(
                    label=start.strftime("%d/%m"),
                    title=t("stats.chart.week", date=start.strftime("%d/%m/%Y")),
                    received=sum(start <= local_date(c.filed_at) < end for c in received),
                    answered=sum(start <= local_date(c.answered_at) < end for c in answered),
                )
            )
        chart = weekly_bars(
            weeks,
            title=t("stats.chart"),
            desc=t("stats.chart.desc", weeks=STATS_WEEKS),
            legend=(t("stats.chart.received"), t("stats.chart.answered")),
        )
        figures = {
            "open": len(open_cases),
            "overdue": sum(c.clock.frozen_since is None and c.clock.agency.due_at < now for c in open_cases),
            "answered": len(answered),
            "on_time": t(
                "stats.on_time_value", share=f"{len(on_time) / len(answered):.0%}", count=len(on_time)
            )
            if answered
            else t("stats.none"),
            "median": t("stats.median_value", days=f"{stats.median(days):g}".replace(".", ","))
            if days
            else t("stats.none"),
            **_satisfaction(answered, agency_id),
        }
        agencies = (
            sorted(self._registry.agencies.values(), key=lambda a: (a.level != "city", a.level, a.name))
            if access.scope_of(ctx.principal, "statistics") is ANY
            else []
        )
        return self._page(
            ctx,
            "statistics.html",
            200,
            agency_name=self._agency_name(agency_id),
            agency_id=agency_id,
            agencies=agencies,
            figures=figures,
            chart=chart,
            weeks=weeks,
            stats_weeks=STATS_WEEKS,
        )

    # --- accounts (admin): pakn.officials.accounts, the same code as `pakn officials` -----------------

    def _accounts(self, ctx: Ctx) -> Response:
        self._allow(ctx, "accounts")
        listed = accounts.list_officials(self._firebase_app, limit=ACCOUNTS_READ_LIMIT)
        users = [
            {
                "account": account,
                "agency": self._agency_name(account.agency_id),
                "is_self": account.uid == ctx.principal.uid,
            }
            for account in listed
        ]
        return self._page(
            ctx,
            "accounts.html",
            200,
            users=users,
            roles=ROLES,
            done=self._account_notice(ctx),
            read_limit=ACCOUNTS_READ_LIMIT,
        )

    def _account_create(self, ctx: Ctx) -> Response:
        self._allow(ctx, "create_account")
        request = ctx.request
        form = request.form if request.method == "POST" else {}
        values = {name: form.get(name, "").strip() for name in ("email", "role", "agency_id")}
        words = (form.get("tim") if request.method == "POST" else request.args.get("tim", "")) or ""
        errors: dict[str, str] = {}
        status = 200
        # The form's first button searches agencies (Enter in any field does that), the last one creates.
        if request.method == "POST" and form.get("lam") != "tim":
            agency_id = values["agency_id"] if values["role"] in AGENCY_ROLES else None
            errors = _account_errors(values["email"], values["role"], agency_id)
            if not errors:
                try:
                    result = accounts.create_official(
                        self._firebase_app, values["email"], values["role"], agency_id
                    )
                except AccountError as exc:
                    errors[exc.field] = t(f"accounts.error.{exc.code}")
                else:
                    account = result.account
                    log.info(
                        "official's account created" if result.created else "official's account existed",
                        kind=account.role,
                        agency_id=account.agency_id,
                    )
                    return self._page(
                        ctx,
                        "account_created.html",
                        200,
                        account=account,
                        agency=self._agency_name(account.agency_id),
                        created=result.created,
                        password=result.password.get_secret_value() if result.password else None,
                    )
            status = 400 if errors else 200
        return self._page(
            ctx,
            "account_create.html",
            status,
            values=values,
            errors=errors,
            roles=ROLES,
            agency_roles=AGENCY_ROLES,
            agencies=self._account_agencies(words, values["agency_id"]),
            agency_query=words,
        )

    def _account_move(self, ctx: Ctx, uid: str) -> Response:
        self._allow(ctx, "move_account")
        account = self._account(uid)
        request = ctx.request
        form = request.form if request.method == "POST" else {}
        values = {
            "role": form.get("role", account.role or "").strip(),
            "agency_id": form.get("agency_id", account.agency_id or "").strip(),
        }
        words = (form.get("tim") if request.method == "POST" else request.args.get("tim", "")) or ""
        errors: dict[str, str] = {}
        summary = t("accounts.self") if account.uid == ctx.principal.uid else None
        status = 200
        if request.method == "POST" and form.get("lam") != "tim" and summary is None:
            agency_id = values["agency_id"] if values["role"] in AGENCY_ROLES else None
            errors = _account_errors(None, values["role"], agency_id)
            if not errors:
                try:
                    result = accounts.move_official(
                        self._firebase_app, uid=account.uid, role=values["role"], agency_id=agency_id
                    )
                except AccountError as exc:
                    errors[exc.field] = t(f"accounts.error.{exc.code}")
                else:
                    moved = result.account
                    log.info("official's account moved", kind=moved.role, agency_id=moved.agency_id)
                    notice = "move" if result.changed else "move_same"
                    return _redirect("/tai-khoan?" + urlencode({"xong": notice, "tk": account.uid}))
            status = 400 if errors else 200
        elif request.method == "POST" and summary is not None:
            status = 409
        return self._page(
            ctx,
            "account_move.html",
            status,
            account=account,
            current_agency=self._agency_name(account.agency_id),
            values=values,
            errors=errors,
            summary=summary,
            roles=ROLES,
            agency_roles=AGENCY_ROLES,
            agencies=self._account_agencies(words, values["agency_id"]),
            agency_query=words,
        )

    def _account_disable(self, ctx: Ctx, uid: str) -> Response:
        self._allow(ctx, "disable_account")
        account = self._account(uid)
        summary = t("accounts.self") if account.uid == ctx.principal.uid else None
        status = 200
        if ctx.request.method == "POST":
            if summary is None:
                result = accounts.disable_official(self._firebase_app, uid=account.uid)
                log.info(
                    "official's account disabled",
                    kind=account.role,
                    agency_id=account.agency_id,
                    status="done" if result.changed else "again",
                )
                notice = "disable" if result.changed else "disable_again"
                return _redirect("/tai-khoan?" + urlencode({"xong": notice, "tk": account.uid}))
            status = 409
        return self._page(
            ctx,
            "account_disable.html",
            status,
            account=account,
            agency=self._agency_name(account.agency_id),
            summary=summary,
        )

    def _account(self, uid: str) -> accounts.Account:
        if not ACCOUNT_UID.fullmatch(uid):
            raise Refused(404)
        try:
            return accounts.get_official(self._firebase_app, uid=uid)
        except AccountError as exc:
            raise Refused(404) from exc

    def _account_notice(self, ctx: Ctx) -> str | None:
        done, uid = ctx.request.args.get("xong"), ctx.request.args.get("tk", "")
        if done not in ("move", "move_same", "disable", "disable_again") or not ACCOUNT_UID.fullmatch(uid):
            return None
        try:
            account = accounts.get_official(self._firebase_app, uid=uid)
        except AccountError:
            return None
        return t(f"accounts.{done}.done", email=account.email or account.uid)

    def _account_agencies(self, words: str, chosen: str) -> list[dict]:
        """The agency picker's choices: agencies found by `words` (also an exact id), and the chosen one."""
        words = words.strip()
        matches = [(m.agency, m.via) for m in find_agencies(words)] if words else []
        for agency_id in (words, chosen):
            if agency_id in self._registry.agencies and all(a.id != agency_id for a, _ in matches):
                matches.insert(0, (self._registry.get(agency_id), None))
        return [{"id": a.id, "name": a.name, "via": via, "checked": a.id == chosen} for a, via in matches]

    # --- helpers ----------------------------------------------------------------------------------

    def _row(self, case: Case, now: datetime) -> dict:
        clock = case.clock
        marks = []
        if case.status == "open":
            if clock.frozen_since is not None:
                marks.append(("waiting", t("mark.waiting")))
            elif clock.agency.due_at < now:
                marks.append(("overdue", t("mark.overdue")))
            elif clock.agency.due_at <= (self._policy or default_policy()).due_after(now, 1):
                marks.append(("due-soon", t("mark.due_soon")))
            if clock.agency.last_step == "escalate_lead":
                marks.append(("escalated", t("mark.escalated_lead")))
            elif clock.agency.last_step == "escalate_office":
                marks.append(("escalated", t("mark.escalated_office")))
        return {
            "case": case,
            "first_line": _first_line(case.content),
            "kind": t(f"kind.{case.kind}"),
            "status": t(f"status.{case.status}"),
            "stage": t(f"stage.{clock.agency.stage}"),
            "marks": marks,
            "transfers": _transfers(case),
        }

    def _history(self, case: Case) -> list[dict]:
        people = self._emails({e.by for e in case.history if e.by != "citizen"})
        items = []
        for entry in case.history:
            if entry.action == "transfer":
                what = t(
                    "history.transfer", agency=self._agency_name(entry.to_agency_id) or entry.to_agency_id
                )
            elif entry.action == "reclassify":
                before, after = t(f"kind.{entry.from_kind}"), t(f"kind.{entry.to_kind}")
                what = t("history.reclassify", before=before, after=after)
            elif entry.action == "object" and entry.to_agency_id:
                what = t(
                    "history.object.moved",
                    agency=self._agency_name(entry.to_agency_id) or entry.to_agency_id,
                )
            else:
                what = t(f"history.{entry.action}")
            who = t("by.citizen") if entry.by == "citizen" else people.get(entry.by, entry.by)
            items.append(
                {
                    "at": entry.at,
                    "what": what,
                    "who": who,
                    "detail": entry.detail,
                    "note": entry.action == "note",
                }
            )
        for notice in case.notifications:
            stage = t("step.stage.answer") if notice.step != "update_citizen" else ""
            what = t(f"step.{notice.step}", stage=stage)
            items.append(
                {
                    "at": notice.created_at,
                    "what": what,
                    "who": t("by.system"),
                    "detail": t("step.channel", channel=notice.channel),
                    "note": False,
                }
            )
        return sorted(items, key=lambda item: item["at"])

    def _emails(self, uids: set[str]) -> dict[str, str]:
        if not uids or self._firebase_app is None:
            return {}
        from firebase_admin import auth

        try:
            found = auth.get_users(
                [auth.UidIdentifier(uid) for uid in list(uids)[:100]], app=self._firebase_app
            )
        except Exception as exc:  # a name is a nicety: the uid stands in when Auth cannot be asked
            log.warning("officials' names unavailable", reason=type(exc).__name__)
            return {}
        return {user.uid: user.email or user.uid for user in found.users}

    def _agency_name(self, agency_id: str | None) -> str | None:
        agency = self._registry.agencies.get(agency_id or "")
        return agency.name if agency else None

    def _asked(self, asked: AskedQuestion) -> str:
        """A question the citizen was asked before filing, and their answer, as one line of the case page."""
        if asked.answer is None:
            answer = t("case.asked.none")
        elif asked.question == "kind":
            answer = t(f"kind.{asked.answer}")
        else:
            answer = self._agency_name(asked.answer) or asked.answer
        return t(f"case.asked.{asked.question}", answer=answer)

    def _page(self, ctx: Ctx, template: str, status: int, **values) -> Response:
        principal = ctx.principal
        nav = []
        if principal is not None:
            for name, href in (
                ("queue", "/"),
                ("escalations", "/bao-cao-lanh-dao"),
                ("triage", "/phan-loai"),
                ("statistics", "/thong-ke"),
                ("accounts", "/tai-khoan"),
            ):
                if access.allowed(principal, name):
                    nav.append({"href": href, "label": t(f"nav.{name}"), "current": ctx.request.path == href})
        html = self._templates.get_template(template).render(
            principal=principal,
            principal_agency=self._agency_name(principal.agency_id) if principal else None,
            csrf=csrf_token(self._secret, ctx.cookie) if ctx.cookie else "",
            nav=nav,
            allowed=(lambda name, agency_id=None: access.allowed(principal, name, agency_id))
            if principal
            else (lambda *a: False),
            search_limit=self._settings.search_scan_limit,
            providers=self._settings.sign_in_providers,
            **values,
        )
        return Response(html, status=status, content_type="text/html; charset=utf-8")

    def _error(self, ctx: Ctx, status: int) -> Response:
        key = status if status in (403, 404, 405, 413) else 400
        body = TEXTS.get(f"error.{key}.body", "")
        return self._page(ctx, "error.html", status, title=t(f"error.{key}.title"), body=body)

    def _static(self, name: str) -> Response:
        if name not in STATIC_FILES:
            raise Refused(404)
        content = resources.files("pakn.officials.console").joinpath(f"static/{name}").read_bytes()
        response = Response(content, content_type=STATIC_FILES[name])
        response.headers["Cache-Control"] = "public, max-age=3600"
        return response

    def _set_cookie(self, response: Response, name: str, value: str, max_age: int) -> None:
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            path="/",
            secure=self._settings.cookie_secure,
            httponly=True,
            samesite="Lax",
        )


def _redirect(location: str) -> Response:
    return Response("", status=303, headers={"Location": location})


def _account_errors(email: str | None, role: str, agency_id: str | None) -> dict[str, str]:
    """Every field's error at once, by the accounts module's own checks (email None: not on the form)."""
    errors = {}
    checks = [lambda: accounts.check_assignment(role, agency_id)]
    if email is not None:
        checks.insert(0, lambda: accounts.normalise_email(email))
    for check in checks:
        try:
            check()
        except AccountError as exc:
            errors[exc.field] = t(f"accounts.error.{exc.code}")
    return errors


def _field_of(code: str) -> str | None:
    for prefix, name in ERROR_FIELDS.items():
        if code == prefix or code.startswith(f"{prefix}_"):
            return name
    return None


def _satisfaction(answered: list[Case], agency_id: str) -> dict[str, str | int]:
    """The citizens' ratings of the agency's own answers among `answered`, and how often they did not
    accept one (a case the Office took over after a second objection is counted by the Office)."""
    scores = [r.score for c in answered for r in c.ratings if r.agency_id == agency_id]
    satisfied = sum(score >= 4 for score in scores)
    average = f"{stats.mean(scores):.1f}".replace(".", ",") if scores else ""
    return {
        "satisfaction": t("stats.satisfaction_value", average=average, count=len(scores))
        if scores
        else t("stats.none"),
        "satisfied": t("stats.satisfied_value", share=f"{satisfied / len(scores):.0%}", count=satisfied)
        if scores
        else t("stats.none"),
        "objections": sum(o.agency_id == agency_id for c in answered for o in c.objections),
    }


def _transfers(case: Case) -> int:
    return sum(entry.action == "transfer" for entry in case.history)


def _first_line(text: str) -> str:
    line = (text or "").strip().splitlines()[0] if (text or "").strip() else ""
    return line if len(line) <= 140 else line[:139].rstrip() + "…"


def _date(value: datetime | None) -> str:
    return value.astimezone(VIETNAM_TZ).strftime("%d/%m/%Y") if value else ""


def _datetime(value: datetime | None) -> str:
    return value.astimezone(VIETNAM_TZ).strftime("%H:%M %d/%m/%Y") if value else ""


def _all_media(case: Case) -> list[Media]:
    """Every attachment of the case in a fixed order (those it was filed with, then those the citizen sent
    in answer to officials' questions): both lists only grow, so a number keeps naming one attachment."""
    return [*case.media, *(m for information in case.citizen_information for m in information.media)]


def _attachment_links(case: Case) -> dict:
    """Where the case page links each attachment: our stored copy when there is one, else Zalo's URL
    (which expires after about 7 days)."""

    def link(media: Media, number: int) -> dict:
        if media.stored is not None:
            href = f"/phan-anh/{case.case_id}/tep/{number}"
            return {"media": media, "href": href, "src": href, "stored": True}
        return {"media": media, "href": media.url, "src": media.thumbnail or media.url, "stored": False}

    numbered = iter(range(1, len(_all_media(case)) + 1))
    filed = [link(media, next(numbered)) for media in case.media]
    information = [[link(media, next(numbered)) for media in i.media] for i in case.citizen_information]
    every = filed + [item for items in information for item in items]
    return {"filed": filed, "information": information, "zalo_only": any(not x["stored"] for x in every)}


def _disposition(kind: str, name: str | None, fallback: str, content_type: str) -> str:
    """Content-Disposition with the file's own name (`fallback` and the type's extension when it has
    none): an ASCII fallback, and the UTF-8 name (RFC 6266)."""
    extension = mimetypes.guess_extension(content_type, strict=False) or ""
    name = (name or "").strip() or f"{fallback}{extension}"
    folded = unicodedata.normalize("NFKD", name.replace("đ", "d").replace("Đ", "D"))
    fallback = re.sub(r"[^A-Za-z0-9._ -]+", "_", folded.encode("ascii", "ignore").decode()) or "tep"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def _evidence(case: Case) -> list[str]:
    """The routing's evidence in the citizen's own words, without a phrase that another one holds ("sung"
    beside "bổ sung")."""
    shown = [as_written(case.content, phrase) or phrase for phrase in case.routing.evidence]
    spaced = [f" {normalise(phrase)} " for phrase in shown]
    return [
        phrase
        for index, (phrase, mine) in enumerate(zip(shown, spaced, strict=True))
        if mine not in spaced[:index] and not any(mine != other and mine in other for other in spaced)
    ]


def _map_url(case: Case) -> str | None:
    if case.location is None:
        return None
    lat, lon = case.location.latitude, case.location.longitude
    return f"https://www.openstreetmap.org/?mlat={lat:.6f}&mlon={lon:.6f}#map=17/{lat:.6f}/{lon:.6f}"
