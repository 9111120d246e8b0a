"""The leaderboard's statistics on cases small enough to compute by hand."""

import math

import numpy as np
import pytest

from submissions import packed, scoring
from submissions.leaderboards import ranking as st


def test_it_unpacks_bits_to_the_image_count():
    bits = np.array([1, 0, 1, 1, 0, 0, 0, 0, 1, 1], dtype=bool)
    assert packed.unpack_bits(np.packbits(bits).tobytes(), 10).tolist() == bits.tolist()


def test_it_unpacks_costs_by_their_width():
    assert packed.unpack_values(np.array([0, 3, 18], dtype=np.uint8).tobytes(), 3).tolist() == [0, 3, 18]
    assert packed.unpack_values(np.array([1, 1000], dtype=np.int16).tobytes(), 2).tolist() == [1, 1000]
    with pytest.raises(ValueError):
        packed.unpack_values(b"\x00\x01\x02", 2)


def test_it_gives_a_degenerate_interval_when_every_image_agrees():
    assert scoring.bootstrap_ci(np.zeros(50)) == (0.0, 0.0)
    assert scoring.bootstrap_ci(np.ones(7)) == (1.0, 1.0)


def test_it_gives_the_binomial_quantiles_for_half_wrong_on_ten_images():
    # A resample's error count is Binomial(10, 0.5): P(X<=1)=0.011 < 2.5% < P(X<=2)=0.055,
    # so the 2.5% quantile is 2 errors and, by symmetry, the 97.5% one is 8.
    assert scoring.bootstrap_ci(np.array([1, 0] * 5)) == (0.2, 0.8)


def test_it_matches_the_normal_approximation_on_many_images():
    losses = np.zeros(10_000)
    losses[:1_000] = 1
    low, high = scoring.bootstrap_ci(losses)
    half_width = 1.96 * math.sqrt(0.1 * 0.9 / 10_000)  # 0.00588
    assert low == pytest.approx(0.1 - half_width, abs=0.0008)
    assert high == pytest.approx(0.1 + half_width, abs=0.0008)


def test_it_is_deterministic():
    losses = np.random.default_rng(1).integers(0, 5, size=500)
    assert scoring.bootstrap_ci(losses) == scoring.bootstrap_ci(losses)


def test_it_bootstraps_costs_around_their_mean():
    losses = np.array([0, 0, 2, 4] * 250)  # mean 1.5, variance 2.75
    low, high = scoring.bootstrap_ci(losses)
    half_width = 1.96 * math.sqrt(2.75 / 1000)  # 0.1028
    assert low == pytest.approx(1.5 - half_width, abs=0.01)
    assert high == pytest.approx(1.5 + half_width, abs=0.01)


def test_mcnemar_is_exact_for_few_discordant_images():
    # 0 versus 6: p = 2 * 0.5**6; 1 versus 5: p = 2 * (1 + 6) / 64.
    assert scoring.mcnemar_p(0, 6) == pytest.approx(0.03125)
    assert scoring.mcnemar_p(1, 5) == pytest.approx(0.21875)
    assert scoring.mcnemar_p(0, 0) == 1.0


def test_mcnemar_uses_the_corrected_chi_squared_for_many():
    # (|10 - 30| - 1)^2 / 40 = 9.025 -> p = erfc(sqrt(9.025 / 2)) = 0.002663
    assert scoring.mcnemar_p(10, 30) == pytest.approx(0.002663, abs=1e-6)


def test_paired_test_counts_only_disagreements():
    a = np.array([0, 0, 0, 0, 0, 0, 1, 1])  # A wrong on the last two
    b = np.array([1, 1, 1, 1, 1, 1, 1, 1])  # B wrong everywhere
    result = scoring.paired_test(a, b)
    assert (result.a_better, result.b_better) == (6, 0)
    assert result.a_significantly_better and not result.b_significantly_better
    assert not scoring.paired_test(a[:5], b[:5]).a_significantly_better  # 5 vs 0: p = 0.0625


def test_it_groups_entries_until_one_is_significantly_better_than_the_next():
    assert st.tie_groups([False, True, False, False, True, False]) == [1, 1, 2, 2, 2, 3]
    assert st.tie_groups([]) == []


def test_the_public_subset_is_fixed_by_its_seed_and_sized_by_its_fraction():
    mask = st.public_subset_mask(10, seed=7, fraction=0.3)
    assert mask.sum() == 3
    assert mask.tolist() == st.public_subset_mask(10, seed=7, fraction=0.3).tolist()
    assert len({tuple(st.public_subset_mask(10, seed=s, fraction=0.3)) for s in range(5)}) > 1
    assert st.public_subset_mask(2, seed=1, fraction=0.99).sum() == 1


def _candidate(entry_id, value, minute):
    from datetime import datetime, timezone

    return st.Candidate(entry_id=entry_id, score_id=entry_id, team_id=entry_id, team_name=f"T{entry_id}",
                        entry_name=f"e{entry_id}", submitted_at=datetime(2030, 1, 1, 0, minute, tzinfo=timezone.utc),
                        external_data=False, is_final=False, ladder_accepted=False,
                        stats={"all": {"mean_average_precision": [value, value, value]}}, excluded_reason="",
                        disqualified=False, not_comparable_reason=None)


def test_a_score_where_higher_is_better_ranks_highest_first_and_ties_by_time():
    rows = st.rank([_candidate(1, 0.25, 3), _candidate(2, 0.6, 5), _candidate(3, 0.6, 4)], basis="all",
                   track="combined", rows_mode="all", excluded_display="struck", primary="mean_average_precision",
                   metrics=["mean_average_precision"], paired_tests=lambda ranked: [None] * len(ranked))
    assert [(r["rank"], r["entry"]) for r in rows] == [(1, "e3"), (1, "e2"), (3, "e1")]
    assert "higher is better" in st.ranking_rule("mean_average_precision")
    assert "bootstrap" in st.ranking_rule("mean_average_precision")


def test_categories_won_go_to_the_best_ap_and_ties_to_the_higher_ranked_entry():
    # Class 1: B best. Class 2: A and B tie (A is ranked higher). Class 3: nobody detects it.
    # Class 4: no positives (None everywhere).
    aps = [[0.2, 0.5, 0.0, None], [0.9, 0.5, 0.0, None], [0.1, 0.4, 0.0, None]]
    assert st.categories_won(aps) == [1, 1, 0]
    assert st.categories_won([[0.3], None]) is None
    assert st.categories_won([]) is None
