"""Where crawler tests find their fixtures and the shared real pages."""

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
# Real pages live outside the repository (see ../shared/realpages/MANIFEST.md).
REALPAGES = Path(__file__).parents[2] / ".." / "shared" / "realpages"

T = TypeVar("T", bound=Callable[..., object])


def needs_realpages(test: T) -> T:
    """Mark a test as reading ../shared/realpages, skipped cleanly when it is absent."""
    skip = pytest.mark.skipif(not REALPAGES.is_dir(), reason="../shared/realpages is absent")
    return pytest.mark.shared_data(skip(test))
