"""int8 inference: smoothing keeps the float function, quantization keeps the answers."""

from __future__ import annotations

import copy

import pytest
import torch

from classifier import SentimentClassifier, precision
from classifier.adapter import AdapterHead, model_head
from classifier.checkpoint import ACT_RANGES, load_ranges
from classifier.quantization import RowInt8Linear, encoder_linears, smooth
from tests.utils.tiny_models import TEXTS
from training.calibration import calibrate, calibration_sample, save_ranges


def logits(model, clf: SentimentClassifier, texts) -> torch.Tensor:
    enc = clf.tokenizer([t or " " for t in texts], return_tensors="pt", padding=True)
    with torch.inference_mode():
        return model(**enc).logits


def test_calibration_records_the_peak_of_every_input_channel(tiny_model_dir):
    clf = SentimentClassifier.load(tiny_model_dir(), precision="fp32")
    ranges = calibrate(clf.model, clf.predict, TEXTS)
    layers = encoder_linears(clf.model)
    assert set(ranges) == set(layers)  # query/key/value/attention out/intermediate/output x 2
    assert len(layers) == 12
    for name, layer in layers.items():
        assert ranges[name].shape == (layer.in_features,)
        assert bool((ranges[name] > 0).all())
    # a peak over many texts is at least the peak of any one of them
    name = "bert.encoder.layer.0.output.dense"
    alone = calibrate(clf.model, clf.predict, TEXTS[:1])[name]
    assert bool((ranges[name] >= alone - 1e-6).all())  # batching perturbs the last bits


def test_smoothing_does_not_change_the_float_model(tiny_model_dir):
    clf = SentimentClassifier.load(tiny_model_dir(), precision="fp32")
    ranges = calibrate(clf.model, clf.predict, TEXTS)
    smoothed = copy.deepcopy(clf.model)
    wrapped = smooth(smoothed, ranges, alpha=0.9)
    assert len(wrapped) == 12
    before = logits(clf.model, clf, TEXTS)
    after = logits(smoothed, clf, TEXTS)
    assert torch.allclose(before, after, atol=1e-5)
    weight = dict(smoothed.named_modules())["bert.encoder.layer.0.intermediate.dense.linear"]
    original = clf.model.bert.encoder.layer[0].intermediate.dense.weight
    assert not torch.allclose(weight.weight, original)  # the columns were rescaled


def test_int8_keeps_the_answers_and_says_so_in_the_version(tiny_model_dir):
    path = tiny_model_dir()
    exact = SentimentClassifier.load(path, precision="fp32")
    small = SentimentClassifier.load(path, precision="int8")
    assert small.precision == "int8"
    assert small.version == exact.version + "+int8"  # stored labels are redone on a switch
    quantized = [m for m in small.model.modules() if isinstance(m, RowInt8Linear)]
    assert len(quantized) == 12  # every encoder Linear; the pooler and head stay fp32
    for a, b in zip(exact.predict(TEXTS), small.predict(TEXTS), strict=True):
        assert b.probs == pytest.approx(a.probs, abs=0.03)


def test_stored_ranges_are_used_for_int8(tiny_model_dir):
    path = tiny_model_dir()
    exact = SentimentClassifier.load(path, precision="fp32")
    assert load_ranges(path) is None
    save_ranges(calibrate(exact.model, exact.predict, TEXTS), path)
    assert (path / ACT_RANGES).is_file()
    small = SentimentClassifier.load(path, precision="int8")
    smoothed = [
        m
        for m in small.model.modules()
        if isinstance(m, RowInt8Linear) and m.inverse_scale is not None
    ]
    assert len(smoothed) == 12  # smoothing folded into each int8 layer
    for a, b in zip(exact.predict(TEXTS), small.predict(TEXTS), strict=True):
        assert b.probs == pytest.approx(a.probs, abs=0.03)
    # a calibrated model runs in int8 by default, whatever the CPU
    default = SentimentClassifier.load(path)
    assert default.precision == "int8" and default.version.endswith("+int8")


@pytest.mark.parametrize(
    ("bf16", "calibrated", "expected"),
    [(True, True, "int8"), (True, False, "bf16"), (False, True, "int8"), (False, False, "fp32")],
)
def test_auto_precision_choice(monkeypatch, bf16, calibrated, expected):
    monkeypatch.setattr(precision, "native_bf16", lambda: bf16)
    assert precision.resolve_precision("auto", calibrated=calibrated) == expected
    # an explicit choice is kept whatever the CPU or the calibration
    assert precision.resolve_precision("fp32", calibrated=calibrated) == "fp32"


def test_calibration_sample_is_deterministic_and_order_free():
    texts = [f"text {i}" for i in range(100)] * 2
    first = calibration_sample(texts, n=10)
    assert first == calibration_sample(list(reversed(texts)), n=10)
    assert len(first) == len(set(first)) == 10


MIXED = [
    "ok",
    "Ужасный сервис, ждал доставку две недели, курьер так и не позвонил",
    "great",
    "Нормально",
    "the worst support I have ever had, three calls and nothing fixed, never again",
    "спасибо",
]


@pytest.mark.parametrize("precision", ["int8", "fp32"])
def test_a_text_gets_the_same_numbers_alone_and_in_any_batch(tiny_model_dir, precision):
    path = tiny_model_dir()
    exact = SentimentClassifier.load(path, precision="fp32")
    save_ranges(calibrate(exact.model, exact.predict, TEXTS), path)
    clf = SentimentClassifier.load(path, precision=precision)
    alone = [clf.predict([text], batch_size=1)[0] for text in MIXED]
    for batch_size in (2, 3, 6):
        together = clf.predict(MIXED, batch_size=batch_size)
        for a, b in zip(alone, together, strict=True):
            assert b.label == a.label
            if precision == "int8":  # the service's default: the same bits
                assert b.probs == a.probs
            else:  # fp32 matrix products may sum a batch in another order (last bits)
                assert b.probs == pytest.approx(a.probs, abs=1e-5)
    # padding beside a text, and a copy of it in the same batch, change nothing either
    crowded = clf.predict([MIXED[1], MIXED[0], MIXED[0], MIXED[4]], batch_size=4)
    assert crowded[1].probs == crowded[2].probs
    if precision == "int8":
        assert crowded[1].probs == alone[0].probs


def test_an_adapter_replaces_the_head_for_its_texts_only(tiny_model_dir):
    clf = SentimentClassifier.load(tiny_model_dir(), precision="fp32")
    weight, bias = model_head(clf.model, clf.index_to_label)
    same = AdapterHead(1, ("negative", "neutral", "positive"), weight, bias)
    plain = clf.predict(MIXED)
    with_same = clf.predict(MIXED, heads=[same] * len(MIXED))
    for a, b in zip(plain, with_same, strict=True):
        assert b.probs == pytest.approx(a.probs, abs=1e-5)  # starts where the model is
    # a head that always says "negative", for the second text only
    always = AdapterHead(
        2, ("negative", "neutral", "positive"), weight * 0, torch.tensor([5.0, 0.0, 0.0])
    )
    heads = [None, always, None, None, None, None]
    adapted = clf.predict(MIXED, heads=heads)
    assert adapted[1].label == "negative" and adapted[1].score > 0.98
    for i, (a, b) in enumerate(zip(plain, adapted, strict=True)):
        if i != 1:
            assert b.probs == pytest.approx(a.probs, abs=1e-5)
    features = clf.features(MIXED)
    assert len(features) == len(MIXED) and features[0].shape == (clf.model.config.hidden_size,)


def test_int8_products_are_exact_on_this_cpu():
    """The integer product behind `RowInt8Linear` must equal exact int32 arithmetic on the
    CPU that runs it (oneDNN without VNNI overflows 16-bit sums for 8-bit weights: hence 7)."""
    torch.manual_seed(0)
    linear = torch.nn.Linear(384, 256)
    layer = RowInt8Linear(linear)
    assert int(layer.weight_q.abs().max()) <= 63
    x = torch.randn(70, 384) * 3
    scale = x.abs().amax(dim=1, keepdim=True) / 127.0
    quantized = torch.round(x / scale).to(torch.int8)
    exact = (quantized.int() @ layer.weight_q.int()).double()
    expected = exact * scale.double() * layer.weight_scale.double() + linear.bias.double()
    assert torch.allclose(layer(x).double(), expected, rtol=1e-5, atol=1e-4)
    worst = torch.full((8, 384), 127, dtype=torch.int8)  # the largest sums there are
    assert torch.equal(torch._int_mm(worst, layer.weight_q), worst.int() @ layer.weight_q.int())
    with torch.inference_mode():
        reference = linear(x)
        assert torch.allclose(layer(x), reference, atol=0.05 * float(reference.abs().max()))


def test_float_products_give_the_int8_products_bits():
    """Where the CPU has no fast int8 product the layer multiplies the same integers in fp32
    (`fast_integer_products`): exact at every width the encoder has, so a text's numbers are
    the same bits on every CPU, worst-case sums (every activation at 127) included."""
    torch.manual_seed(1)
    for width in (384, 1536):
        linear = torch.nn.Linear(width, 96)
        with torch.no_grad():  # row 0 all at +63 once quantized: the largest sum there is
            linear.weight[0] = 0.5
        integer = RowInt8Linear(linear, float_products=False)
        floating = RowInt8Linear(linear, float_products=True)
        assert integer.weight_float is None and floating.weight_float is not None
        x = torch.cat([torch.randn(300, width) * 3, torch.full((4, width), 5.0)])
        with torch.inference_mode():
            assert torch.equal(integer(x), floating(x))
        worst = torch.full((2, width), 127.0)
        exact = worst.double() @ floating.weight_q.double()
        product = floating.integer_product(worst, torch.empty(2, 96))
        assert torch.equal(product.double(), exact)
        assert float(exact.max()) == 127 * 63 * width


def test_products_run_in_float_only_where_int8_is_slow(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(torch.cpu, "_is_vnni_supported", lambda: False, raising=False)
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: False, raising=False)
    assert RowInt8Linear(torch.nn.Linear(16, 4)).weight_float is not None
    monkeypatch.setattr(torch.cpu, "_is_vnni_supported", lambda: True, raising=False)
    assert RowInt8Linear(torch.nn.Linear(16, 4)).weight_float is None
