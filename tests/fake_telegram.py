"""A small fake Telegram Bot API server on 127.0.0.1 for the bot's tests.

It speaks just enough of the Bot API for python-telegram-bot to run against it through
``TELEGRAM_API_BASE_URL``: getMe, long-polled getUpdates fed from a queue, and the calls the bot
makes. Every call is recorded. Calls Telegram would refuse are refused the same way (HTTP 400
with ``ok: false``): text over 4096 characters, HTML that does not parse, callback data over
64 bytes, editing a message to the same content, and so on — so a test that passes here does
not hide a Bot API error. Every wait is bounded by time.

Faults can be programmed per method (:meth:`FakeTelegram.fault`): an HTTP error status (429 with
``retry_after``, 500, 502 …), a dropped connection (closed before any answer, the call not
carried out), or a delay before the call is carried out. A fault hits the next ``times`` calls of
its method and is recorded as a call with that status (0 for a dropped connection).
"""

from __future__ import annotations

import itertools
import json
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote

TOKEN = "123:fake"
BOT = {"id": 999, "is_bot": True, "first_name": "Incident Bot", "username": "incident_test_bot"}

_ALLOWED_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "a",
    "code",
    "pre",
    "tg-spoiler",
    "span",
    "blockquote",
    "tg-emoji",
}
_BAD_ENTITY = re.compile(r"&(?!(?:lt|gt|amp|quot);|#\d+;|#x[0-9a-fA-F]+;)")
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")


class ApiError(Exception):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class _TelegramHtml(HTMLParser):
    """Parses what Telegram parses; collects the visible text; raises on what it rejects."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.visible: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _ALLOWED_TAGS:
            raise ApiError(400, f'Bad Request: can\'t parse entities: unsupported start tag "{tag}"')
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            raise ApiError(400, f'Bad Request: can\'t parse entities: unmatched end tag "{tag}"')
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.visible.append(data)


def visible_text(text: str, parse_mode: str | None) -> str:
    """The message as the user sees it; raises ApiError where Telegram would answer 400."""
    if not text or not text.strip():
        raise ApiError(400, "Bad Request: message text is empty")
    if parse_mode is None:
        plain = text
    elif parse_mode.upper() == "HTML":
        if _BAD_ENTITY.search(text):
            raise ApiError(400, "Bad Request: can't parse entities: unsupported entity")
        parser = _TelegramHtml()
        parser.feed(text)
        parser.close()
        if parser.stack:
            raise ApiError(400, f'Bad Request: can\'t parse entities: unclosed tag "{parser.stack[-1]}"')
        plain = "".join(parser.visible)
    else:
        raise ApiError(400, f"Bad Request: unsupported parse_mode {parse_mode}")
    # Stricter than Telegram, which counts after parsing: the markup must fit as well.
    if _utf16_len(text) > 4096 or _utf16_len(plain) > 4096:
        raise ApiError(400, "Bad Request: message is too long")
    if not plain.strip():
        raise ApiError(400, "Bad Request: message text is empty")
    return plain


def check_markup(markup: Any) -> None:
    if markup is None:
        return
    rows = markup.get("inline_keyboard") if isinstance(markup, dict) else None
    if not isinstance(rows, list):
        raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
    for row in rows:
        for button in row:
            if not button.get("text"):
                raise ApiError(400, "Bad Request: text buttons are unallowed in the inline keyboard")
            data = button.get("callback_data")
            if data is not None and not 1 <= len(data.encode()) <= 64:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")


def button(message: dict, text: str) -> dict:
    """The inline button labelled ``text`` under ``message`` (a sent or edited message)."""
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
    found = [b for row in rows for b in row if b["text"] == text]
    assert found, f"no {text!r} button in {[[b['text'] for b in row] for row in rows]}"
    return found[0]


def labels(message: dict) -> list[str]:
    """The labels of every inline button under ``message``, row by row."""
    return [b["text"] for row in message.get("reply_markup", {}).get("inline_keyboard", []) for b in row]


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    status: int
    result: Any = None
    at: float = field(default_factory=time.monotonic)

    def __getitem__(self, key: str) -> Any:
        return self.params[key]


@dataclass
class Fault:
    """What the next ``times`` calls of ``method`` get instead of a normal answer."""

    method: str
    kind: str  # "status", "drop" or "delay"
    times: int = 1
    status: int = 500
    retry_after: int | None = None
    delay: float = 0.0


class _Server(ThreadingHTTPServer):
    """One thread per connection; a backlog deep enough that a flood of the bot's connections
    opened at once is queued, not refused (the default is 5)."""

    request_queue_size = 128
    daemon_threads = True


class FakeTelegram:
    """Run with ``with FakeTelegram() as api:``; point the bot at ``api.base_url``."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.calls: list[Call] = []
        self.faults: list[Fault] = []
        self.webhook: dict[str, Any] = {}
        self.pushed_at: dict[int, float] = {}
        self.commands: list[dict] = []
        self.descriptions: dict[str, str] = {}
        self.menus: dict[str, list[str]] = {}  # "default" or "chat:<id>" -> the command names set there
        self.blocked: set[int] = set()  # chats whose user blocked the bot: sending there is Forbidden
        self.migrated: dict[int, int] = {}  # group id -> the supergroup it was upgraded to
        self._updates: list[dict] = []
        self._messages: dict[tuple[int, int], dict] = {}
        self._callbacks: set[str] = set()
        self._inline: set[str] = set()
        self._files: dict[str, bytes] = {}
        self._ids = itertools.count(1)
        self._update_ids = itertools.count(1)
        self._cond = threading.Condition()
        self._closing = False
        self._server = _Server(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-telegram", daemon=True
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/bot"

    def __enter__(self) -> FakeTelegram:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    # --- what a test does ---------------------------------------------------------------

    def push(self, update: dict) -> int:
        """Queue an update for the next getUpdates; returns its update_id."""
        return self.push_many([update])[0]

    def push_many(self, updates: list[dict]) -> list[int]:
        """Queue several updates at once (they arrive in one getUpdates batch of up to 100)."""
        with self._cond:
            ids = []
            for update in updates:
                update = {"update_id": next(self._update_ids), **update}
                self._updates.append(update)
                self.pushed_at[update["update_id"]] = time.monotonic()
                ids.append(update["update_id"])
            self._cond.notify_all()
            return ids

    def fault(self, method: str, kind: str = "status", times: int = 1, **kwargs: Any) -> Fault:
        """Make the next ``times`` calls of ``method`` fail: ``kind`` is "status" (``status=``,
        ``retry_after=``), "drop" (connection closed unanswered) or "delay" (``delay=`` seconds)."""
        fault = Fault(method, kind, times, **kwargs)
        with self._cond:
            self.faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self._cond:
            self.faults.clear()

    def pending_updates(self) -> int:
        with self._cond:
            return len(self._updates)

    def _take_fault(self, method: str) -> Fault | None:
        with self._cond:
            for fault in self.faults:
                if fault.method == method and fault.times > 0:
                    fault.times -= 1
                    return fault
        return None

    def wait_for(self, predicate: Callable[[Call], bool], timeout: float = 15.0, after: int = 0) -> Call:
        """The first call from index ``after`` on that matches, waiting at most ``timeout`` s."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for call in self.calls[after:]:
                    if predicate(call):
                        return call
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [(c.method, c.status) for c in self.calls[after:]]
                    raise AssertionError(f"no matching Bot API call within {timeout} s; saw {seen}")
                self._cond.wait(left)

    def mark(self) -> int:
        """Index of the next call, to wait only for calls after this point."""
        with self._cond:
            return len(self.calls)

    def errors(self) -> list[Call]:
        with self._cond:
            return [c for c in self.calls if c.status != 200]

    def sent(self, after: int = 0) -> list[Call]:
        with self._cond:
            return [c for c in self.calls[after:] if c.method == "sendMessage" and c.status == 200]

    # --- updates as Telegram would send them ----------------------------------------------

    @staticmethod
    def user(user_id: int, name: str = "Alice") -> dict:
        return {"id": user_id, "is_bot": False, "first_name": name}

    def message(
        self,
        user_id: int,
        text: str,
        chat: dict | None = None,
        entities: list[dict] | None = None,
        reply_to: dict | None = None,
    ) -> dict:
        chat = chat or {"id": user_id, "type": "private", "first_name": "Alice"}
        message: dict[str, Any] = {
            "message_id": next(self._ids),
            "date": int(time.time()),
            "chat": chat,
            "from": self.user(user_id),
            "text": text,
        }
        if text.startswith("/"):
            command = text.split()[0]
            entities = [{"type": "bot_command", "offset": 0, "length": _utf16_len(command)}, *(entities or [])]
        if entities:
            message["entities"] = entities
        if reply_to:
            message["reply_to_message"] = reply_to
        return {"message": message}

    def media(self, user_id: int, kind: str, caption: str | None = None, chat: dict | None = None) -> dict:
        """A message of ``kind`` (photo, document, sticker, voice …) with an optional caption."""
        content: dict[str, Any] = {
            "photo": {"photo": [{"file_id": "p1", "file_unique_id": "p1", "width": 90, "height": 90}]},
            "document": {"document": {"file_id": "d1", "file_unique_id": "d1", "file_name": "report.pdf"}},
            "sticker": {
                "sticker": {
                    "file_id": "s1",
                    "file_unique_id": "s1",
                    "width": 512,
                    "height": 512,
                    "is_animated": False,
                    "is_video": False,
                    "type": "regular",
                }
            },
            "voice": {"voice": {"file_id": "v1", "file_unique_id": "v1", "duration": 3}},
            "location": {"location": {"latitude": 52.5, "longitude": 13.4}},
        }[kind]
        update = self.message(user_id, "x", chat=chat)
        message = {k: v for k, v in update["message"].items() if k not in ("text", "entities")}
        message.update(content)
        if caption is not None:
            message["caption"] = caption
        return {"message": message}

    def document(
        self, user_id: int, file_name: str, data: bytes, caption: str | None = None, chat: dict | None = None
    ) -> dict:
        """A file sent to the bot; getFile and the file URL then serve ``data`` as Telegram would."""
        file_id = f"doc{next(self._ids)}"
        with self._cond:
            self._files[file_id] = data
        update = self.message(user_id, "x", chat=chat)
        message = {k: v for k, v in update["message"].items() if k not in ("text", "entities")}
        message["document"] = {
            "file_id": file_id,
            "file_unique_id": file_id,
            "file_name": file_name,
            "file_size": len(data),
            "mime_type": "text/markdown",
        }
        if caption is not None:
            message["caption"] = caption
        return {"message": message}

    def group_message(self, user_id: int, text: str, group_id: int = -100123, **kwargs: Any) -> dict:
        """A group message; mentions of ``@<bot username>`` get their entity like in Telegram."""
        handle = "@" + BOT["username"]
        entities = []
        if handle in text:
            offset = _utf16_len(text[: text.index(handle)])
            entities.append({"type": "mention", "offset": offset, "length": _utf16_len(handle)})
        chat = {"id": group_id, "type": "supergroup", "title": "SOC team"}
        return self.message(user_id, text, chat=chat, entities=entities, **kwargs)

    @staticmethod
    def edited(update: dict) -> dict:
        """The same message, edited: Telegram sends it as ``edited_message``."""
        message = {**update["message"], "edit_date": int(time.time())}
        return {"edited_message": message}

    def forwarded(self, update: dict, original_sender: int) -> dict:
        """The message as forwarded by its ``from`` user, first written by ``original_sender``."""
        message = {
            **update["message"],
            "forward_origin": {"type": "user", "sender_user": self.user(original_sender), "date": int(time.time())},
        }
        return {"message": message}

    def callback(self, user_id: int, message: dict, data: str, live: bool = False) -> dict:
        """A button press under ``message``; ``live`` sends the message as it is now (after the
        bot's edits), as Telegram does, instead of as given."""
        query_id = str(next(self._ids))
        self._callbacks.add(query_id)
        with self._cond:
            current = self._messages.get((message["chat"]["id"], message["message_id"])) if live else None
            if current is not None:
                message = {k: v for k, v in current.items() if not k.startswith("_")}
        return {
            "callback_query": {
                "id": query_id,
                "from": self.user(user_id),
                "chat_instance": "1",
                "message": message,
                "data": data,
            }
        }

    def inline_query(self, user_id: int, query: str, offset: str = "") -> dict:
        """An inline query; ``offset`` is the ``next_offset`` of the answer before, as Telegram
        sends it when the user scrolls to the end of the results."""
        query_id = str(next(self._ids))
        self._inline.add(query_id)
        return {"inline_query": {"id": query_id, "from": self.user(user_id), "query": query, "offset": offset}}

    # --- the API ----------------------------------------------------------------------------

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                api._serve(self)

            do_GET = do_POST

            def log_message(self, *args: object) -> None:
                pass

        return Handler

    def _serve(self, request: BaseHTTPRequestHandler) -> None:
        if request.path.startswith("/file/bot"):
            self._serve_file(request)
            return
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        prefix, _, method = request.path.partition("/bot")[2].partition("/")
        params = self._parse(body, request.headers.get("Content-Type", ""))
        fault = self._take_fault(method) if prefix == self.token else None
        if fault is not None and fault.kind == "drop":
            with self._cond:
                self.calls.append(Call(method, params, 0))
                self._cond.notify_all()
            request.close_connection = True
            with _suppress_os_errors():
                request.connection.shutdown(socket.SHUT_RDWR)
            return
        if fault is not None and fault.kind == "delay":
            time.sleep(fault.delay)
        try:
            if fault is not None and fault.kind == "status":
                payload_error = ApiError(
                    fault.status,
                    {429: "Too Many Requests: retry later", 502: "Bad Gateway"}.get(
                        fault.status, "Internal Server Error"
                    ),
                )
                payload_error.retry_after = fault.retry_after  # type: ignore[attr-defined]
                raise payload_error
            if prefix != self.token:
                raise ApiError(401, "Unauthorized")
            handler = getattr(self, f"_api_{method}", None)
            if handler is None:
                raise ApiError(404, "Not Found: method not found")
            result = handler(params)
            status, payload = 200, {"ok": True, "result": result}
        except ApiError as error:
            status = error.code
            payload = {"ok": False, "error_code": error.code, "description": error.description}
            if getattr(error, "retry_after", None):
                payload["parameters"] = {"retry_after": error.retry_after}
            if getattr(error, "migrate_to", None):
                payload["parameters"] = {"migrate_to_chat_id": error.migrate_to}
        except (KeyError, ValueError, TypeError, AttributeError) as error:
            status = 400
            payload = {"ok": False, "error_code": 400, "description": f"Bad Request: {error!r}"}
        if method != "getUpdates" or payload.get("result") or status != 200:
            with self._cond:
                self.calls.append(Call(method, params, status, payload.get("result")))
                self._cond.notify_all()
        data = json.dumps(payload).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(data)))
        request.end_headers()
        try:
            request.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the bot stopped mid long-poll
            request.close_connection = True

    @staticmethod
    def _parse(body: bytes, content_type: str) -> dict[str, Any]:
        if not body:
            return {}
        if "json" in content_type:
            return json.loads(body)
        if "multipart" in content_type:
            raise ApiError(400, "Bad Request: this fake does not take files")
        return {key: values[-1] for key, values in parse_qs(body.decode(), keep_blank_values=True).items()}

    def _serve_file(self, request: BaseHTTPRequestHandler) -> None:
        """``GET /file/bot<token>/documents/<file_id>.md``: the bytes of a file sent to the bot."""
        token, _, file_path = unquote(request.path[len("/file/bot") :]).partition("/")
        file_id = file_path.rpartition("/")[2].partition(".")[0]
        with self._cond:
            data = self._files.get(file_id) if token == self.token else None
            self.calls.append(Call("downloadFile", {"file_path": file_path}, 200 if data is not None else 404))
            self._cond.notify_all()
        request.send_response(200 if data is not None else 404)
        request.send_header("Content-Length", str(len(data or b"")))
        request.end_headers()
        request.wfile.write(data or b"")

    def _api_getFile(self, params: dict) -> dict:
        file_id = params.get("file_id", "")
        with self._cond:
            data = self._files.get(file_id)
        if data is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        if len(data) > 20 * 1024 * 1024:
            raise ApiError(400, "Bad Request: file is too big")
        return {
            "file_id": file_id,
            "file_unique_id": file_id,
            "file_size": len(data),
            "file_path": f"documents/{file_id}.md",
        }

    @staticmethod
    def json_param(params: dict, key: str) -> Any:
        value = params.get(key)
        return json.loads(value) if isinstance(value, str) else value

    def _api_getMe(self, params: dict) -> dict:
        return BOT

    def _api_deleteWebhook(self, params: dict) -> bool:
        self.webhook = {}
        return True

    def _api_setWebhook(self, params: dict) -> bool:
        url = params.get("url", "")
        if url and not url.startswith(("https://", "http://")):
            raise ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        self.webhook = dict(params)
        return True

    def _api_getUpdates_blocked(self) -> bool:
        return bool(self.webhook.get("url"))

    def _api_getUpdates(self, params: dict) -> list[dict]:
        if self._api_getUpdates_blocked():
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active")
        offset = int(params.get("offset") or 0)
        deadline = time.monotonic() + min(float(params.get("timeout") or 0), 30.0)
        with self._cond:
            while True:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
                left = deadline - time.monotonic()
                if self._updates or left <= 0 or self._closing:
                    return list(self._updates[:100])
                self._cond.wait(min(left, 0.5))

    def _chat(self, chat_id: Any) -> dict:
        chat_id = int(chat_id)
        if chat_id in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if chat_id in self.migrated:
            error = ApiError(400, "Bad Request: group chat was upgraded to a supergroup chat")
            error.migrate_to = self.migrated[chat_id]  # type: ignore[attr-defined]
            raise error
        if chat_id < 0:
            return {"id": chat_id, "type": "supergroup", "title": "SOC team"}
        return {"id": chat_id, "type": "private", "first_name": "Alice"}

    def _api_sendMessage(self, params: dict) -> dict:
        chat = self._chat(params["chat_id"])
        text = visible_text(params.get("text", ""), params.get("parse_mode"))
        markup = self.json_param(params, "reply_markup")
        check_markup(markup)
        message = {
            "message_id": next(self._ids),
            "date": int(time.time()),
            "chat": chat,
            "from": BOT,
            "text": text,
            "_html": params.get("text"),
        }
        if markup:
            message["reply_markup"] = markup
        self._messages[(chat["id"], message["message_id"])] = message
        return {k: v for k, v in message.items() if not k.startswith("_")}

    def _api_editMessageText(self, params: dict) -> dict | bool:
        text = visible_text(params.get("text", ""), params.get("parse_mode"))
        markup = self.json_param(params, "reply_markup")
        check_markup(markup)
        if "inline_message_id" in params:
            return True
        key = (int(params["chat_id"]), int(params["message_id"]))
        message = self._messages.get(key)
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        if message["_html"] == params["text"] and message.get("reply_markup") == markup:
            raise ApiError(400, "Bad Request: message is not modified")
        message.update(text=text, _html=params["text"], date=int(time.time()))
        if markup:
            message["reply_markup"] = markup
        else:
            message.pop("reply_markup", None)
        return {k: v for k, v in message.items() if not k.startswith("_")}

    def _api_editMessageReplyMarkup(self, params: dict) -> dict | bool:
        markup = self.json_param(params, "reply_markup")
        check_markup(markup)
        if "inline_message_id" in params:
            return True
        message = self._messages.get((int(params["chat_id"]), int(params["message_id"])))
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        if message.get("reply_markup") == markup:
            raise ApiError(400, "Bad Request: message is not modified")
        if markup:
            message["reply_markup"] = markup
        else:
            message.pop("reply_markup", None)
        return {k: v for k, v in message.items() if not k.startswith("_")}

    def _api_answerCallbackQuery(self, params: dict) -> bool:
        if params["callback_query_id"] not in self._callbacks:
            raise ApiError(400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
        self._callbacks.discard(params["callback_query_id"])
        if len(params.get("text", "")) > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        return True

    def _api_answerInlineQuery(self, params: dict) -> bool:
        if params["inline_query_id"] not in self._inline:
            raise ApiError(400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
        self._inline.discard(params["inline_query_id"])
        results = self.json_param(params, "results")
        if len(params.get("next_offset", "").encode()) > 64:
            raise ApiError(400, "Bad Request: next_offset is too long")
        if len(results) > 50 or len({r["id"] for r in results}) != len(results):
            raise ApiError(400, "Bad Request: RESULTS_TOO_MUCH or duplicate id")
        for result in results:
            if not 1 <= len(result["id"].encode()) <= 64 or result["type"] != "article" or not result["title"]:
                raise ApiError(400, "Bad Request: RESULT_ID_INVALID")
            content = result["input_message_content"]
            visible_text(content["message_text"], content.get("parse_mode"))
            check_markup(result.get("reply_markup"))
        params["results"] = results
        return True

    def _api_sendChatAction(self, params: dict) -> bool:
        self._chat(params["chat_id"])
        if params.get("action") not in {"typing", "upload_document", "find_location"}:
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        return True

    def _api_setMyCommands(self, params: dict) -> bool:
        commands = self.json_param(params, "commands")
        for command in commands:
            if not _COMMAND.fullmatch(command["command"]) or not 1 <= len(command["description"]) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
        scope = self.json_param(params, "scope") or {"type": "default"}
        if scope["type"] == "default":
            self.commands = commands
        key = scope["type"] if "chat_id" not in scope else f"{scope['type']}:{scope['chat_id']}"
        self.menus[key] = [command["command"] for command in commands]
        return True

    def _api_setMyDescription(self, params: dict) -> bool:
        if len(params.get("description", "")) > 512:
            raise ApiError(400, "Bad Request: description is too long")
        self.descriptions["description"] = params.get("description", "")
        return True

    def _api_setMyShortDescription(self, params: dict) -> bool:
        if len(params.get("short_description", "")) > 120:
            raise ApiError(400, "Bad Request: short description is too long")
        self.descriptions["short_description"] = params.get("short_description", "")
        return True

    def _api_getMyCommands(self, params: dict) -> list[dict]:
        return self.commands

    def _api_deleteMyCommands(self, params: dict) -> bool:
        self.commands = []
        return True

    def _api_close(self, params: dict) -> bool:
        return True

    def _api_logOut(self, params: dict) -> bool:
        return True


class _suppress_os_errors:
    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type | None, *rest: object) -> bool:
        return kind is not None and issubclass(kind, OSError)


# --- a tiny seeds folder the conversations are played over -----------------------------------

SEED_NOTES = {
    "therecord/LINE-accounts-hacked.md": (
        "LINE accounts for more than 100 Taiwanese politicians were hacked",
        "The Record",
        "https://therecord.media/line-accounts-hacked/",
        "July 28, 2021",
        "Catalin Cimpanu",
        [
            "The LINE accounts of more than 100 Taiwanese politicians and government officials have been "
            "hacked, and data exfiltrated from devices.",
            "The intrusions were discovered by LINE, which notified the affected politicians.",
            "LINE is the most popular instant messaging application in Taiwan.",
        ],
        ["LINE", "Taiwan", "espionage"],
    ),
    "zdnet/Hospital-ransomware.md": (
        "Ransomware gang hits a German hospital & its <admin> portal",
        "ZDNet",
        "https://www.zdnet.com/article/hospital-ransomware/?a=1&b=2",
        "September 10, 2021",
        "Jane Doe",
        [
            "A ransomware attack encrypted the servers of a university hospital in Düsseldorf, Germany.",
            "The ransomware gang entered through a Citrix vulnerability and asked for a ransom in bitcoin.",
            "Emergency patients were redirected to other hospitals while the ransomware was cleaned up.",
        ],
        ["ransomware", "hospital", "Germany"],
    ),
    "zdnet/Conti-leak.md": (
        "Conti ransomware playbook leaked by an angry affiliate",
        "ZDNet",
        "https://www.zdnet.com/article/conti-leak/",
        "August 6, 2021",
        "John Roe",
        [
            "An affiliate of the Conti ransomware operation leaked the gang's training material.",
            "The Conti playbook shows how the ransomware operators use Cobalt Strike and AnyDesk.",
        ],
        ["ransomware", "Conti", "leak"],
    ),
    "bleepingcomputer/ProxyShell.md": (
        "Microsoft Exchange servers hacked via ProxyShell exploits",
        "BleepingComputer",
        "https://www.bleepingcomputer.com/news/security/proxyshell/",
        "August 21, 2021",
        "Lawrence Abrams",
        [
            "Attackers scan for Microsoft Exchange servers vulnerable to the ProxyShell exploit chain.",
            "Once inside, the attackers drop web shells and later deploy LockFile ransomware.",
        ],
        ["Exchange", "ProxyShell", "Microsoft"],
    ),
}


def write_seeds(folder: Any) -> None:
    """Write :data:`SEED_NOTES` into ``folder`` in the ``## Information:`` note format."""
    from pathlib import Path

    for path, (title, source, link, day, author, paragraphs, tags) in SEED_NOTES.items():
        target = Path(folder) / path
        target.parent.mkdir(parents=True, exist_ok=True)
        body = "\n\n\n".join(paragraphs)
        tag_line = " ".join(f"[[{tag}]]" for tag in tags)
        target.write_text(
            f"# {title}\n### \n\n## Information:\n+ Source: {source}\n+ Link: [article]({link})\n"
            f"+ Date: {day}\n+ Author: {author}\n\n\n## Article:\n{body}\n\n\n\n\n#### Tags:\n{tag_line}\n",
            encoding="utf-8",
        )


# --- the real bot process against the fake ---------------------------------------------------

ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent


class BotProcess:
    """``python -m bot <args>`` in ``workdir`` against ``api``; its output goes to a log file
    (a pipe nobody reads would block a chatty bot). Use as a context manager: it is killed at exit."""

    def __init__(
        self,
        api: FakeTelegram | None,
        workdir: Any,
        args: tuple[str, ...] = ("run",),
        open_files: int | None = None,
        **env: str,
    ) -> None:
        """``open_files`` sets the process's RLIMIT_NOFILE (how many file descriptors it may hold)."""
        import os
        from pathlib import Path

        self.workdir = Path(workdir)
        self.log_path = self.workdir / f"bot-{next(_process_numbers)}.log"
        base = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("TELEGRAM_", "ALLOWED_", "ADMIN_", "WEBHOOK_", "LOG_", "HEARTBEAT_"))
        }
        base.update(
            TELEGRAM_BOT_TOKEN=TOKEN,
            SEEDS_DIR=str(self.workdir / "seeds"),
            INDEX_DIR=str(self.workdir / "index"),
            PYTHONPATH=str(ROOT),
            PYTHONUNBUFFERED="1",
        )
        if api is not None:
            base["TELEGRAM_API_BASE_URL"] = api.base_url
        base.update(env)
        self.env = base
        self.args = args
        self.open_files = open_files
        self.process: Any = None

    def start(self) -> BotProcess:
        import subprocess
        import sys

        self._log = open(self.log_path, "ab")  # noqa: SIM115  the bot's output for its whole life, closed in __exit__
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", *self.args],
            cwd=self.workdir,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            preexec_fn=self._limit if self.open_files else None,
        )
        return self

    def _limit(self) -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_NOFILE, (self.open_files, self.open_files))

    def __enter__(self) -> BotProcess:
        """Starts the process, unless ``start()`` already did (a second one would be left running)."""
        return self if self.process is not None else self.start()

    def __exit__(self, *exc: object) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=10)
        self._log.close()

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        return self.log_path.read_text("utf-8", errors="replace")

    def wait_log(self, needle: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.log()
            if needle in text:
                return text
            if self.process.poll() is not None:
                raise AssertionError(f"bot exited {self.process.returncode} before {needle!r}:\n{text[-3000:]}")
            time.sleep(0.05)
        raise AssertionError(f"no {needle!r} in the bot's log within {timeout} s:\n{self.log()[-3000:]}")

    def stop(self, sig: int | None = None, timeout: float = 15.0) -> tuple[int, float]:
        """Send ``sig`` (SIGTERM) and wait; returns (exit code, seconds it took)."""
        import signal as _signal

        started = time.monotonic()
        self.process.send_signal(sig or _signal.SIGTERM)
        code = self.process.wait(timeout=timeout)
        return code, time.monotonic() - started

    def rss_kb(self) -> int:
        with open(f"/proc/{self.pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        raise AssertionError("no VmRSS")

    def cli(self, *args: str, timeout: float = 30.0) -> Any:
        """Run another ``python -m bot`` command with the same settings (e.g. ``health``)."""
        import subprocess
        import sys

        return subprocess.run(
            [sys.executable, "-m", "bot", *args],
            cwd=self.workdir,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )


_process_numbers = itertools.count(1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def update_lines(log: str) -> list[dict]:
    """The per-update log records in a bot's log."""
    out = []
    for line in log.splitlines():
        _, marker, rest = line.partition(" bot.updates: update ")
        if marker:
            out.append(json.loads(rest))
    return out
