"""--device: which torch device training runs on, and the errors for one this machine lacks."""

import pytest
import torch

from training.devices import device_name, resolve_device


def test_auto_is_the_cpu_without_a_gpu_and_the_gpu_with_one(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_device("auto") == torch.device("cpu")
    assert resolve_device("") == torch.device("cpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert resolve_device("auto") == torch.device("cuda")
    assert resolve_device(" CPU ") == torch.device("cpu")


def test_a_named_gpu_must_exist(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    assert resolve_device("cuda:1") == torch.device("cuda", 1)
    with pytest.raises(ValueError, match=r"^--device cuda:2: this machine has 2 CUDA device\(s\)$"):
        resolve_device("cuda:2")


def test_cuda_without_a_gpu_says_why(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ValueError) as refused:
        resolve_device("cuda")
    assert str(refused.value).startswith(
        f"--device cuda: no CUDA device is available (torch {torch.__version__}, "
    )


@pytest.mark.parametrize("spec", ["gpu", "cuda:x", "cuda:", "mps"])
def test_an_unknown_device_is_refused(spec):
    with pytest.raises(ValueError, match=r"unknown device, choose auto, cpu, cuda or cuda:N$"):
        resolve_device(spec)


def test_a_run_records_the_cpu_by_name():
    assert device_name(torch.device("cpu")) == "cpu"
