"""The parameter-free Ladder on a scripted sequence of submissions (pure numerics)."""

import numpy as np

from submissions.leaderboards.ranking import ladder_accepts


def _losses(wrong: int, n: int = 100) -> np.ndarray:
    losses = np.zeros(n, dtype=int)
    losses[:wrong] = 1
    return losses


def test_it_moves_the_shown_score_only_on_a_significant_improvement():
    # Errors: 40% first; 38% (2 images better: not significant); 30% (10 better, exact p=0.002);
    # 31% (worse); 29% (1 better); then 10% (20 better). Shown: 40, 40, 30, 30, 30, 10.
    sequence = [_losses(40), _losses(38), _losses(30), _losses(31), _losses(29), _losses(10)]
    shown, history = None, []
    for losses in sequence:
        if ladder_accepts(losses, shown):
            shown = losses
        history.append(int(shown.sum()))
    assert history == [40, 40, 30, 30, 30, 10]


def test_probing_by_flipping_single_images_gains_nothing():
    shown = _losses(50)
    for i in range(50):
        probe = shown.copy()
        probe[i] = 0  # one image fixed, e.g. by guessing
        assert not ladder_accepts(probe, shown)
