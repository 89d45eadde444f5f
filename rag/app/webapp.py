"""The browser chat over the indexed corpus, served by ``rag serve`` (``python ui.py`` in a
checkout runs the same command: rag.app.cli's start-up, whose log masks secrets).

Layout and event wiring only.  Answering, rebuilding and the corpus view live in
:mod:`rag.app.chat` (which calls the same library as the CLI), the HTML in
:mod:`rag.app.html`.  This is the only module that imports gradio; it lives in the
package so that an installed wheel serves the same app as a source checkout.

    RAG_AUTH=USER:PASSWORD rag serve [--host 127.0.0.1] [--port 7860] [--corpus DIR] [--index DIR]
    rag serve --auth-file FILE      # or --auth USER:PASSWORD (visible to every local user in `ps`)

Every API value is checked: a malformed one (``null`` for a link, ``"abc"`` for a number)
gets its one-line message, and no traceback reaches the server log.
"""

from __future__ import annotations

import inspect
import os
import sys
from typing import Any, Iterator

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no phoning home
# gradio imports huggingface_hub, which reads this once at import: set it first, or an
# uncached st: model would cost a minute of download retries (rag.embeddings' policy).
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import gradio as gr  # noqa: E402

from rag.app.auth import parse_auth  # noqa: E402
from rag.app.chat import (  # noqa: E402
    ChatEngine,
    Conversation,
    IndexPanel,
    SignIn,
    example_questions,
    llm_choices,
    prepare,
    supports_llm_switch,
)
from rag.app.html import CSS  # noqa: E402
from rag.app.i18n import Lang, gradio_translations, language  # noqa: E402
from rag.config import Settings  # noqa: E402
from rag.errors import RagError  # noqa: E402
from rag.redact import redact_url  # noqa: E402

# Answers are CPU-bound (embedding); more parallel turns than this only queue in the BLAS.
CHAT_CONCURRENCY = 4
QUEUE_SIZE = 64

THEME = gr.themes.Soft(
    primary_hue="indigo",
    neutral_hue="slate",
    font=["Inter", "Noto Sans CJK SC", "Noto Sans SC", "PingFang SC", "Microsoft YaHei", "system-ui", "sans-serif"],
    font_mono=["IBM Plex Mono", "Noto Sans Mono CJK SC", "ui-monospace", "monospace"],
)

I18N = gr.I18n(**gradio_translations())


def quiet_client_errors(component: Any, name: str = "") -> Any:
    """Gradio checks API inputs itself (a slider value out of range, a value not among a
    dropdown's choices) and raises ``gr.Error`` with a traceback printed in the server
    log.  That is the client's mistake, not the server's: the client still gets the same
    one-line message, the log no traceback.  (Wrapped on the instance: a subclass of a
    Gradio component makes Gradio write a .pyi stub beside this module.)"""
    check = component.preprocess

    def preprocess(payload: Any) -> Any:
        try:
            return check(payload)
        except gr.Error as err:
            err.print_exception = False
            raise
        except Exception as err:  # noqa: BLE001 — "abc" for a number: the client's mistake too
            raise gr.Error(f"{name or type(component).__name__}: not a valid value ({type(err).__name__})",
                           print_exception=False) from None

    component.preprocess = preprocess
    return component

def checked(handler: Any, *kinds: tuple[type, ...] | None) -> Any:
    """``handler`` for an API endpoint whose inputs must be of ``kinds`` (None: any).

    Gradio passes on whatever JSON the client sent; a value of another type (``null`` for
    a link, a list for a question) is answered with one line naming the input, and the
    handler never sees it.  A RagError the handler raises is one line too, no traceback.
    """
    import functools

    def check(args: tuple[Any, ...]) -> None:
        for n, (value, kind) in enumerate(zip(args, kinds), 1):
            if kind is not None and not isinstance(value, kind):
                names = " or ".join("null" if k is type(None) else k.__name__ for k in kind)
                raise gr.Error(f"input {n} must be {names}, got {type(value).__name__}", print_exception=False)

    if inspect.isgeneratorfunction(handler):
        @functools.wraps(handler)
        def stream(*args: Any) -> Any:
            check(args)
            try:
                yield from handler(*args)
            except RagError as err:
                raise gr.Error(redact_url(str(err)), print_exception=False) from None

        return stream

    @functools.wraps(handler)
    def call(*args: Any) -> Any:
        check(args)
        try:
            return handler(*args)
        except RagError as err:
            raise gr.Error(redact_url(str(err)), print_exception=False) from None

    return call


TEXT = (str, type(None))


# "whole file" links in answers are fragments (see rag.app.html.file_link): this hands
# one to the hidden box whose change opens the file view.  A counter makes every click a
# change, so the same link opens again after the view was closed.
ON_LOAD_JS = """() => {
  let clicks = 0;
  document.addEventListener('click', (event) => {
    const link = event.target.closest && event.target.closest('a.rag-open');
    if (!link) return;
    event.preventDefault();
    event.stopPropagation();
    const box = document.querySelector('#rag-file-link textarea, #rag-file-link input');
    if (!box) return;
    box.value = link.getAttribute('href') + '&click=' + (++clicks);
    box.dispatchEvent(new Event('input', {bubbles: true}));
  }, true);
}"""
# After the file is shown: bring the cited passage to the middle of the view.
SCROLL_JS = """() => { setTimeout(() => {
  const span = document.querySelector('#rag-file-span');
  if (span) span.scrollIntoView({block: 'center'});
}, 60); }"""


def request_language(request: gr.Request | None) -> Lang:
    """The language the browser asks for (what the server writes follows it)."""
    headers = getattr(request, "headers", None) or {}
    return language(headers.get("accept-language"))


def build_app(settings: Settings, engine: ChatEngine | None = None) -> gr.Blocks:
    """The page: chat on the left, answering options and the corpus on the right."""
    engine = engine or ChatEngine(settings)
    panel = IndexPanel(settings)
    choices = llm_choices(settings)
    examples = example_questions(panel.manifest())

    with gr.Blocks(title="rag · ask your documents", analytics_enabled=False) as app:
        conversation = gr.State(Conversation())
        with gr.Row(elem_id="rag-header"):
            gr.HTML('<h1>rag</h1>', elem_id="rag-title")
            gr.Markdown(I18N("subtitle"), elem_id="rag-subtitle")
            status = gr.HTML(panel.status(), elem_id="rag-status")
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=420):
                chatbot = gr.Chatbot(
                    elem_id="rag-chat", show_label=False, height="68vh", min_height=420,
                    placeholder=str(I18N("placeholder")), examples=[{"text": q} for q in examples] or None,
                    latex_delimiters=[], feedback_options=None, buttons=["copy_all"],
                )
                with gr.Row(elem_id="rag-input"):
                    question = quiet_client_errors(gr.Textbox(
                        placeholder=I18N("question"), show_label=False, container=False, scale=8, max_lines=6,
                        autofocus=True, elem_id="rag-question"), "question")
                    send = gr.Button(I18N("ask"), variant="primary", scale=0, min_width=80, elem_id="rag-send")
                    new_chat = gr.Button(I18N("new_chat"), scale=0, min_width=120, elem_id="rag-new")
            with gr.Column(scale=1, min_width=300, elem_id="rag-side"):
                gr.Markdown(I18N("answering"))
                llm = quiet_client_errors(gr.Dropdown(
                    choices, value=settings.llm, label=I18N("llm"),
                    interactive=len(choices) > 1 and supports_llm_switch(), elem_id="rag-llm"), "llm")
                top_k = quiet_client_errors(gr.Slider(1, 20, value=settings.top_k, step=1, label=I18N("top_k"),
                                                      elem_id="rag-topk"), "top_k")
                gr.Markdown(I18N("corpus"))
                corpus = gr.HTML(panel.corpus(), elem_id="rag-corpus")
                rebuild = gr.Button(I18N("rebuild"), size="sm", elem_id="rag-rebuild")
                rebuild_status = gr.HTML("", elem_id="rag-rebuild-status")
        file_link = quiet_client_errors(gr.Textbox(visible="hidden", elem_id="rag-file-link"), "link")
        with gr.Column(visible=False, elem_id="rag-file-panel") as file_panel:
            close_file = gr.Button(I18N("close"), size="sm", scale=0, elem_id="rag-file-close")
            file_view = gr.HTML("", elem_id="rag-file")

        def answer(message: str, conv: Conversation, llm_spec: str, k: float,
                   request: gr.Request) -> Iterator[tuple]:
            for step in engine.respond(message, conv, llm_spec, k, lang=request_language(request)):
                yield step.messages, step, ""

        def pick_example(event: gr.SelectData) -> str:
            return event.value["text"]

        def open_file(link: str, request: gr.Request) -> tuple[str, Any]:
            return panel.whole_file(link, request_language(request)), gr.Column(visible=True)

        def rebuild_index(request: gr.Request) -> Iterator[tuple[str, str, str]]:
            yield from panel.rebuild(request_language(request))

        def on_load(request: gr.Request) -> tuple[str, str]:
            lang = request_language(request)
            return panel.corpus(lang), panel.status(lang)

        ask_inputs = [question, conversation, llm, top_k]
        ask_outputs = [chatbot, conversation, question]
        gr.on([question.submit, send.click], checked(answer, TEXT, None, TEXT, None), ask_inputs, ask_outputs,
              api_name="chat", concurrency_limit=CHAT_CONCURRENCY, concurrency_id="chat")
        chatbot.example_select(pick_example, None, question, api_visibility="private").then(
            answer, ask_inputs, ask_outputs, concurrency_id="chat", api_visibility="private")
        new_chat.click(lambda: ([], Conversation()), None, [chatbot, conversation], api_name="new_chat")
        chatbot.clear(Conversation, None, conversation, api_visibility="private")
        rebuild.click(rebuild_index, None, [rebuild_status, corpus, status], api_name="rebuild",
                      concurrency_limit=1, concurrency_id="rebuild")
        file_link.change(checked(open_file, TEXT), file_link, [file_view, file_panel], api_name="open_file").then(
            None, None, None, js=SCROLL_JS)
        close_file.click(lambda: gr.Column(visible=False), None, file_panel, api_visibility="private")
        app.load(on_load, None, [corpus, status], api_visibility="private")
    return app


def launch(app: gr.Blocks, host: str = "127.0.0.1", port: int = 7860, auth: str | None = None,
           block: bool = True, quiet: bool = False, sign_in: SignIn | None = None) -> str:
    """Serve ``app`` (queued, concurrent) and return its local URL; blocks unless ``block=False``.

    ``auth`` is ``USER:PASSWORD``; failed sign-ins are rate-limited (:class:`SignIn`, or
    the one given)."""
    credentials = parse_auth(auth)
    check = sign_in or (SignIn(*credentials) if credentials else None)
    app.queue(default_concurrency_limit=CHAT_CONCURRENCY, max_size=QUEUE_SIZE)
    try:
        _, url, _ = app.launch(server_name=host, server_port=port, auth=check,
                               auth_message="rag: sign in to ask the documents" if check else None,
                               prevent_thread_lock=not block, quiet=quiet, show_error=False,
                               theme=THEME, css=CSS, js=ON_LOAD_JS, i18n=I18N, footer_links=["api"],
                               ssr_mode=False)
    except OSError as err:
        raise RagError(f"cannot serve on {host}:{port} ({err}): pass another --port") from None
    return url


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 7860, auth: str | None = None) -> None:
    """Load (or build) the index once, then serve the chat until interrupted."""
    parse_auth(auth)  # fail on a malformed --auth before the slow part
    prepare(settings, say=lambda line: print(line, file=sys.stderr, flush=True))
    print(f"rag: serving {settings.corpus} on http://{host}:{port}"
          + (" (sign-in required)" if auth else ""), file=sys.stderr, flush=True)
    launch(build_app(settings), host, port, auth)
