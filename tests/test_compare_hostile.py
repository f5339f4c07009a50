"""Hostile claims: every hostile corpus entry and fuzzed text given as a claim gives a
Verdict or a MatdiffError (with a place when it is about the claim's text), nothing else."""

from __future__ import annotations

import pytest
from conftest import guard
from hostile_corpus import CORPUS
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from matdiff_magic import MatdiffError, derive
from matdiff_magic.numeric.compare import Verdict

CELL = "X, Y : m x n\nA : n x n\nx : n\nQ : n x n spd\nf = fro(X A - Y)^2 + x' Q x"
D = derive(CELL, wrt="X")


def _judge(text: str) -> None:
    with guard():
        try:
            v = D.compare(text)
        except MatdiffError:
            return
    assert isinstance(v, Verdict) and v.message


@pytest.mark.parametrize("text", [c for _, c in CORPUS],
                         ids=[f"{i:03d}-{cat}" for i, (cat, _) in enumerate(CORPUS)])
def test_corpus_entries_as_claims(text):
    _judge(text)
    _judge(text.split("\n")[-1])   # the target line alone: a claim over the cell's symbols


ALPHABET = st.sampled_from(list("XYAxQ'^-+*()., 012 ⊗∘ᵀ\\{}_|") +
                           ["\\frac", "\\|", "\\left(", "\\right)", "inv(", "tr(", "kron(",
                            "^{-1}", "^\\top", "\\mathbf{X}", "\\sqrt", "_F", "_2", "I_n",
                            "1_m", "K_{m,n}", "\\log\\det"])


@settings(max_examples=300, deadline=None, derandomize=True, database=None,
          phases=(Phase.explicit, Phase.generate),
          suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ALPHABET, max_size=25).map("".join))
def test_fuzzed_claims(text):
    _judge(text)
