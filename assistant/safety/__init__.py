"""Clinical safety: red-flag triage, the scope check, the client's conditions, contraindication
verdicts and ranked cautions. Nothing is loaded at import time; `load_rules()` reads and
validates every rule file at start-up."""

from __future__ import annotations


def load_rules() -> None:
    """Read and validate every safety rule file (a `TechniquesError` naming the file and the
    field when one is broken). Each loader caches its result, so answering never reads them."""
    from assistant.safety import cautions, conditions, context, contraindications, lexicon, meaning, scope, triage
    from ingest.risk import risk_rules

    triage.rules()
    scope.scope_rules()
    lexicon.lexicon()
    context.context_rules()
    meaning.families()
    conditions.condition_rules()
    contraindications.table()
    cautions.caution_rules()
    risk_rules()
