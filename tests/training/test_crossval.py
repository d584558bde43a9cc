"""k-fold cross-validation of a training stage on a tiny stand-in for the e5 base."""

import json

import pytest

from classifier import SentimentClassifier
from tests.utils.tiny_models import ROWS, write_csv
from training import metrics, train
from training.crossval import LABELLED_SOURCE, cross_validate, general_mixture, stratified_folds
from training.data import Example, read_labelled_csv


def test_folds_split_every_row_once_with_the_label_mix_kept():
    rows = [Example(f"neg {i}", "negative") for i in range(8)]
    rows += [Example(f"pos {i}", "positive") for i in range(16)]
    rows += [Example(f"neu {i}", "neutral") for i in range(3)]

    folds = stratified_folds(rows, 4, seed=1)

    assert sorted(e.text for f in folds for e in f) == sorted(e.text for e in rows)
    assert [sum(e.label == "negative" for e in f) for f in folds] == [2, 2, 2, 2]
    assert [sum(e.label == "positive" for e in f) for f in folds] == [4, 4, 4, 4]
    assert sorted(len(f) for f in folds) == [6, 7, 7, 7]  # the 3 neutral rows go to 3 folds
    assert stratified_folds(list(reversed(rows)), 4, seed=1) == folds  # file order is ignored


def test_a_repeated_text_stays_in_one_fold():
    rows = [Example(f"t{i}", "negative") for i in range(6)] + [Example("t0", "negative")] * 2

    folds = stratified_folds(rows, 3, seed=0)

    assert sorted(len(f) for f in folds) == [2, 2, 4]
    assert [sum(e.text == "t0" for e in f) for f in folds].count(3) == 1


@pytest.mark.parametrize(("n", "k"), [(10, 1), (3, 4)])
def test_too_few_rows_or_folds_are_refused(n, k):
    with pytest.raises(ValueError, match="fold"):
        stratified_folds([Example(f"t{i}", "negative") for i in range(n)], k, seed=0)


def test_the_mixture_never_holds_a_labelled_text():
    corpus = [Example(f"text {i}", "negative", source="mine") for i in range(50)]
    labelled = corpus[:10]

    mix = general_mixture(corpus, labelled, 100, seed=3)

    assert len(mix) == 40
    assert not {e.text for e in mix} & {e.text for e in labelled}
    assert len(general_mixture(corpus, labelled, 5, seed=3)) == 5


def test_every_labelled_text_is_predicted_by_a_model_that_never_trained_on_it(
    tmp_path, fake_models_dir
):
    corpus = write_csv(tmp_path / "corpus.csv", ROWS)
    mine = [(f"{text} {'very ' * (i % 3)}".strip(), label) for i, (text, label) in enumerate(ROWS)]
    labelled = write_csv(tmp_path / "mine.csv", mine[:12])
    out = tmp_path / "cv"

    report = cross_validate(
        [corpus],
        labelled,
        out,
        folds=3,
        mixture=6,
        repeat=2,
        precision="fp32",
        models_dir=fake_models_dir,
        log=lambda m: None,
        epochs=1,
        max_length=32,
        batch_size=4,
        lr=1e-3,
    )

    tested = [read_labelled_csv(out / f"fold-{k}" / "labelled-test.csv") for k in range(3)]
    trained = [read_labelled_csv(out / f"fold-{k}" / "labelled-train.csv") for k in range(3)]
    assert sorted(e.text for fold in tested for e in fold) == sorted(t for t, _ in mine[:12])
    for k in range(3):
        assert not {e.text for e in tested[k]} & {e.text for e in trained[k]}
        assert {e.source for e in trained[k]} == {LABELLED_SOURCE}
        assert (out / f"fold-{k}" / "model" / "svetofor-delta.json").is_file()
        lines = (out / f"fold-{k}" / "predictions.jsonl").read_text().splitlines()
        predicted = [json.loads(line) for line in lines]
        assert [p["text"] for p in predicted] == [e.text for e in tested[k]]
        assert [p["gold"] for p in predicted] == [e.label for e in tested[k]]
    mixture = read_labelled_csv(out / "mixture.csv")
    # the corpus's distinct texts, less the two the labelled file repeats word for word
    assert sorted(e.text for e in mixture) == sorted({t for t, _ in ROWS} - {t for t, _ in mine})
    # the pooled figures are those of the per-fold predictions put together
    pooled = report["out_of_fold"]
    assert pooled["n"] == 12 == sum(f["n"] for f in report["per_fold"])
    assert sum(map(sum, pooled["confusion_matrix"]["rows_gold_cols_pred"])) == 12
    assert report["options"]["oversample"] == f"{LABELLED_SOURCE}=2"
    assert "start" not in report  # no --init: nothing to compare with
    saved = json.loads((out / "crossval.json").read_text())
    assert saved["out_of_fold"]["macro_f1"] == pooled["macro_f1"]


def test_the_start_model_is_scored_on_the_same_texts(tmp_path, fake_models_dir):
    corpus = write_csv(tmp_path / "corpus.csv", ROWS)
    labelled = write_csv(tmp_path / "mine.csv", ROWS[:6])
    opts = {"models_dir": fake_models_dir, "log": lambda m: None, "epochs": 1, "batch_size": 4}
    start = tmp_path / "start"

    train([corpus], start, **opts)

    report = cross_validate(
        [corpus],
        labelled,
        tmp_path / "cv",
        folds=2,
        mixture=4,
        precision="fp32",
        init=str(start),
        **opts,
    )

    clf = SentimentClassifier.load(start, models_dir=fake_models_dir, precision="fp32")
    texts = [
        e.text
        for k in range(2)
        for e in read_labelled_csv(tmp_path / "cv" / f"fold-{k}" / "labelled-test.csv")
    ]
    gold = [dict(ROWS[:6])[t] for t in texts]
    expected = metrics(gold, [s.label for s in clf.predict(texts)])
    assert report["start"]["confusion_matrix"] == expected["confusion_matrix"]


def test_the_command_reports_a_bad_labelled_file_in_one_line(tmp_path, capsys):
    from training.crossval import main

    corpus = write_csv(tmp_path / "corpus.csv", ROWS)
    empty = write_csv(tmp_path / "mine.csv", [])
    missing = tmp_path / "nowhere.csv"

    assert main([str(corpus), "--labelled", str(empty), "--out", str(tmp_path / "cv")]) == 1
    assert capsys.readouterr().err == ("error: 0 distinct labelled texts cannot make 4 folds\n")
    assert main([str(corpus), "--labelled", str(missing), "--out", str(tmp_path / "cv")]) == 1
    assert "nowhere.csv" in capsys.readouterr().err
