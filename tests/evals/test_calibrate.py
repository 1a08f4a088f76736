"""The fitting arithmetic of evals/calibrate.py, on matches made up here (no model, no corpus)."""

from __future__ import annotations

from types import SimpleNamespace

from evals.calibrate import best_threshold, grid_hits, weight_grid


def test_the_weight_grid_covers_every_weighting_that_sums_to_one() -> None:
    grid = weight_grid(0.5, 3)
    assert sorted(grid) == sorted([(0.0, 0.0, 1.0), (0.0, 0.5, 0.5), (0.0, 1.0, 0.0), (0.5, 0.0, 0.5),
                                   (0.5, 0.5, 0.0), (1.0, 0.0, 0.0)])
    assert len(weight_grid(0.1, 6)) == 3003 and all(abs(sum(w) - 1) < 1e-9 for w in weight_grid(0.1, 6))


def test_grid_hits_re_ranks_each_question_under_each_weighting_and_adds_the_rule_out_field() -> None:
    m = lambda doc_id, *fields: SimpleNamespace(doc_id=doc_id, fields=fields)  # noqa: E731
    found = [
        ({"a"}, (m("b", 1.0, 0.0, 0.0), m("a", 0.0, 1.0, 0.0))),  # the second field finds it
        ({"c"}, (m("c", 1.0, 0.0, 0.0), m("d", 0.0, 0.9, -1.0))),  # "d" is ruled out whatever the weights
    ]
    hits = grid_hits(found, [(1.0, 0.0), (0.0, 1.0)])
    assert hits.tolist() == [1, 2]


def test_the_threshold_makes_the_fewest_mistakes() -> None:
    threshold, errors = best_threshold([0.5, 0.6, 0.7], [0.1, 0.2, 0.55])
    assert errors == 1 and 0.2 < threshold <= 0.5
