"""The page's CSS: the technique card, its cautions, red-flag answers, the library cards.

Colours are translucent so the same rules read in light and dark mode."""

CSS = """
.tc-card h2 { margin-top: 0.2em; font-size: 1.25em; }
.tc-cautions {
  border-left: 5px solid #d97706; background: rgba(245, 158, 11, 0.14);
  padding: 0.4em 0.9em; margin: 0.6em 0; border-radius: 6px;
}
.tc-check {
  border-left: 5px solid #dc2626; background: rgba(220, 38, 38, 0.12);
  padding: 0.4em 0.9em; margin: 0.6em 0; border-radius: 6px;
}
.tc-check blockquote { border-left: none; margin: 0; padding: 0; }
.tc-disclaimer { font-size: 0.88em; opacity: 0.85; border-top: 1px solid rgba(128, 128, 128, 0.4); padding-top: 0.4em; }
.tc-redflag {
  border: 3px solid #b91c1c; background: rgba(220, 38, 38, 0.16);
  padding: 0.5em 1em; border-radius: 8px;
}
.tc-redflag h2 { color: #b91c1c; text-transform: none; }
.tc-noanswer { opacity: 0.95; }
.tc-passage { border-left: 4px solid #0d9488; padding-left: 0.8em; }
.tc-examples button { flex: 0 1 auto !important; }
.tc-lib { display: grid; grid-template-columns: repeat(auto-fill, minmax(320px, 1fr)); gap: 1em; }
.tc-lib-card { border: 1px solid rgba(128, 128, 128, 0.35); border-radius: 8px; padding: 0.8em 1em; }
.tc-lib-card h3 { margin: 0 0 0.2em 0; }
.tc-lib-card h4 { margin: 0.6em 0 0.2em 0; }
.tc-lib-meta { font-weight: 600; opacity: 0.8; margin: 0; }
.tc-lib-names, .tc-lib-source, .tc-lib-count { font-size: 0.85em; opacity: 0.8; }
.tc-cite {
  font: inherit; font-size: 0.9em; font-weight: 700; color: #042f2e; background: #ccfbf1;
  border: 1px solid rgba(15, 95, 89, 0.5); border-radius: 4px; padding: 0 0.25em; margin: 0 0.05em; cursor: pointer;
}
.dark .tc-cite { color: #99f6e4; border-color: rgba(153, 246, 228, 0.5); }
.tc-cite:hover { background: #99f6e4; }
.dark .tc-cite { background: #134e4a; }
footer .show-api, footer a, footer button { color: #374151 !important; }
.dark footer .show-api, .dark footer a, .dark footer button { color: #d1d5db !important; }
.tc-cite:focus-visible, .tc-pop button:focus-visible, #doc-open:focus-visible { outline: 3px solid #1d4ed8; outline-offset: 2px; }
.tc-sources, .tc-md, .tc-offscreen { display: none !important; }
.tc-pop {
  position: fixed; z-index: 10000; font-family: var(--font), system-ui, sans-serif; background: #ffffff; color: #1f2937; border: 1px solid #6b7280;
  border-radius: 8px; box-shadow: 0 8px 28px rgba(0, 0, 0, 0.25); padding: 0.8em 1em; max-height: 60vh; overflow: auto;
}
.tc-pop.tc-sheet { left: 0; right: 0; bottom: 0; top: auto; width: auto; max-height: 70vh; border-radius: 14px 14px 0 0; }
.tc-pop-title { font-weight: 700; margin: 0 0 0.4em 0; }
.tc-pop-text { white-space: pre-wrap; border-left: 4px solid #0f766e; margin: 0 0 0.6em 0; padding-left: 0.8em; }
.tc-pop-actions { display: flex; flex-wrap: wrap; gap: 0.5em; }
.tc-pop button {
  min-height: 44px; padding: 0.4em 0.9em; border-radius: 6px; border: 1px solid #0f766e; cursor: pointer;
  background: #0f766e; color: #ffffff; font: inherit;
}
.tc-pop button.tc-pop-close { background: #ffffff; color: #0f5f59; }
.tc-doc .tc-hl { background: #fef08a; color: #1f2937; outline: 2px solid #ca8a04; border-radius: 4px; padding: 0.2em 0.4em; }
#flag-notice { border: 2px solid #b91c1c; background: rgba(220, 38, 38, 0.1); padding: 0.6em; border-radius: 8px; }
h1 { font-size: 1.6em !important; margin: 0.2em 0 !important; }
:focus-visible { outline: 3px solid #1d4ed8 !important; outline-offset: 2px; }
@media (max-width: 640px) {
  button, [role="tab"], label:has(input[type="radio"]), label:has(input[type="checkbox"]) { min-height: 44px; }
  .tc-cite { min-width: 44px; }
  #chat { height: 60vh !important; }
}
.study-right { border-left: 6px solid #15803d !important; background: #f0fdf4; color: #14532d; padding: 0.4em 0.8em; }
.study-wrong { border-left: 6px solid #b91c1c !important; background: #fef2f2; color: #7f1d1d; padding: 0.4em 0.8em; }
.dark .study-right { background: #052e16; color: #bbf7d0; }
.dark .study-wrong { background: #450a0a; color: #fecaca; }
.tc-sub { list-style: none; padding-left: 1em; }
.tc-figures { display: flex; flex-wrap: wrap; gap: 0.8em; }
.tc-figures img { max-width: min(100%, 320px); height: auto; background: #ffffff; border-radius: 6px; }
.tc-technique { border: 1px solid rgba(128, 128, 128, 0.35); border-radius: 8px; padding: 0.8em 1em; margin-bottom: 1em; }
/* a dropdown with nothing chosen yet greys its text (2.5:1): keep it readable */
input.border-none { color: #1f2937 !important; }
.dark input.border-none { color: #e5e7eb !important; }
/* the sources panel grows with its passage instead of becoming a scroll box a keyboard cannot reach */
#passage, #all-sources { max-height: none !important; overflow: visible !important; }
body.tc-pop-shown .scroll-down-button-container { display: none !important; }  /* not over the sheet */
"""
