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
"""
