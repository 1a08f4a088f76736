"""`techniques eval`: run regression datasets against the assistant and gate on them; and
`techniques eval generate PATH... --out cases.yaml`: write starter cases from a library.

`generate` is a word in the dataset position rather than a subcommand, so that
`techniques eval cases.yaml` keeps working as it always has.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from techniques.errors import TechniquesError

GENERATE = "generate"


def add_eval_command(subparsers: argparse._SubParsersAction, store_arg: Callable[[argparse.ArgumentParser], None]) -> None:
    p = subparsers.add_parser(
        "eval", help="run regression Q&A datasets and gate on their metrics (or: eval generate PATH... --out FILE)",
        description="Run eval datasets; exit 1 when a case fails (unless --allow-failures or --min thresholds are met). "
                    "`techniques eval generate PATH... --out cases.yaml` writes starter cases from a library instead.",
    )
    p.add_argument("datasets", nargs="+", type=Path, metavar="DATASET", help="YAML or JSONL eval datasets (or: generate PATH...)")
    store_arg(p)
    p.add_argument("--k", type=int, default=3, help="rank cut-off for hit@k (default 3)")
    p.add_argument("--report", type=Path, help="write the JSON report here")
    p.add_argument("--markdown", type=Path, help="write a Markdown report here")
    p.add_argument("--junit", type=Path, help="write JUnit XML here")
    p.add_argument("--html", type=Path, metavar="FILE", help="write a self-contained HTML report here")
    p.add_argument("--baseline", type=Path, help="a previous JSON report to diff against (regressions fail the run)")
    p.add_argument("--compare", type=Path, metavar="OTHER.json", help="another JSON report the HTML report shows changes against")
    p.add_argument("--min", action="append", default=[], metavar="METRIC=VALUE", help="fail when METRIC is below VALUE (repeatable)")
    p.add_argument("--allow-failures", action="store_true", help="exit 0 even when cases fail (thresholds and regressions still count)")
    p.add_argument("--out", type=Path, metavar="FILE", help="with `generate`: the cases file to write")
    p.set_defaults(run=_cmd_eval)


def _cmd_eval(args: argparse.Namespace, settings) -> int:
    if str(args.datasets[0]) == GENERATE:
        return _cmd_generate(args)
    if args.out is not None:
        raise TechniquesError("--out is for `techniques eval generate`.", hint="Use --report FILE for the JSON report.", exit_code=2)
    from assistant.service import Assistant
    from evals.gate import eval_config
    from evals.runner import main_eval

    assistant = Assistant(settings)
    assistant.library()  # a missing index is a usage error, before any case runs
    return main_eval(
        args.datasets,
        lambda q, h: assistant.ask(q, h).to_dict(),
        k=args.k,
        config=eval_config(settings, assistant, args.k),
        report=args.report,
        markdown=args.markdown,
        junit=args.junit,
        html=args.html,
        baseline=args.baseline,
        compare=args.compare,
        mins=args.min,
        allow_failures=args.allow_failures,
    )


def _cmd_generate(args: argparse.Namespace) -> int:
    from evals.generate import generate_cases, read_library, write_cases

    paths = args.datasets[1:]
    if not paths or args.out is None:
        raise TechniquesError("Usage: techniques eval generate PATH... --out cases.yaml",
                              hint="Give the folders or files of the library, and the file to write.", exit_code=2)
    cases = generate_cases(read_library(paths))
    write_cases(cases, args.out, paths)
    kinds = {}
    for case in cases:
        kinds[case["intent"]] = kinds.get(case["intent"], 0) + 1
    counts = ", ".join(f"{n} {kind}" for kind, n in kinds.items())
    print(f"wrote {len(cases)} generated cases ({counts}) to {args.out}; review them before trusting them")
    return 0
