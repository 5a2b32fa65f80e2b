"""bench/written_eval.py's comparison of two runs: only the questions whose shown answer moved,
and the F1 they gained or lost (an unanswerable question's answer moves nothing)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from written_eval import diff


def _row(qid: str, answer: str | None, f1: float, expected: list[str]) -> dict[str, object]:
    return {
        "set": "written fold 0",
        "id": qid,
        "q": f"question {qid}?",
        "answered": answer is not None,
        "answer": answer,
        "expected": expected,
        "support_hit": True,
        "f1": f1,
        "confidence": 0.5,
    }


def _write(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_diff_lists_the_moved_answers_and_sums_their_f1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = [
        _row("a1", "Syria Staffan de Mistura", 0.857, ["Staffan de Mistura"]),
        _row("a2", "Geneva", 1.0, ["Geneva"]),
        _row("a3", None, 0.0, ["Monday"]),
        _row("u1", "Paris", 0.0, []),
    ]
    after = [
        _row("a1", "Staffan de Mistura", 1.0, ["Staffan de Mistura"]),
        _row("a2", "Geneva", 1.0, ["Geneva"]),
        _row("a3", "on Monday", 0.667, ["Monday"]),
        _row("u1", None, 0.0, []),
    ]
    diff(_write(tmp_path / "a.jsonl", before), _write(tmp_path / "b.jsonl", after))
    out = capsys.readouterr().out
    assert "question a2?" not in out
    assert "'Syria Staffan de Mistura' 0.857 → 'Staffan de Mistura' 1.0" in out
    assert "None 0.0 → 'on Monday' 0.667" in out
    assert "question u1?" in out
    assert out.strip().endswith("3 answers moved; F1 summed over the answerable ones +0.81")
