"""Exercise-library formats: a fenced metadata block, "Also known as" aliases, Steps / Tips /
Description sections, image links and an HTML page's author and licence. Small documents
written here (shaped like a clinic's own exports), plus one integration test over the real
development corpora when they are present."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ingest.clean import clean
from ingest.files import discover
from ingest.load import load
from ingest.sections import parse
from ingest.types import ParsedDocument, SectionKind

K = SectionKind
DEV_CORPORA = Path(__file__).resolve().parents[3] / "shared" / "dev-corpora"

EXPORTED_MD = """# Single-Leg Wall Sit

> A wall sit on one leg for the front of the thigh.

```
id: 0042
type: isometric
primary: quadriceps
secondary: glutaeus maximus, gastrocnemius
equipment: body, wall
```

## Steps

 - Stand with your back flat against a wall.
 - Slide down until the knees are bent to 90 degrees.
 - Lift one foot and hold for 20 seconds.

## Tips

 - Keep the knee over the ankle.

## Images

![](./../img/0042-start.svg "")

![start](../img/0042-end.svg)
"""

PAGE_HTML = """<!DOCTYPE html><html><head><title>Band Pull Apart</title>
<meta name="author" content="A. Physio">
<meta name="license" content="CC-BY-SA 4">
</head><body>
<h1>Band Pull Apart</h1>
<p>Also known as: Pull-aparts, Band Pullapart | Pull-aparts</p>
<h2>Description</h2>
<p>Hold a resistance band at shoulder height and pull it apart by squeezing the shoulder blades.</p>
<img src="pics/pull-apart.png"><img src="https://example.org/tracker.gif">
<h2>Tips</h2><ul><li>Slow, controlled movements</li></ul>
</body></html>"""


def _parsed(tmp_path: Path, name: str, text: str) -> ParsedDocument:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return parse(clean(load(path)))


def test_a_fenced_metadata_block_becomes_metadata_not_text(tmp_path: Path) -> None:
    doc = _parsed(tmp_path, "single-leg-wall-sit.md", EXPORTED_MD)
    assert doc.meta["muscles"] == ["quadriceps"]
    assert doc.meta["secondary_muscles"] == ["glutaeus maximus", "gastrocnemius"]
    assert doc.meta["equipment"] == ["body", "wall"]
    assert doc.meta["type"] == "isometric"
    assert doc.meta["source_id"] == "0042"
    assert doc.meta["region"] == ["thigh"]  # from the primary muscle
    text = "\n".join(s.text for s in doc.sections)
    assert "primary:" not in text and "0042" not in text and "equipment" not in text


def test_steps_tips_and_a_quoted_summary_map_to_section_kinds(tmp_path: Path) -> None:
    doc = _parsed(tmp_path, "single-leg-wall-sit.md", EXPORTED_MD)
    kinds = [(s.kind, s.title) for s in doc.sections]
    assert kinds == [(K.OVERVIEW, "Overview"), (K.STEPS, "Steps"), (K.TIPS, "Tips")]
    assert doc.sections[0].blocks[0].text == "A wall sit on one leg for the front of the thigh."
    assert len(doc.sections[1].blocks) == 3


def test_images_are_kept_as_relative_paths_and_never_as_text(tmp_path: Path) -> None:
    doc = _parsed(tmp_path, "single-leg-wall-sit.md", EXPORTED_MD)
    assert doc.meta["images"] == ["../img/0042-start.svg", "../img/0042-end.svg"]
    assert all("svg" not in s.text and s.title != "Images" for s in doc.sections)


def test_a_code_block_that_is_not_metadata_stays_text(tmp_path: Path) -> None:
    text = ("# Hold\n\n```\nsets: three, slowly\nrest: a minute between sets\nprimary: quadriceps\n```\n\n"
            "## Steps\n\n- Hold the position.\n- Breathe out.\n")
    doc = _parsed(tmp_path, "hold.md", text)
    assert "muscles" not in doc.meta
    assert "rest: a minute between sets" in "\n".join(s.text for s in doc.sections)


def test_html_aliases_become_technique_names_and_author_licence_metadata(tmp_path: Path) -> None:
    doc = _parsed(tmp_path, "band-pull-apart.html", PAGE_HTML)
    assert doc.meta["techniques"] == ["Pull-aparts", "Band Pullapart"]
    assert doc.meta["author"] == "A. Physio" and doc.meta["license"] == "CC-BY-SA 4"
    assert doc.meta["images"] == ["pics/pull-apart.png"]  # a remote image is never kept
    # a description that instructs ("Hold a band...") is the technique's procedure
    assert [(s.kind, s.title) for s in doc.sections] == [(K.STEPS, "Technique"), (K.TIPS, "Tips")]
    assert "Also known as" not in "\n".join(s.text for s in doc.sections)


def test_an_also_known_as_heading_lists_names_and_keeps_catalog_names(tmp_path: Path) -> None:
    text = ("---\ntechniques: [wall sit]\n---\n# Wall Squat\n\n## Also known as\n\n- Wall sit\n- Chair pose\n\n"
            "## Steps\n\n1. Lean on the wall.\n2. Slide down.\n")
    doc = _parsed(tmp_path, "wall-squat.md", text)
    assert doc.meta["techniques"] == ["wall sit", "Chair pose"]  # no duplicate of "Wall sit"
    assert [s.kind for s in doc.sections] == [K.STEPS]


def test_a_muscle_named_more_precisely_gets_the_precise_region(tmp_path: Path) -> None:
    text = EXPORTED_MD.replace("primary: quadriceps", "primary: biceps femoris")
    assert _parsed(tmp_path, "curl.md", text).meta["region"] == ["thigh"]
    text = EXPORTED_MD.replace("primary: quadriceps", "primary: biceps brachii")
    assert _parsed(tmp_path, "curl.md", text).meta["region"] == ["arm"]


@pytest.mark.integration
@pytest.mark.skipif(not DEV_CORPORA.is_dir() and not os.environ.get("CI"),
                    reason=f"the development corpora are not at {DEV_CORPORA} (CI has them)")
def test_the_development_corpora_ingest_with_their_metadata() -> None:
    for folder, count in ((DEV_CORPORA / "everkinetic" / "md", 288), (DEV_CORPORA / "wger", 571)):
        found, skipped = discover([folder])
        assert len(found) == count and not skipped
        docs = [parse(clean(load(p))) for p in found]
        assert all(d.sections for d in docs)
        texts = "\n".join(s.text for d in docs for s in d.sections)
        assert "primary:" not in texts and ".svg" not in texts and "Also known as" not in texts
        if folder.name == "md":
            assert all(d.meta.get("muscles") for d in docs)
            assert sum(bool(d.meta.get("images")) for d in docs) > 0.9 * count  # a few have none
            assert sum(bool(d.meta.get("region")) for d in docs) > 0.9 * count
        else:
            assert all(d.meta.get("license") for d in docs)
            assert sum(bool(d.meta.get("techniques")) for d in docs) >= 30
