// The chat page's behaviour that Gradio's components do not give: `[n]` citations as buttons
// that open their passage in a popover (a sheet on a phone), "open the whole document at this
// passage", new answers shown from their top, Copy as clean Markdown. Loaded once in the page's
// <head> (web/ui.py). Every answer card carries its own sources (.tc-sources, hidden), so an
// older answer's [n] opens its own passage. Text is only ever set with textContent.
(() => {
  if (window.tcPage) return;
  window.tcPage = true;
  let pop = null;
  let opener = null;

  const number = (el) => {
    for (const c of el.classList) {
      const m = /^tc-n-(\d+)$/.exec(c);
      if (m) return m[1];
    }
    return null;
  };
  const make = (tag, cls, text) => {
    const el = document.createElement(tag);
    if (cls) el.className = cls;
    if (text !== undefined) el.textContent = text;
    return el;
  };

  function closePop(refocus = true) {
    if (!pop) return;
    pop.remove();
    pop = null;
    document.body.classList.remove("tc-pop-shown");
    if (refocus && opener && opener.isConnected) opener.focus();
  }

  function openDocument(request) {
    window.tcDocRequest = JSON.stringify(request);
    document.querySelectorAll("#document #tc-hl").forEach((el) => el.removeAttribute("id"));
    const button = document.querySelector("#doc-open");
    if (button) button.click();
  }

  function openPop(button) {
    const card = button.closest(".tc-card");
    const n = number(button);
    const src = card && n ? card.querySelector(".tc-sources .tc-n-" + n) : null;
    closePop(false);
    if (!src) return;
    const get = (sel) => (src.querySelector(sel) || {}).textContent || "";
    pop = make("div", "tc-pop");
    pop.id = "tc-pop";
    pop.setAttribute("role", "dialog");
    pop.setAttribute("aria-label", "Source [" + n + "]");
    const title = make("p", "tc-pop-title", "[" + n + "] " + get(".tc-src-title") + " — " + get(".tc-src-section"));
    const text = make("blockquote", "tc-pop-text", get(".tc-src-text"));
    const row = make("div", "tc-pop-actions");
    const open = make("button", "tc-pop-open", "Open the whole document at this passage");
    open.type = "button";
    open.addEventListener("click", () => {
      openDocument({ doc: get(".tc-src-doc"), section: get(".tc-src-section"), text: get(".tc-src-text") });
      closePop(false);
    });
    const close = make("button", "tc-pop-close", "Close");
    close.type = "button";
    close.addEventListener("click", () => closePop());
    row.append(open, close);
    pop.append(title, text, row);
    document.body.append(pop);
    document.body.classList.add("tc-pop-shown");
    if (window.innerWidth < 640) {
      pop.classList.add("tc-sheet");
    } else {
      const r = button.getBoundingClientRect();
      const width = Math.min(460, window.innerWidth - 24);
      pop.style.width = width + "px";
      pop.style.left = Math.max(12, Math.min(r.left, window.innerWidth - width - 12)) + "px";
      const below = r.bottom + 8;
      const h = pop.getBoundingClientRect().height;
      pop.style.top = (below + h < window.innerHeight ? below : Math.max(12, r.top - h - 8)) + "px";
    }
    opener = button;
    open.focus();
  }

  // The chat's own Copy would copy the card's HTML: copy the Markdown the card carries instead.
  function copyMarkdown(button) {
    let row = button.closest(".message-buttons");
    while (row && !row.matches(".bot-row, .user-row")) row = row.previousElementSibling;
    const pre = row && row.matches(".bot-row") ? row.querySelector(".tc-md") : null;
    if (!pre || !navigator.clipboard) return false;
    navigator.clipboard.writeText(pre.textContent);
    return true;
  }

  document.addEventListener(
    "click",
    (ev) => {
      const target = ev.target instanceof Element ? ev.target : null;
      if (!target) return;
      const cite = target.closest(".tc-cite");
      if (cite && cite.closest("#chat")) {
        ev.preventDefault();
        ev.stopPropagation();
        openPop(cite);
        return;
      }
      const copy = target.closest("#chat .message-buttons button[aria-label='Copy message']");
      if (copy && copyMarkdown(copy)) {
        ev.preventDefault();
        ev.stopPropagation();
        return;
      }
      if (pop && !pop.contains(target)) closePop(false);
    },
    true,
  );
  document.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape" && pop) closePop();
  });

  // The passage of an opened document: in view and highlighted once the document has arrived.
  window.tcShowHighlight = () => {
    const started = Date.now();
    const look = () => {
      const el = document.querySelector("#document #tc-hl");
      if (el) {
        el.setAttribute("tabindex", "-1");
        el.scrollIntoView({ block: "center" });
        el.focus({ preventScroll: true });
      } else if (Date.now() - started < 8000) {
        setTimeout(look, 100);
      }
    };
    look();
  };

  // A new answer is shown from its top (its title, or a red flag's heading), not its bottom.
  let seen = "";
  const follow = () => {
    const log = document.querySelector("#chat [role=log]");
    if (!log) return;
    const cards = log.querySelectorAll(".bot-row .tc-card");
    const last = cards[cards.length - 1];
    const key = cards.length + (last && last.classList.contains("tc-pending") ? "p" : "f");
    if (key === seen) return;
    seen = key;
    if (!last) return;
    requestAnimationFrame(() => {
      log.scrollTop += last.getBoundingClientRect().top - log.getBoundingClientRect().top - 8;
    });
  };
  const start = () => new MutationObserver(follow).observe(document.body, { subtree: true, childList: true });
  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
})();
