"""Shared test helpers."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
SAMPLES = ROOT / "samples"


def conformance_cases() -> list[dict]:
    return [json.loads(line) for line in (DATA / "semantics.jsonl").read_text().splitlines() if line.strip()]


@pytest.fixture
def samples() -> Path:
    return SAMPLES
