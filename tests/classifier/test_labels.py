import pytest

from classifier.labels import LabelMappingError, parse_label_map, resolve_label_map


@pytest.mark.parametrize(
    ("id2label", "expected"),
    [
        ({0: "negative", 1: "neutral", 2: "positive"}, ["negative", "neutral", "positive"]),
        ({0: "POSITIVE", 1: "NEGATIVE"}, ["positive", "negative"]),
        ({0: "neg", 1: "neu", 2: "pos"}, ["negative", "neutral", "positive"]),
        ({0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"}, ["negative", "neutral", "positive"]),
        ({0: "LABEL_0", 1: "LABEL_1"}, ["negative", "positive"]),
        (
            {0: "1 star", 1: "2 stars", 2: "3 stars", 3: "4 stars", 4: "5 stars"},
            ["negative", "negative", "neutral", "positive", "positive"],
        ),
        (
            {0: "1", 1: "2", 2: "3", 3: "4", 4: "5"},
            ["negative", "negative", "neutral", "positive", "positive"],
        ),
    ],
)
def test_obvious_names_are_mapped(id2label, expected):
    mapping = resolve_label_map(id2label)
    assert [mapping[i] for i in sorted(mapping)] == expected


def test_unclear_names_need_an_override():
    with pytest.raises(LabelMappingError, match="label_map"):
        resolve_label_map({0: "joy", 1: "anger"})
    mapping = resolve_label_map({0: "joy", 1: "anger"}, {"joy": "positive", "1": "negative"})
    assert mapping == {0: "positive", 1: "negative"}


def test_override_wins_and_is_validated():
    assert (
        resolve_label_map({0: "negative", 1: "positive"}, {"negative": "neutral"})[0] == "neutral"
    )
    with pytest.raises(LabelMappingError):
        resolve_label_map({0: "a"}, {"a": "angry"})


def test_parse_label_map():
    assert parse_label_map("LABEL_0=negative, LABEL_1=positive") == {
        "LABEL_0": "negative",
        "LABEL_1": "positive",
    }
    assert parse_label_map(None) == {}
    with pytest.raises(LabelMappingError):
        parse_label_map("LABEL_0")
