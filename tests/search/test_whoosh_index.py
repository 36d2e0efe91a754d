"""Whoosh index lifecycle: persistence, versions, atomic rebuild, registry."""

from __future__ import annotations

import json

import pytest
from conftest import CORPUS, doc

from search import (
    NullBackend,
    SearchBackend,
    SearchQuery,
    UnknownBackend,
    available_backends,
    get_backend,
    register_backend,
)
from search.backends.whoosh.backend import CURRENT, META


def test_needs_rebuild_lifecycle(tmp_path):
    b = get_backend("whoosh", path=tmp_path, procs=1)
    assert b.needs_rebuild()
    assert b.search(SearchQuery(text="anything")).total == 0  # no index yet: no error
    b.upsert([doc("request:1", "First")])
    assert b.needs_rebuild()  # created by an upsert, not a complete build
    b.rebuild(CORPUS)
    assert not b.needs_rebuild()
    b.close()
    reopened = get_backend("whoosh", path=tmp_path)
    assert not reopened.needs_rebuild()
    assert reopened.count() == len(CORPUS)
    assert "request:5" in reopened.search(SearchQuery(text="prosecutors")).ids
    reopened.close()


def test_schema_version_change_requires_rebuild(tmp_path):
    b = get_backend("whoosh", path=tmp_path, procs=1)
    b.rebuild(CORPUS)
    meta_path = tmp_path / CURRENT / META
    meta = json.loads(meta_path.read_text())
    meta["schema_version"] = -1
    meta_path.write_text(json.dumps(meta))
    assert b.needs_rebuild()
    b.upsert([doc("request:99", "Ignored until rebuilt")])  # incompatible: skipped
    b.rebuild(CORPUS)
    assert not b.needs_rebuild()
    meta = json.loads(meta_path.read_text())
    meta["thesaurus_version"] = "old"
    meta_path.write_text(json.dumps(meta))
    assert b.needs_rebuild()
    b.close()


def test_failed_rebuild_keeps_previous_index(tmp_path):
    b = get_backend("whoosh", path=tmp_path, procs=1)
    b.rebuild(CORPUS)

    def broken():
        yield doc("request:100", "Fine")
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        b.rebuild(broken())
    assert b.count() == len(CORPUS)
    assert not b.needs_rebuild()
    assert len(list(tmp_path.glob("gen-*"))) == 1
    b.close()


def test_rebuild_swaps_for_other_instances(tmp_path):
    a = get_backend("whoosh", path=tmp_path, procs=1)
    other = get_backend("whoosh", path=tmp_path, procs=1)
    a.rebuild(CORPUS)
    assert other.count() == len(CORPUS)
    a.rebuild([doc("programme:1", "Replacement")])
    assert other.ids() == {"programme:1"}
    a.upsert([doc("programme:2", "Added by a")])
    assert other.search(SearchQuery(text="added")).ids == ["programme:2"]
    a.close()
    other.close()


def test_multiprocess_rebuild(tmp_path, monkeypatch):
    import search.backends.whoosh.backend as wb

    monkeypatch.setattr(wb, "MP_THRESHOLD", 4)
    b = get_backend("whoosh", path=tmp_path, procs=2)
    assert b.rebuild(CORPUS) == len(CORPUS)
    assert b.ids() == {d["id"] for d in CORPUS}
    assert "request:1" in b.search(SearchQuery(text="CERT")).ids
    b.close()


def test_registry_and_null_backend():
    assert {"whoosh", "memory", "null"} <= set(available_backends())
    null = get_backend("null")
    assert isinstance(null, SearchBackend)
    null.upsert([doc("request:1", "x")])
    assert null.search(SearchQuery(text="x")).total == 0
    assert null.rebuild([doc("request:1", "x")]) == 1
    with pytest.raises(UnknownBackend):
        get_backend("elasticsearch")
    register_backend("custom", NullBackend)
    assert isinstance(get_backend("custom"), NullBackend)


def test_invalid_document_rejected_before_writing():
    from search import InvalidDocument

    b = get_backend("whoosh")
    b.rebuild(CORPUS)
    with pytest.raises(InvalidDocument):
        b.upsert([doc("request:50", "ok"), {"id": "request:51", "kind": "nope"}])
    assert "request:50" not in b.ids()


def test_leaf_skip_to_matches_stepping(tmp_path):
    """The binary-search ``skip_to`` (backends.whoosh.speedups) lands where stepping would."""
    import random

    from whoosh import fields
    from whoosh import index as whoosh_index
    from whoosh.matching import Matcher

    import search.backends.whoosh.speedups  # noqa: F401 - installs the patched skip_to

    ix = whoosh_index.create_in(str(tmp_path), fields.Schema(t=fields.KEYWORD))
    rng = random.Random(3)
    with ix.writer() as w:
        for _ in range(2000):
            w.add_document(t="a b" if rng.random() < 0.4 else "b")
    with ix.searcher() as s:
        reader = s.reader()
        expected = list(reader.postings("t", "a").all_ids())
        for _ in range(20):
            fast, slow = reader.postings("t", "a"), reader.postings("t", "a")
            target = 0
            while fast.is_active():
                target += rng.randrange(1, 300)
                fast.skip_to(target)
                Matcher.skip_to(slow, target)  # the generic step-by-step version
                assert fast.is_active() == slow.is_active()
                if fast.is_active():
                    assert fast.id() == slow.id() == min(d for d in expected if d >= target)


def test_leaf_all_ids_and_block_ids_match_whoosh(tmp_path):
    """The block-wise ``all_ids`` and ``_read_ids`` (search.backends.whoosh.speedups) return what
    whoosh's generic posting-by-posting versions return, also from mid-list."""
    import random

    from whoosh import fields
    from whoosh import index as whoosh_index
    from whoosh.matching import Matcher
    from whoosh.util.numlists import delta_decode

    import search.backends.whoosh.speedups  # noqa: F401 - installs the patched methods

    ix = whoosh_index.create_in(str(tmp_path), fields.Schema(t=fields.KEYWORD))
    rng = random.Random(5)
    docs = [rng.random() < 0.3 for _ in range(3000)]
    with ix.writer() as w:
        for has_a in docs:
            w.add_document(t="a b" if has_a else "b")
    expected = [i for i, has_a in enumerate(docs) if has_a]
    with ix.searcher() as s:
        reader = s.reader()
        fast, slow = reader.postings("t", "a"), reader.postings("t", "a")
        assert list(fast.all_ids()) == list(Matcher.all_ids(slow)) == expected
        m = reader.postings("t", "a")
        m.skip_to(expected[300])
        assert list(m.all_ids()) == expected[300:]
        m = reader.postings("t", "a")
        m._read_data()
        assert list(m._data[0]) != expected[:128]  # stored as deltas
        m._read_ids()
        assert list(m._ids) == list(delta_decode(m._data[0])) == expected[: len(m._ids)]


def test_tree_scores_match_stepping_the_matcher_tree(tmp_path):
    """``rank.tree_scores`` (leaf by leaf, a block at a time) gives the docs and the very
    floats that ``skip_to`` + ``score()`` on whoosh's matcher tree give: unions, an
    intersection, a boosted term, deletions, several segments, inlined postings."""
    import random

    from whoosh import fields
    from whoosh import index as whoosh_index
    from whoosh import query as wq

    from search.backends.whoosh.rank import SkipOr, tree_scores

    schema = fields.Schema(a=fields.TEXT(field_boost=4.0), b=fields.TEXT, n=fields.ID(stored=True))
    ix = whoosh_index.create_in(str(tmp_path), schema)
    rng = random.Random(11)
    words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "rare"]
    for part in range(3):  # three segments
        with ix.writer() as w:
            for i in range(1500):
                text = " ".join(rng.choices(words[:-1], k=rng.randint(1, 12)))
                w.add_document(a=text[:30], b=text, n=f"{part}-{i}")
            w.add_document(a="rare", b="rare alpha", n=f"{part}-rare")  # inlined postings
    with ix.writer() as w:
        for i in range(0, 1500, 7):
            w.delete_by_term("n", f"1-{i}")
    queries = [
        SkipOr([wq.Term("a", "alpha"), wq.Term("b", "beta"), wq.Term("b", "rare")]),
        wq.And([wq.Term("b", "gamma"), wq.Term("b", "delta")]),
        SkipOr(
            [wq.Term("a", "zeta", boost=2.5), wq.And([wq.Term("b", "eta"), wq.Term("a", "theta")])]
        ),
        wq.Term("b", "nothing-here"),
    ]
    with ix.searcher() as s:
        assert len(s.leaf_searchers()) > 1
        for q in queries:
            for sub, _ in s.leaf_searchers():
                live = [d for d in range(sub.doc_count_all()) if not sub.reader().is_deleted(d)]
                wanted = sorted(rng.sample(live, min(300, len(live))))
                stepped = {}
                m = q.matcher(sub, sub.context())
                for d in wanted:
                    if not m.is_active():
                        break
                    if m.id() < d:
                        m.skip_to(d)
                        if not m.is_active():
                            break
                    if m.id() == d:
                        stepped[d] = m.score()
                assert tree_scores(q.matcher(sub, sub.context()), wanted) == stepped


def test_spelling_automaton_is_built_once_for_every_field_and_segment(tmp_path):
    from search.backends.whoosh import masks

    b = get_backend("whoosh", path=tmp_path, procs=1)
    b.rebuild(CORPUS)
    b.upsert([doc("request:77", "Cybersecurity strategy review")])  # a second segment
    masks.levenshtein_dfa.cache_clear()
    s = b.session(frozenset({"public"}), {})
    try:
        m = s.inner.m
        assert len(m.leaves) > 1
        found = m.terms_within("title_en", "strateg", 2)
        expected = set()
        for leaf, _, _ in m.leaves:
            expected.update(leaf.terms_within("title_en", "strateg", 2, prefix=1))
        assert found == expected and "strategi" in found
        m.terms_within("desc_en", "strateg", 2)
        assert masks.levenshtein_dfa.cache_info().misses == 1
    finally:
        s.close()
        b.close()


def test_posting_mask_matches_the_posting_ids(tmp_path):
    """``masks.posting_mask`` (numpy, a block at a time) sets the bits of exactly the ids
    whoosh's posting list holds: long lists, a one-block list, inlined postings."""
    import random

    from whoosh import fields
    from whoosh import index as whoosh_index
    from whoosh.matching import Matcher

    from search.backends.whoosh import bitsets
    from search.backends.whoosh.masks import posting_mask

    ix = whoosh_index.create_in(str(tmp_path), fields.Schema(t=fields.KEYWORD))
    rng = random.Random(9)
    with ix.writer() as w:
        for i in range(5000):
            terms = ["b"] + (["a"] if rng.random() < 0.3 else []) + (["c"] if i % 97 == 0 else [])
            w.add_document(t=" ".join(terms + (["once"] if i == 4321 else [])))
    with ix.searcher() as s:
        reader = s.reader()
        for term in ("a", "b", "c", "once"):
            expected = list(Matcher.all_ids(reader.postings("t", term)))
            mask = posting_mask(reader.postings("t", term), reader.doc_count_all())
            assert mask == bitsets.from_ids(expected, reader.doc_count_all())
            assert list(bitsets.iter_ids(mask)) == expected


def test_phrase_position_decoder_matches_whoosh():
    from whoosh.formats import Positions

    from search.backends.whoosh.session import _decode_positions

    fmt = Positions()
    for positions in ([0], [3], [1, 2, 3], [5, 40, 41, 300, 70000], list(range(0, 900, 7))):
        value = fmt.encode(positions)
        assert list(_decode_positions(value)) == fmt.decode_positions(value) == positions
        stripped = value[:-1]  # whoosh also accepts values without the pickle's final "."
        assert list(_decode_positions(stripped)) == positions


def test_in_memory_indexes_write_temporary_files_apart():
    """Two RAM indexes (as in two test runs on one machine) never share a temp directory:
    whoosh's own RamStorage uses <tmp>/MAIN.tmp for all of them and deletes it after a write."""
    from search.backends.whoosh.backend import PrivateRamStorage

    a, b = PrivateRamStorage(), PrivateRamStorage()
    ta, tb = a.temp_storage("MAIN.tmp"), b.temp_storage("MAIN.tmp")
    try:
        assert ta.folder != tb.folder and ta.folder.endswith("-MAIN.tmp")
    finally:
        ta.destroy()
        tb.destroy()


def test_in_memory_rebuild_of_many_documents_stays_in_one_process():
    from search import get_backend

    b = get_backend("whoosh", procs=2)
    docs = [doc(f"request:{i}", f"Generated request number {i}") for i in range(2100)]
    assert b.rebuild(docs) == 2100
    assert b.count() == 2100
