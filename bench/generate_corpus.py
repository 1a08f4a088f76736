"""Generate a corpus of synthetic technique documents for scale tests and benchmarks.

Deterministic: the same `n` and `seed` always write the same files, byte for byte. Each
document is markdown with front matter (title, region, type) and the sections a real technique
sheet has (Indications, Positioning, numbered Steps, Cautions, Breathing, Dosage), filled from
templates with varied muscles, regions, positions and verbs so that documents differ.

    python bench/generate_corpus.py OUT_DIR --n 1000 [--seed 7]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Muscle:
    name: str
    region: str
    action: str  # what the muscle does, for the indications


MUSCLES = (
    Muscle("piriformis", "hip", "rotates the hip outward"),
    Muscle("gluteus medius", "hip", "holds the pelvis level when standing on one leg"),
    Muscle("iliopsoas", "hip", "flexes the hip"),
    Muscle("tensor fasciae latae", "hip", "flexes and abducts the hip"),
    Muscle("adductor longus", "thigh", "draws the thigh toward the midline"),
    Muscle("rectus femoris", "thigh", "extends the knee and flexes the hip"),
    Muscle("hamstrings", "thigh", "bend the knee and extend the hip"),
    Muscle("gastrocnemius", "calf", "points the foot and bends the knee"),
    Muscle("soleus", "calf", "points the foot when the knee is bent"),
    Muscle("tibialis anterior", "lower leg", "lifts the foot"),
    Muscle("erector spinae", "low back", "extends the spine"),
    Muscle("multifidus", "low back", "steadies each segment of the spine"),
    Muscle("latissimus dorsi", "mid back", "draws the arm down and back"),
    Muscle("rhomboids", "upper back", "draw the shoulder blades together"),
    Muscle("upper trapezius", "neck", "lifts the shoulder and tilts the head"),
    Muscle("levator scapulae", "neck", "lifts the shoulder blade"),
    Muscle("sternocleidomastoid", "neck", "turns and bends the head"),
    Muscle("scalenes", "neck", "lift the first ribs when breathing hard"),
    Muscle("pectoralis minor", "chest", "draws the shoulder blade forward"),
    Muscle("infraspinatus", "shoulder", "rotates the arm outward"),
    Muscle("subscapularis", "shoulder", "rotates the arm inward"),
    Muscle("wrist flexors", "forearm", "bend the wrist"),
    Muscle("diaphragm", "trunk", "draws air into the lungs"),
    Muscle("tibialis posterior", "lower leg", "supports the arch of the foot"),
)

TYPES = ("stretch", "assisted stretch", "release", "mobilisation", "strengthening exercise", "trigger point release")
POSITIONS = (
    ("supine", "lying on their back with a pillow under the knees"),
    ("prone", "lying face down with the ankles supported on a bolster"),
    ("side-lying", "lying on one side with the lower knee bent for balance"),
    ("seated", "sitting upright on the edge of the table with both feet flat"),
    ("standing", "standing tall beside a wall for balance"),
    ("kneeling", "half-kneeling on a folded towel"),
)
VARIANTS = ("gentle", "deep", "active", "passive", "contract-relax", "pin-and-stretch", "oscillating", "sustained")
VERBS = ("Place", "Rest", "Anchor", "Position", "Set")
PRESSURES = ("broad, flat-handed", "slow, sinking", "light, even", "firm but comfortable", "graded")
MOVES = ("glide", "lengthen", "draw", "ease", "guide", "sweep")
DIRECTIONS = ("toward the insertion", "away from the spine", "toward the joint", "along the fibres", "across the fibres")
CAUTIONS = (
    "Avoid direct pressure over the {region} if there is recent bruising or swelling.",
    "Do not use this {kind} on clients with an acute injury to the {region}.",
    "Stop immediately if the client reports numbness, tingling or sharp pain.",
    "This {kind} is not suitable for clients with osteoporosis in the {region}.",
    "All work must stay pain-free; ease off as soon as the client tenses.",
    "Take care near the joint line and never force the end of range.",
    "Contraindicated after recent surgery to the {region} unless the surgeon has cleared it.",
)
BREATHING = (
    "Ask the client to breathe out slowly as you {move} the tissue and to breathe in as you ease off.",
    "Work with the exhale: the {muscle} lets go most easily at the end of a long breath out.",
    "Keep the client breathing evenly through the nose; a held breath means the pressure is too much.",
)
DOSAGE = (
    "Hold for {hold} seconds and repeat {reps} times.",
    "Perform {reps} sets of {count} slow repetitions, resting between sets.",
    "Hold each position for {hold} seconds; repeat {reps} times on each side.",
)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _document(i: int, rnd: random.Random) -> tuple[str, str]:
    muscle = rnd.choice(MUSCLES)
    kind = rnd.choice(TYPES)
    variant = rnd.choice(VARIANTS)
    position, position_text = rnd.choice(POSITIONS)
    title = f"{muscle.name.capitalize()} {kind}, {variant}, {position} (no. {i + 1})"
    move, direction, pressure = rnd.choice(MOVES), rnd.choice(DIRECTIONS), rnd.choice(PRESSURES)
    steps = [
        f"{rnd.choice(VERBS)} your hands on the {muscle.name} with a {pressure} contact.",
        f"Ask the client to relax the {muscle.region} while you take up the slack in the tissue.",
        f"Slowly {move} the {muscle.name} {direction}, waiting for the tissue to soften before you go further.",
    ]
    if rnd.random() < 0.7:
        steps.append(f"Keep the {muscle.region} still and let the client guide the depth; stay {rnd.randint(2, 5)} cm short of their limit.")
    if rnd.random() < 0.5:
        steps.append(f"Reassess the {muscle.region} range and repeat on the other side.")
    fill = {"region": muscle.region, "kind": kind, "muscle": muscle.name, "move": move}
    cautions = [c.format(**fill) for c in rnd.sample(CAUTIONS, k=rnd.randint(2, 3))]
    dosage = rnd.choice(DOSAGE).format(hold=rnd.choice((20, 30, 45, 60)), reps=rnd.randint(2, 4), count=rnd.choice((8, 10, 12)))
    lines = [
        "---",
        f"title: {json.dumps(title)}",
        f"region: {muscle.region}",
        f"type: {kind}",
        "---",
        f"# {title}",
        "",
        "## Indications",
        "",
        f"{'An' if variant[0] in 'aeiou' else 'A'} {variant} {kind} for the {muscle.name}, which {muscle.action}. Use it for a tight or "
        f"tender {muscle.region} and for clients whose {muscle.region} range is limited.",
        "",
        "## Positioning",
        "",
        f"The client is {position_text}. Stand on the side you are treating, close to the table.",
        "",
        "## Steps",
        "",
        *(f"{n}. {s}" for n, s in enumerate(steps, start=1)),
        "",
        "## Cautions",
        "",
        *(f"- {c}" for c in cautions),
        "",
        "## Breathing",
        "",
        rnd.choice(BREATHING).format(**fill),
        "",
        "## Dosage",
        "",
        dosage,
        "",
    ]
    return f"{i + 1:04d}-{_slug(muscle.name)}-{_slug(kind)}.md", "\n".join(lines)


def generate(out_dir: Path, n: int, seed: int = 7) -> list[Path]:
    """Write `n` technique documents into `out_dir` (created if missing); return their paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rnd = random.Random(seed)
    paths = []
    for i in range(n):
        name, text = _document(i, rnd)
        path = out_dir / name
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path, metavar="OUT_DIR")
    parser.add_argument("--n", type=int, default=1000, help="number of documents (default 1000)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    args = parser.parse_args(argv)
    paths = generate(args.out_dir, args.n, args.seed)
    print(f"wrote {len(paths)} documents to {args.out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
