import pytest

from classifier.fusion import RATING_PRIORS, fuse_rating, rating_prior

ANGRY = {"negative": 0.9, "neutral": 0.07, "positive": 0.03}
HAPPY = {"negative": 0.02, "neutral": 0.08, "positive": 0.9}


def test_no_rating_is_text_only():
    fused = fuse_rating(ANGRY, None)
    assert fused.label == "negative"
    assert fused.probs == ANGRY
    assert not fused.disagreement


def test_linear_pool_by_hand():
    fused = fuse_rating(HAPPY, 5)
    # 0.6 * text + 0.4 * prior(5)
    assert fused.probs["positive"] == pytest.approx(0.6 * 0.9 + 0.4 * 0.85)
    assert fused.probs["negative"] == pytest.approx(0.6 * 0.02 + 0.4 * 0.04)
    assert fused.label == "positive"
    assert sum(fused.probs.values()) == pytest.approx(1.0)
    assert not fused.disagreement


def test_five_stars_with_angry_text_is_flagged():
    fused = fuse_rating(ANGRY, 5)
    assert fused.disagreement
    assert fused.label == "negative"  # 0.6*0.9 + 0.4*0.04 beats 0.6*0.03 + 0.4*0.85


def test_one_star_with_praise_is_flagged():
    assert fuse_rating(HAPPY, 1).disagreement
    assert not fuse_rating(ANGRY, 1).disagreement


def test_rating_decides_when_text_is_unsure():
    unsure = {"negative": 0.34, "neutral": 0.33, "positive": 0.33}
    assert fuse_rating(unsure, 1).label == "negative"
    assert fuse_rating(unsure, 5).label == "positive"
    assert fuse_rating(unsure, 3).label == "neutral"


def test_fractional_ratings_interpolate():
    prior = rating_prior(4.5)
    for i, name in enumerate(("negative", "neutral", "positive")):
        assert prior[name] == pytest.approx((RATING_PRIORS[4][i] + RATING_PRIORS[5][i]) / 2)


@pytest.mark.parametrize("bad", [0, 6, -1, float("nan")])
def test_rating_out_of_range(bad):
    with pytest.raises(ValueError):
        fuse_rating(HAPPY, bad)
