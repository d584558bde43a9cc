"""train() and delta checkpoints, on a tiny stand-in for the converted e5 base."""

import hashlib
import json
import shutil
import subprocess

import pytest
import torch
from safetensors.torch import load_file

from classifier import SentimentClassifier
from classifier.checkpoint import BUNDLED_DIR, weights_digest
from classifier.e5_convert import BASE_DIRNAME
from tests.utils.backends import SHARED
from tests.utils.tiny_models import ROWS, make_tokenizer, write_csv
from training import train
from training.checkpoints import resolve_checkpoint, teacher_provenance
from training.data import Example, read_labelled_csv, read_many
from training.devsets import DEV_SETS
from training.recipe import oversample_rows, parse_oversample, select_rows
from training.trainer import teacher_logits, tokenize_rows


def test_train_writes_a_small_delta_that_loads(tmp_path, fake_models_dir):
    data = write_csv(tmp_path / "train.csv", ROWS)
    out = tmp_path / "model"
    summary = train(
        [data],
        out,
        models_dir=fake_models_dir,
        trainable_layers=1,
        epochs=100,
        batch_size=4,
        lr=3e-3,
        log=lambda m: None,
    )
    assert summary["rows"] == 6  # duplicates removed
    tensors = load_file(str(out / "delta.safetensors"))
    # encoder matrices travel as int8 differences from the base, the rest as fp16 values
    query = "bert.encoder.layer.1.attention.self.query.weight"
    assert tensors[query + ".int8_delta"].dtype == torch.int8
    assert tensors[query + ".int8_scale"].shape == (tensors[query + ".int8_delta"].shape[0], 1)
    assert tensors["bert.encoder.layer.1.attention.self.query.bias"].dtype == torch.float16
    assert not any(k.startswith(("bert.encoder.layer.0.", "bert.embeddings.")) for k in tensors)
    # the head is new (not in the base): stored whole
    assert tensors["classifier.weight"].dtype == torch.float16
    assert json.loads((out / "svetofor-delta.json").read_text())["format"] == "svetofor-delta/2"
    # int8 inference smooths with activation ranges calibrated on the training texts
    ranges = load_file(str(out / "int8-act-ranges.safetensors"))
    assert ranges["bert.encoder.layer.1.output.dense"].shape == (32,)

    clf = SentimentClassifier.load(out, models_dir=fake_models_dir, precision="fp32")
    assert clf.version.startswith(str(out) + "@")
    trained = dict(clf.model.named_parameters())
    base = load_file(str(fake_models_dir / BASE_DIRNAME / "model.safetensors"))
    step = tensors[query + ".int8_scale"]
    rebuilt = base[query.removeprefix("bert.")] + tensors[query + ".int8_delta"].float() * step
    assert torch.allclose(trained[query].data, rebuilt)
    assert torch.equal(trained["classifier.weight"].data, tensors["classifier.weight"].float())
    texts = sorted({t for t, _ in ROWS})
    gold = dict(ROWS)
    hits = sum(s.label == gold[t] for t, s in zip(texts, clf.predict(texts), strict=True))
    assert hits >= 5, summary  # it learned the toy data


def test_training_is_deterministic(tmp_path, fake_models_dir):
    data = write_csv(tmp_path / "train.csv", ROWS)
    runs = []
    for name in ("a", "b"):
        train(
            [data],
            tmp_path / name,
            models_dir=fake_models_dir,
            trainable_layers=1,
            epochs=1,
            batch_size=4,
            log=lambda m: None,
        )
        runs.append(load_file(str(tmp_path / name / "delta.safetensors")))
    assert all(torch.equal(runs[0][k], runs[1][k]) for k in runs[0])


def test_a_second_stage_continues_from_a_checkpoint(tmp_path, fake_models_dir):
    data = write_csv(tmp_path / "train.csv", ROWS)
    quiet = {"models_dir": fake_models_dir, "batch_size": 4, "log": lambda m: None}
    train([data], tmp_path / "one", trainable_layers=2, epochs=20, lr=3e-3, **quiet)
    summary = train(
        [data], tmp_path / "two", init=str(tmp_path / "one"), trainable_layers=1, epochs=1, **quiet
    )
    assert summary["previous_stage"]["options"]["trainable_layers"] == 2
    first = SentimentClassifier.load(tmp_path / "one", models_dir=fake_models_dir, precision="fp32")
    second = SentimentClassifier.load(
        tmp_path / "two", models_dir=fake_models_dir, precision="fp32"
    )
    before = dict(first.model.named_parameters())
    after = dict(second.model.named_parameters())
    # layer 0 was frozen in stage two, yet it keeps what stage one learned
    frozen = "bert.encoder.layer.0.attention.self.query.weight"
    assert torch.allclose(after[frozen], before[frozen], atol=1e-6)
    base = load_file(str(fake_models_dir / BASE_DIRNAME / "model.safetensors"))
    assert not torch.allclose(after[frozen], base[frozen.removeprefix("bert.")], atol=1e-4)
    # stage two moved on from stage one's weights, not from the base
    head = "classifier.weight"
    assert not torch.equal(after[head], before[head])
    assert torch.allclose(after[head], before[head], atol=0.05)


def test_a_distilled_student_keeps_fewer_layers_and_learns_the_teacher(tmp_path, fake_models_dir):
    data = write_csv(tmp_path / "train.csv", ROWS)
    quiet = {"models_dir": fake_models_dir, "batch_size": 4, "log": lambda m: None}
    train([data], tmp_path / "teacher", trainable_layers=2, epochs=100, lr=3e-3, **quiet)
    teacher = SentimentClassifier.load(
        tmp_path / "teacher", models_dir=fake_models_dir, precision="fp32"
    )
    texts = sorted({t for t, _ in ROWS})
    # the soft targets are the teacher's own logits on the student's token ids
    ids = teacher.preprocess(texts)
    soft = teacher_logits(tmp_path / "teacher", fake_models_dir, ids, log=lambda m: None)
    assert torch.allclose(soft, torch.tensor(teacher.forward(ids)), atol=1e-5)

    summary = train(
        [data],
        tmp_path / "student",
        init=str(tmp_path / "teacher"),
        teacher=str(tmp_path / "teacher"),
        layers=1,
        distill_weight=1.0,  # the gold labels play no part: what it learns comes from the teacher
        epochs=100,
        lr=3e-3,
        bf16=True,
        **quiet,
    )
    assert summary["options"]["layers"] == 1
    stored = load_file(str(tmp_path / "student" / "delta.safetensors"))
    assert not any(k.startswith("bert.encoder.layer.1.") for k in stored)
    manifest = json.loads((tmp_path / "student" / "svetofor-delta.json").read_text())
    assert manifest["layers"] == 1
    # the student names its teacher by digest, so a benchmark can compare the two
    assert manifest["distilled_from"] == {
        "checkpoint": str(tmp_path / "teacher"),
        "weights_sha256": weights_digest(tmp_path / "teacher"),
    }
    assert teacher.version == f"{tmp_path / 'teacher'}@{weights_digest(tmp_path / 'teacher')}"
    student = SentimentClassifier.load(
        tmp_path / "student", models_dir=fake_models_dir, precision="fp32"
    )
    assert len(student.model.bert.encoder.layer) == 1
    assert student.model.config.num_hidden_layers == 1
    taught = [s.label for s in teacher.predict(texts)]
    learned = [s.label for s in student.predict(texts)]
    assert sum(a == b for a, b in zip(taught, learned, strict=True)) >= 5, (taught, learned)


def skip_unless_bundled_weights_are_committed() -> None:
    if shutil.which("git") is None or not (BUNDLED_DIR.parents[1] / ".git").exists():
        pytest.skip("not a git checkout")
    weights = BUNDLED_DIR / "delta.safetensors"
    if subprocess.run(
        ["git", "-C", str(BUNDLED_DIR), "diff", "--quiet", "HEAD", "--", weights]
    ).returncode:
        pytest.skip("the bundled weights are modified in this checkout")


def test_the_bundled_teacher_is_recorded_with_the_commit_that_holds_its_weights():
    """A student of the bundled model replaces it; git history keeps the teacher."""
    skip_unless_bundled_weights_are_committed()
    info = teacher_provenance(BUNDLED_DIR)
    committed = subprocess.run(
        [
            "git",
            "-C",
            str(BUNDLED_DIR),
            "show",
            f"{info['git']}:classifier/bundled/delta.safetensors",
        ],
        capture_output=True,
        check=True,
    ).stdout
    assert hashlib.sha256(committed).hexdigest()[:12] == info["weights_sha256"]
    assert info["weights_sha256"] == weights_digest(BUNDLED_DIR)


def test_a_teacher_from_git_history_is_extracted_and_recorded_with_its_commit(tmp_path):
    """`--teacher git:REV` loads the bundled model of an earlier commit, as a student needs."""
    skip_unless_bundled_weights_are_committed()
    head = subprocess.run(
        ["git", "-C", str(BUNDLED_DIR), "rev-parse", "HEAD"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    path, commit = resolve_checkpoint("--teacher", "git:HEAD", tmp_path / "models")
    assert commit == head
    assert path == tmp_path / "models" / f"bundled-{head[:12]}"
    assert weights_digest(path) == weights_digest(BUNDLED_DIR)
    assert (path / "int8-act-ranges.safetensors").read_bytes() == (
        BUNDLED_DIR / "int8-act-ranges.safetensors"
    ).read_bytes()
    assert teacher_provenance(path, commit) == {
        "checkpoint": f"git:{head[:12]}",
        "weights_sha256": weights_digest(BUNDLED_DIR),
        "git": head,
    }
    assert resolve_checkpoint("--init", f"git:{head[:7]}", tmp_path / "models") == (path, head)
    with pytest.raises(ValueError, match=r"^--init git:no-such-rev: no such commit in "):
        resolve_checkpoint("--init", "git:no-such-rev", tmp_path / "models")


def test_a_student_cannot_keep_more_layers_than_the_base(tmp_path, fake_models_dir):
    data = write_csv(tmp_path / "train.csv", ROWS)
    with pytest.raises(ValueError, match="layers must be between 1 and 2, not 3"):
        train([data], tmp_path / "m", models_dir=fake_models_dir, layers=3, log=lambda m: None)


def test_recipe_keeps_dev_splits_out():
    rows = [
        Example("t1", "negative", "ru", "sentirueval2015_banks_tweets", "train"),
        Example("t2", "negative", "ru", "sentirueval2015_banks_tweets", "test"),
        Example("r1", "negative", "ru", "sentirueval2015_car_reviews", "train"),
        Example("s1", "positive", "en", "sst2", "dev"),
        Example("s2", "positive", "en", "sst2", "train"),  # too short for the recipe
        Example("s3 is a long enough english sentence", "positive", "en", "sst2", "train"),
        Example("mine", "neutral"),  # the user's own rows are always used
    ]
    chosen = {e.text for e in select_rows(rows, seed=1)}
    assert chosen == {"t1", "s3 is a long enough english sentence", "mine"}
    assert len(select_rows(rows, seed=1, use_recipe=False)) == len(rows)


def test_the_recipe_never_trains_on_a_dev_split_of_the_shared_corpora():
    """`svetofor train ../shared/datasets/sentiment/*.csv` must leave every row of every dev
    split the model card reports on (`training.devsets`) out, the second round's too."""
    corpora = SHARED / "datasets" / "sentiment"
    if not corpora.is_dir():
        pytest.skip("needs ../shared/datasets/sentiment")
    every = read_many(sorted(corpora.glob("*.csv")))
    chosen = {(e.text, e.source, e.split) for e in select_rows(every, seed=13)}
    for name, (filename, splits) in DEV_SETS.items():
        dev = [
            (e.text, e.source, e.split)
            for e in read_labelled_csv(corpora / filename)
            if splits is None or e.split in splits
        ]
        assert dev and not chosen.intersection(dev), name
    sources = {source for _, source, _ in chosen}
    assert {"rusentne2023", "cedr-twitter", "sst2"} <= sources  # training splits are used
    assert not sources & {"mozetic2016-tweets", "xlmt-english-tweets", "tweeteval2017"}


def test_oversampling_repeats_the_rows_of_one_source():
    rows = [
        Example("n1", "negative", "ru", "news", "train"),
        Example("n2", "positive", "ru", "news", "train"),
        Example("t1", "neutral", "ru", "tweets", "train"),
    ]
    repeated = oversample_rows(rows, parse_oversample("news=3"))
    assert sorted(e.text for e in repeated) == ["n1", "n1", "n1", "n2", "n2", "n2", "t1"]
    assert oversample_rows(rows, parse_oversample("")) == rows


@pytest.mark.parametrize("spec", ["news", "news=0", "news=two", "=2"])
def test_a_bad_oversampling_spec_is_refused(spec):
    with pytest.raises(ValueError, match="expected SOURCE=K"):
        parse_oversample(spec)


def test_oversampling_a_source_without_rows_is_refused(tmp_path, fake_models_dir):
    data = write_csv(tmp_path / "train.csv", ROWS)
    with pytest.raises(ValueError, match="no training rows from romip"):
        train([data], tmp_path / "m", models_dir=fake_models_dir, oversample="romip=2")


def test_long_rows_keep_their_end_when_training_cuts_head_and_tail():
    tokenizer = make_tokenizer()
    words = ["good"] * 3 + ["ok"] * 10 + ["very", "bad"]  # the verdict comes last
    row = [Example(" ".join(words), "negative")]
    cls, sep = tokenizer.cls_token_id, tokenizer.sep_token_id
    good, ok, very, bad = tokenizer.convert_tokens_to_ids(["good", "ok", "very", "bad"])

    (head,) = tokenize_rows(tokenizer, row, 8, head_and_tail=False)
    (both,) = tokenize_rows(tokenizer, row, 8, head_and_tail=True)

    assert head == [cls, good, good, good, ok, ok, ok, sep]  # the verdict is cut off
    assert both == [cls, good, ok, ok, ok, very, bad, sep]  # 8 // 4 = 2 from the head
    (short,) = tokenize_rows(tokenizer, [Example("very bad", "negative")], 8, head_and_tail=True)
    assert short == [cls, very, bad, sep]
