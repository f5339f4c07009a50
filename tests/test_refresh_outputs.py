"""notebooks/refresh_outputs.py stores each cell's printed text as one stream output."""

import importlib.util
from pathlib import Path

import pytest

pytest.importorskip("nbclient")
pytest.importorskip("nbformat")

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("refresh_outputs",
                                               ROOT / "notebooks" / "refresh_outputs.py")
refresh_outputs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(refresh_outputs)


def _stream(text, name="stdout"):
    return {"output_type": "stream", "name": name, "text": text}


def test_consecutive_streams_of_one_name_are_merged():
    outs = [_stream("step 1\n"), _stream("step 2\n"), _stream(["step ", "3\n"])]
    assert refresh_outputs.merge_streams(outs) == [_stream("step 1\nstep 2\nstep 3\n")]


def test_other_outputs_and_other_names_are_kept_apart():
    figure = {"output_type": "display_data", "data": {"text/plain": "<Figure>"}, "metadata": {}}
    outs = [_stream("a\n"), figure, _stream("b\n"), _stream("c\n", "stderr"), _stream("d\n")]
    merged = refresh_outputs.merge_streams(outs)
    assert [o.get("text") for o in merged] == ["a\n", None, "b\n", "c\n", "d\n"]


def test_the_split_does_not_change_the_stored_text():
    # however the kernel splits the printed text into messages, the stored output is the same
    text = "numerator row (1, 6) ; gradient (3, 2)\nrow == (vec G)^T: True\n"
    for cut in range(1, len(text)):
        merged = refresh_outputs.merge_streams([_stream(text[:cut]), _stream(text[cut:])])
        assert merged == [_stream(text)]
