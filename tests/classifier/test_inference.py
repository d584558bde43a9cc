import math

import pytest
import torch

from classifier import Sentiment, SentimentClassifier, classify_texts
from classifier.labels import LabelMappingError
from classifier.sentiment import softmax_to_sentiment
from classifier.text import normalize_text
from tests.utils.tiny_models import TEXTS


def reference_probs(clf: SentimentClassifier, text: str) -> list[float]:
    """One text, no padding, straight through the model: what batching must reproduce."""
    enc = clf.tokenizer([normalize_text(text) or " "], return_tensors="pt")
    with torch.inference_mode():
        logits = clf.model(**enc).logits[0]
    return torch.softmax(logits, -1).tolist()


def test_postprocess_is_a_pure_softmax():
    labels = {0: "negative", 1: "neutral", 2: "positive"}
    s = softmax_to_sentiment([0.0, math.log(8), math.log(41)], labels, 0.6)
    assert s == Sentiment(
        "positive",
        pytest.approx(0.82),
        pytest.approx({"negative": 0.02, "neutral": 0.16, "positive": 0.82}),
        False,
    )
    unsure = softmax_to_sentiment([0.0, 0.0, 0.1], labels, 0.6)
    assert unsure.uncertain
    # positive on top, but a one-in-ten chance of a complaint: a person should look
    maybe_complaint = softmax_to_sentiment([0.0, math.log(2), math.log(7)], labels, 0.6)
    assert maybe_complaint.label == "positive" and maybe_complaint.uncertain
    assert not softmax_to_sentiment([0.0, math.log(2), math.log(7)], labels, 0.6, 0.2).uncertain
    # a confident negative is not "uncertain": it reaches a person as a negative anyway
    assert not softmax_to_sentiment([3.0, 0.0, 0.0], labels).uncertain


@pytest.mark.parametrize("batch_size", [1, 2, 32])
def test_batched_sorted_padded_prediction_matches_single_texts(tiny_model_dir, batch_size):
    clf = SentimentClassifier.load(tiny_model_dir(), precision="fp32")
    results = clf.predict(TEXTS, batch_size=batch_size)
    assert len(results) == len(TEXTS)
    for text, result in zip(TEXTS, results, strict=True):
        ref = reference_probs(clf, text)
        assert [result.probs[k] for k in ("negative", "neutral", "positive")] == pytest.approx(
            ref, abs=1e-5
        )
        assert result.label == max(result.probs, key=result.probs.get)
        assert result.score == pytest.approx(max(ref), abs=1e-5)


def test_single_string_and_empty_list(tiny_model_dir):
    clf = SentimentClassifier.load(tiny_model_dir(), precision="fp32")
    one = clf.predict("very bad service")
    assert len(one) == 1 and isinstance(one[0], Sentiment)
    assert clf.predict([]) == []


def test_labels_of_other_models_are_mapped(tiny_model_dir):
    # a binary model whose first output is positive: probabilities land on the right names
    clf = SentimentClassifier.load(tiny_model_dir({0: "POSITIVE", 1: "NEGATIVE"}), precision="fp32")
    for text, result in zip(TEXTS, clf.predict(TEXTS), strict=True):
        pos, neg = reference_probs(clf, text)
        assert result.probs == pytest.approx(
            {"negative": neg, "neutral": 0.0, "positive": pos}, abs=1e-5
        )


def test_five_star_model_sums_probabilities(tiny_model_dir):
    labels = {i: f"{i + 1} stars" for i in range(5)}
    clf = SentimentClassifier.load(tiny_model_dir(labels), precision="fp32")
    result = clf.predict("the service is ok")[0]
    ref = reference_probs(clf, "the service is ok")
    assert result.probs["negative"] == pytest.approx(ref[0] + ref[1], abs=1e-5)
    assert result.probs["neutral"] == pytest.approx(ref[2], abs=1e-5)
    assert result.probs["positive"] == pytest.approx(ref[3] + ref[4], abs=1e-5)


def test_unclear_labels_need_override(tiny_model_dir):
    path = tiny_model_dir({0: "joy", 1: "meh", 2: "anger"})
    with pytest.raises(LabelMappingError):
        SentimentClassifier.load(path)
    clf = SentimentClassifier.load(
        path,
        label_map={"joy": "positive", "meh": "neutral", "anger": "negative"},
        precision="fp32",
    )
    result = clf.predict("good")[0]
    joy, meh, anger = reference_probs(clf, "good")
    assert result.probs == pytest.approx(
        {"negative": anger, "neutral": meh, "positive": joy}, abs=1e-5
    )


def test_classify_texts_json_shape_and_fusion(tiny_model_dir):
    clf = SentimentClassifier.load(tiny_model_dir(), precision="fp32")
    out = classify_texts(["good", "bad"], clf, ratings=[5, None])
    assert set(out[0]) == {"label", "score", "probs", "uncertain", "fused"}
    assert set(out[0]["fused"]) == {"label", "score", "probs", "disagreement"}
    assert "fused" not in out[1]
    with pytest.raises(ValueError):
        classify_texts(["good"], clf, ratings=[])


def test_normalize_text():
    assert (
        normalize_text("@Sberbank  опять   https://t.co/x1 не работает\n")
        == "@user опять http не работает"
    )
    assert normalize_text("mail a@b.ru") == "mail a@b.ru"


def test_bf16_autocast_keeps_the_answers(tiny_model_dir):
    from classifier.precision import native_bf16

    path = tiny_model_dir()
    exact = SentimentClassifier.load(path, precision="fp32")
    fast = SentimentClassifier.load(path, precision="bf16")
    assert fast.precision == "bf16" and fast.version == exact.version  # same weights
    for a, b in zip(exact.predict(TEXTS), fast.predict(TEXTS), strict=True):
        assert b.probs == pytest.approx(a.probs, abs=0.02)
    default = SentimentClassifier.load(path)
    assert default.precision == ("bf16" if native_bf16() else "fp32")


def test_unknown_precision_is_refused(tiny_model_dir):
    with pytest.raises(ValueError, match="auto, bf16, fp32, int8"):
        SentimentClassifier.load(tiny_model_dir(), precision="fp16")


def test_long_texts_keep_head_and_tail():
    from classifier.inference import head_and_tail

    ids = list(range(100))  # 0 stands for [CLS], 99 for [SEP]
    assert head_and_tail(ids, 100) == ids
    cut = head_and_tail(ids, 20)
    assert cut == list(range(5)) + list(range(85, 100))


def test_a_complaint_at_the_end_of_a_long_text_is_kept(tiny_model_dir):
    clf = SentimentClassifier.load(tiny_model_dir(), precision="fp32", max_length=12)
    text = "the service is ok " * 20 + "very bad"
    ids = clf.preprocess([text])[0]
    vocab = clf.tokenizer.get_vocab()
    assert len(ids) == 12
    assert ids[0] == vocab["[CLS]"] and ids[-1] == vocab["[SEP]"]
    assert ids[-3:-1] == [vocab["very"], vocab["bad"]]


def test_batches_are_sorted_and_bounded_by_count_and_tokens():
    from classifier.inference import length_batches

    lengths = [10, 3, 50, 4, 40, 5, 60]
    batches = length_batches(lengths, batch_size=2, max_tokens=100)
    assert batches == [[1, 3], [5, 0], [4, 2], [6]]
    # the token budget splits long texts further: 2 x 50 > 90
    assert length_batches(lengths, batch_size=8, max_tokens=90) == [[1, 3, 5, 0], [4], [2], [6]]
    assert length_batches([500], batch_size=8, max_tokens=90) == [[0]]  # one text always fits
    assert length_batches([], batch_size=8, max_tokens=90) == []


def test_two_threads_asking_at_once_share_one_loaded_model(tiny_model_dir) -> None:
    # the service warms the model in a thread while its labelling worker may ask for it too
    import threading

    from classifier import get_classifier

    path = str(tiny_model_dir(seed=11))
    got: list[SentimentClassifier] = []
    threads = [
        threading.Thread(target=lambda: got.append(get_classifier(path, precision="fp32")))
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(got) == 2 and got[0] is got[1]
