"""The Chat tab: the conversation, example questions, feedback, and the sources panel beside
it (citations, the cited passage, the whole document, downloads). Layout and wiring only; what
each event does is in `web.handlers`."""

from __future__ import annotations

import gradio as gr

from records.feedback import REASONS
from web.handlers import NO_FEEDBACK_TARGET, ChatHandlers
from web.render import sources_markdown

EXAMPLES = (
    "How do I stretch the QL?",
    "How do I release the psoas?",
    "How long do I hold the psoas stretch?",
    "My client had a hip replacement. Can I do the QL hip hike?",
)
PLACEHOLDER = (
    "**Ask about a technique, a muscle or a body region.**\n\n"
    "Every step of an answer cites its source passage `[n]`; the technique's cautions and a "
    "referral disclaimer always follow."
)
FLAG_NOTICE = (
    "**This conversation raised a red flag.** Every later answer in it repeats the referral, even for "
    "an unrelated question, because the signs named earlier still apply. For another client or topic, "
    "start a new conversation."
)
_ANSWER = {"concurrency_limit": 2, "concurrency_id": "answer"}  # the chat and the API share two workers
_PRIVATE = {"api_visibility": "private"}


def chat_tab(handlers: ChatHandlers):
    """Lay out and wire the tab; returns `ask_with(trigger, source)`, which asks the question
    held by `source` when `trigger` fires (the Library tab's "Ask about this technique")."""
    turns = gr.State([])
    target = gr.State(None)  # the answer feedback is about: {"id": row id, "turn": index}
    with gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=420):
            chatbot = gr.Chatbot(
                label="Technique cards",
                show_label=False,
                elem_id="chat",
                height="68vh",
                min_height=420,
                layout="bubble",
                placeholder=PLACEHOLDER,
                sanitize_html=True,
                autoscroll=False,  # web/page.js shows each new answer from its top instead
                allow_tags=False,
                latex_delimiters=[],
                buttons=["copy"],
                feedback_options=("Like", "Dislike"),
            )
            with gr.Row():
                question_box = gr.Textbox(
                    label="Your question",
                    show_label=False,
                    placeholder="e.g. How do I stretch the QL?",
                    elem_id="question",
                    max_lines=4,
                    scale=5,
                )
                ask = gr.Button("Ask", variant="primary", elem_id="ask", scale=1, min_width=80)
            with gr.Row(elem_classes="tc-examples"):
                examples = [gr.Button(q, size="sm", elem_classes="tc-example") for q in EXAMPLES]
            with gr.Group(visible=False, elem_id="flag-notice") as notice:
                gr.Markdown(FLAG_NOTICE, elem_id="flag-text")
                restart = gr.Button("Start a new conversation", variant="stop", elem_id="flag-new")
            new = gr.Button("New conversation", size="sm", elem_id="new-conversation")
            with gr.Accordion("Feedback on an answer", open=False, elem_id="feedback") as panel:
                note = gr.Markdown(NO_FEEDBACK_TARGET, elem_id="fb-note")
                rating = gr.Radio([("Helpful", "up"), ("Not helpful", "down")], label="Rating", elem_id="fb-rating")
                reason = gr.Dropdown(
                    [(r.capitalize(), r) for r in REASONS], value=None, label="Reason (optional)", elem_id="fb-reason"
                )
                comment = gr.Textbox(label="Comment (optional)", lines=2, max_lines=6, elem_id="fb-comment")
                send = gr.Button("Send feedback", elem_id="fb-send")
        with gr.Column(scale=2, min_width=320, elem_id="sources-panel"):
            gr.Markdown("### Sources")
            citation = gr.Radio([], label="Citations of the last answer", elem_id="citations")
            passage = gr.Markdown(elem_id="passage", elem_classes="tc-passage", latex_delimiters=[])
            view = gr.Button("View whole document", size="sm", elem_id="view-doc")
            with gr.Accordion("Source document", open=False, elem_id="document-panel") as doc_panel:
                document = gr.HTML(elem_id="document")
            # what a citation popover asks for (web/page.js): hidden, clicked by the script
            doc_request = gr.Textbox(elem_id="doc-request", elem_classes="tc-offscreen", label="Document request")
            doc_open = gr.Button("Open document", elem_id="doc-open", elem_classes="tc-offscreen")
            with gr.Accordion("All cited passages", open=False, elem_id="all-sources-panel"):
                all_sources = gr.Markdown(sources_markdown(None), elem_id="all-sources", latex_delimiters=[])
            gr.Markdown("### Export")
            with gr.Row():
                answer_file = gr.DownloadButton("This answer (.md)", interactive=False, size="sm", elem_id="dl-answer")
                conversation_file = gr.DownloadButton(
                    "Whole conversation (.md)", interactive=False, size="sm", elem_id="dl-conversation"
                )
            handout_file = gr.DownloadButton(
                "Client handout (.pdf)", interactive=False, size="sm", elem_id="dl-handout", variant="primary"
            )

    after = [citation, passage, all_sources, answer_file, conversation_file, notice, handout_file]

    def ask_with(trigger, source) -> None:
        trigger(handlers.respond, [source, turns], [chatbot, turns, question_box], **_ANSWER, **_PRIVATE).then(
            handlers.after_answer, [turns], after, **_PRIVATE
        )

    ask_with(question_box.submit, question_box)
    ask_with(ask.click, question_box)
    for button, text in zip(examples, EXAMPLES):
        ask_with(button.click, gr.State(text))

    citation.change(handlers.passage, [citation, turns], passage, **_PRIVATE)
    view.click(handlers.document, [citation, turns], [document, doc_panel], **_PRIVATE).then(
        None, js="() => window.tcShowHighlight && window.tcShowHighlight()"
    )
    doc_open.click(
        handlers.open_document, [doc_request], [document, doc_panel], js="(x) => window.tcDocRequest || x", **_PRIVATE
    ).then(None, js="() => window.tcShowHighlight && window.tcShowHighlight()")

    def forget():
        return [], [], None, NO_FEEDBACK_TARGET, ""

    for event in (new.click, restart.click, chatbot.clear):
        event(forget, None, [chatbot, turns, target, note, document], **_PRIVATE).then(
            handlers.after_answer, [turns], after, **_PRIVATE
        )
    chatbot.like(handlers.like, [turns, target], [target, rating, note, panel], **_PRIVATE)
    send.click(handlers.send_feedback, [target, turns, rating, reason, comment], [target, note, comment], **_PRIVATE)

    def chat(question: str, history: list[str] | None = None) -> str:
        """Answer a question from the technique library: the technique card as Markdown.

        `history` is the conversation's earlier questions, oldest first (for follow-ups)."""
        return handlers.ask(question, history).answer

    gr.api(chat, api_name="chat", **_ANSWER)
    return ask_with
