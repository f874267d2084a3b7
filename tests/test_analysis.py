"""The index is stale when the analysis its arrays were computed with changes, not only the seeds."""

from __future__ import annotations

import logging

from bot.chat.cli import main
from bot.search import analysis, bm25
from bot.search import index as index_module
from bot.search.library import Library
from bot.search.store import load_index, read_manifest


def test_the_manifest_records_what_the_stored_arrays_depend_on(seeds, tmp_path):
    Library(seeds, tmp_path / "index").rebuild()
    recorded = read_manifest(tmp_path / "index")["analysis"]
    assert recorded == analysis.current()
    assert {"version", "k1", "b", "epsilon", "title_weight", "tokenizer", "stemmer"} <= recorded.keys()


def test_a_changed_k1_makes_index_build_if_stale_rebuild_and_says_why(seeds, tmp_path, monkeypatch, capsys, caplog):
    monkeypatch.chdir(tmp_path)
    flags = ["--seeds", str(seeds), "--index", str(tmp_path / "index")]
    assert main([*flags, "index", "build"]) == 0
    before = load_index(tmp_path / "index").passage_bm25.weights.copy()
    monkeypatch.setattr(bm25, "K1", 0.1)
    capsys.readouterr()

    with caplog.at_level(logging.WARNING):
        assert main([*flags, "index", "build", "--if-stale"]) == 0

    assert "up to date" not in capsys.readouterr().out
    assert "k1 1.5 -> 0.1" in caplog.text and caplog.text.count("another analysis") == 1
    after = load_index(tmp_path / "index").passage_bm25.weights
    assert len(after) == len(before) and not (after == before).all()


def test_a_changed_title_weight_or_tokenizer_makes_the_index_stale(seeds, tmp_path, monkeypatch):
    library = Library(seeds, tmp_path / "index")
    library.rebuild()
    assert not library.is_stale()
    monkeypatch.setattr(index_module, "TITLE_WEIGHT", index_module.TITLE_WEIGHT + 1)
    assert library.is_stale()
    monkeypatch.undo()
    monkeypatch.setattr(analysis, "_tokenizer_version", lambda: "another tokenizer")
    assert library.is_stale()


def test_an_index_without_a_recorded_analysis_is_stale(seeds, tmp_path):
    assert analysis.difference(None) == "it records no analysis (built by an older version)"
    assert analysis.difference(analysis.current()) is None
