"""`svetofor classify` and `svetofor eval` as a user runs them, on a tiny model built here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.utils.cli import run

pytest.importorskip("torch")

import torch

from tests.utils.tiny_models import make_model, make_tokenizer, write_fake_base


@pytest.fixture
def model_env(tmp_path: Path) -> dict[str, str]:
    model_dir = tmp_path / "tiny-model"
    make_model({0: "negative", 1: "neutral", 2: "positive"}, seed=7).save_pretrained(model_dir)
    make_tokenizer().save_pretrained(model_dir)
    return {"SVETOFOR_MODEL": str(model_dir)}


def test_classify_texts_prints_json_lines(tmp_path: Path, model_env: dict[str, str]) -> None:
    result = run(tmp_path, "classify", "very bad service", "good", **model_env)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 2
    assert {"label", "score", "probs", "uncertain"} <= set(lines[0])
    assert lines[0]["label"] in ("negative", "neutral", "positive")


def test_classify_a_csv_column(tmp_path: Path, model_env: dict[str, str]) -> None:
    data = tmp_path / "texts.csv"
    data.write_text('id,body\n1,good\n2,"bad, very bad"\n3,ok\n', encoding="utf-8")
    result = run(tmp_path, "classify", "--file", str(data), "--text-column", "body", **model_env)
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 3
    missing = run(tmp_path, "classify", "--file", str(data), **model_env)
    assert missing.returncode == 1
    assert missing.stderr.strip() == f"error: {data}: no 'text' column (columns: id, body)"


def test_eval_reports_the_contract_metrics(tmp_path: Path, model_env: dict[str, str]) -> None:
    data = tmp_path / "gold.csv"
    data.write_text(
        "text,label,lang\ngood,positive,en\nbad,negative,en\nok,neutral,ru\nvery bad,negative,ru\n",
        encoding="utf-8",
    )
    result = run(tmp_path, "eval", str(data), **model_env)
    assert result.returncode == 0, result.stderr
    assert "labelled 4 of 4 texts" in result.stderr.splitlines()  # progress, beside the JSON
    metrics = json.loads(result.stdout)
    assert {
        "macro_f1",
        "negative_f1",
        "negative_precision",
        "negative_recall",
        "n",
        "texts_per_second",
        "confusion_matrix",
        "per_language",
    } <= set(metrics)
    assert metrics["n"] == 4
    assert set(metrics["per_language"]) == {"en", "ru"}


def test_eval_counts_the_rows_it_leaves_out_and_reads_excel_csv(
    tmp_path: Path, model_env: dict[str, str]
) -> None:
    data = tmp_path / "team.csv"
    # a byte-order mark first, as Excel and the API's CSV export write it
    data.write_text(
        "\ufefftext,label\ngood,positive\nbad,\n,negative\nok,purple\nvery bad,NEGATIVE\n",
        encoding="utf-8",
    )
    result = run(tmp_path, "eval", str(data), **model_env)
    assert result.returncode == 0, result.stderr
    metrics = json.loads(result.stdout)
    assert metrics["n"] == 2
    assert metrics["skipped"] == {"no_label": 1, "no_text": 1, "unknown_label": 1}
    assert (
        f"{data}: skipped 3 rows: 1 without a label (line 3); 1 without text (line 4);"
        " 1 with a label other than negative, neutral or positive (line 5)"
    ) in result.stderr.splitlines()
    nothing = tmp_path / "nothing.csv"
    nothing.write_text("text,label\n,negative\nok,purple\n", encoding="utf-8")
    refused = run(tmp_path, "eval", str(nothing), **model_env)
    assert refused.returncode == 1
    assert refused.stderr.splitlines()[-1] == (
        f"error: {nothing}: no row has both a text and a label negative, neutral or positive"
    )


def test_a_csv_in_another_encoding_is_one_line(tmp_path: Path, model_env: dict[str, str]) -> None:
    data = tmp_path / "cp1251.csv"
    data.write_bytes("text,label\nужасно,negative\n".encode("cp1251"))
    expected = f"{data}: not UTF-8 text (byte 0xf3 at offset 11): save the file as UTF-8 CSV"
    for command in (["eval", str(data)], ["classify", "--file", str(data)]):
        result = run(tmp_path, *command, **model_env)
        assert result.returncode == 1, command
        assert result.stderr.strip() == f"error: {expected}", command
        assert "Traceback" not in result.stderr


def test_model_errors_are_one_line(tmp_path: Path) -> None:
    broken = run(tmp_path, "classify", "hi", SVETOFOR_MODEL=str(tmp_path / "nowhere"))
    assert broken.returncode == 1
    assert broken.stderr.startswith(f"error: cannot load model '{tmp_path / 'nowhere'}'")
    assert run(tmp_path, "eval", "missing.csv").stderr.strip() == (
        "error: cannot read missing.csv: no such file"
    )
    assert run(tmp_path, "classify").returncode == 2
    data = tmp_path / "gold.csv"
    data.write_text("text,label\ngood,positive\n", encoding="utf-8")
    wrong_init = run(tmp_path, "train", str(data), "--out", "m", "--init", str(tmp_path))
    assert wrong_init.returncode == 1
    assert wrong_init.stderr.strip() == (
        f"error: --init {tmp_path}: not a checkpoint written by `svetofor train`"
    )
    wrong_teacher = run(tmp_path, "train", str(data), "--out", "m", "--teacher", str(tmp_path))
    assert wrong_teacher.returncode == 1
    assert wrong_teacher.stderr.strip() == (
        f"error: --teacher {tmp_path}: not a checkpoint written by `svetofor train`"
    )
    unknown_commit = run(tmp_path, "train", str(data), "--out", "m", "--teacher", "git:0000000")
    assert unknown_commit.returncode == 1
    assert unknown_commit.stderr.strip().startswith(
        "error: --teacher git:0000000: "  # no such commit, or no git checkout at all
    )
    too_deep = run(tmp_path, "train", str(data), "--out", "m", "--layers", "13")
    assert too_deep.returncode == 2  # typer refuses it before anything loads
    bad_oversample = run(tmp_path, "train", str(data), "--out", "m", "--oversample", "romip")
    assert bad_oversample.returncode == 1
    assert bad_oversample.stderr.strip() == (
        "error: --oversample 'romip': expected SOURCE=K with K a whole number >= 1"
    )
    unknown_device = run(tmp_path, "train", str(data), "--out", "m", "--device", "gpu")
    assert unknown_device.returncode == 1
    assert unknown_device.stderr.strip() == (
        "error: --device 'gpu': unknown device, choose auto, cpu, cuda or cuda:N"
    )
    assert not (tmp_path / "m").exists()


def test_eval_runs_in_the_configured_precision(tmp_path: Path, model_env: dict[str, str]) -> None:
    data = tmp_path / "gold.csv"
    data.write_text("text,label\ngood,positive\nbad,negative\n", encoding="utf-8")
    exact = run(tmp_path, "eval", str(data), SVETOFOR_MODEL_PRECISION="fp32", **model_env)
    assert exact.returncode == 0, exact.stderr
    assert json.loads(exact.stdout)["precision"] == "fp32"
    fast = run(tmp_path, "eval", str(data), SVETOFOR_MODEL_PRECISION="bf16", **model_env)
    assert json.loads(fast.stdout)["precision"] == "bf16"
    small = run(tmp_path, "eval", str(data), SVETOFOR_MODEL_PRECISION="int8", **model_env)
    assert small.returncode == 0, small.stderr
    assert json.loads(small.stdout)["precision"] == "int8"
    assert json.loads(small.stdout)["model"].endswith("+int8")
    wrong = run(tmp_path, "eval", str(data), SVETOFOR_MODEL_PRECISION="int4", **model_env)
    assert wrong.returncode != 0
    assert wrong.stderr.strip() == (
        "error: invalid settings: SVETOFOR_MODEL_PRECISION: "
        "Input should be 'auto', 'bf16', 'fp32' or 'int8'"
    )


def test_train_writes_a_model_that_classify_then_loads(tmp_path: Path) -> None:
    write_fake_base(tmp_path / "var" / "models")  # the models dir of the data dir `run` sets
    data = tmp_path / "gold.csv"
    rows = ["very bad service,negative", "the service is ok,neutral", "very good,positive"]
    data.write_text("text,label\n" + "\n".join(rows * 4) + "\n", encoding="utf-8")
    corrections = tmp_path / "corrections.csv"  # `svetofor corrections export` columns
    corrections.write_text(
        "text,label,model_label,model_score,model,mention_id,brand,source\n"
        "good good service,negative,positive,0.97,bundled@x,7,Acme,acme-news\n",
        "utf-8",
    )

    trained = run(
        tmp_path, "train", str(data), "--out", "m", "--epochs", "1", "--batch-size", "4",
        "--max-length", "16", "--head-and-tail",
        "--corrections", str(corrections), "--corrections-weight", "2",
    )  # fmt: skip

    assert trained.returncode == 0, trained.stderr
    summary = json.loads(trained.stdout)
    # repeated rows are trained on once; the team's correction twice, as asked
    assert (summary["rows"], summary["correction_rows"]) == (5, 2)
    assert summary["options"]["head_and_tail"] is True
    assert summary["options"]["max_length"] == 16
    assert summary["options"]["device"] == "auto"
    on_gpu = torch.cuda.is_available()  # `auto` takes the GPU where there is one
    assert summary["device"] == (f"cuda:0 {torch.cuda.get_device_name(0)}" if on_gpu else "cpu")
    labelled = run(tmp_path, "classify", "very bad", SVETOFOR_MODEL=str(tmp_path / "m"))
    assert labelled.returncode == 0, labelled.stderr
    assert json.loads(labelled.stdout)["label"] in ("negative", "neutral", "positive")


def test_train_needs_something_to_train_on(tmp_path: Path) -> None:
    nothing = run(tmp_path, "train", "--out", "m2")
    assert nothing.returncode == 1
    assert nothing.stderr.strip() == "error: give labelled CSVs to train on, or --corrections FILE"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the CLI, not the backend
def test_relabel_a_brand(
    tmp_path: Path, model_env: dict[str, str], db_url: str, client: object
) -> None:
    from fastapi.testclient import TestClient

    from tests.utils.factories import BRAND, SOURCE

    assert isinstance(client, TestClient)
    client.post("/api/v1/brands", json=BRAND)
    client.post("/api/v1/sources", json=SOURCE)
    ids = [
        client.post(
            "/api/v1/mentions", json={"source": "acme-news", "external_id": f"r{i}", "text": t}
        ).json()["id"]
        for i, t in enumerate(["very bad service", "good", "the service is ok"])
    ]
    client.put(f"/api/v1/mentions/{ids[0]}/label", json={"label": "positive"})
    done = run(tmp_path, "relabel", "--brand", "Acme", db_url=db_url, **model_env)
    assert done.returncode == 0, done.stderr
    line = done.stdout.strip()
    assert line.startswith("Acme: 3 mentions relabelled with ")
    assert line.endswith("(no adapter); 2 changed label, 1 kept a person's label")
    assert client.get(f"/api/v1/mentions/{ids[0]}").json()["sentiment"]["label"] == "positive"
    assert client.get(f"/api/v1/mentions/{ids[1]}").json()["sentiment"]["model"] is not None
    missing = run(tmp_path, "relabel", "--brand", "Nope", db_url=db_url, **model_env)
    assert missing.returncode == 1 and missing.stderr.strip() == "error: brand 'Nope' not found"
