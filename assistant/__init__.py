"""Assistant: triage, retrieve, compose and answer with code-owned citations and cautions."""
