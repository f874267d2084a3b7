"""Scale: the real corpus and synthetic ~400k and ~1M passage corpora, with bm25s, tantivy and
rank-bm25 side by side (issue 6).

    .venv/bin/python bench/scale.py [--sizes real,400000,1000000] [--queries 500] [--runs 3]
                                    [--engines bm25s,tantivy,rank_bm25] [--rank-bm25-max 100000]

Synthetic corpora are generated deterministically (``random.Random(6)``) from the real one and
written as note files in the corpus's ``## Information:`` format to a temporary folder: each note
takes a random real note's metadata (source, date, author, tags; its link made unique) and as
many paragraphs as it had, drawn at random from all real paragraphs, with each paragraph's
sentences shuffled and its names (capitalised words found mid-sentence in the corpus) consistently
substituted within the note by other such names. Vocabulary and lengths stay realistic.

For each corpus, every figure from a fresh interpreter:

* build s: ``Library(seeds, tmp).rebuild()`` with no cache, i.e. a full build *including parsing
  the note files* (scan, parse, tokenise, both BM25 matrices, atomic write, reload), and its peak
  RSS;
* index size on disk; load s (``store.load_index``, median of ``--runs``);
* RSS after loading and answering every question; search p50/p99 over >= 500 questions of the
  first stage (tokenise + ``BM25Matrix.scores`` + top 10) and of ``Engine.ask`` (bench/search_speed.py's
  query child, which this reuses);
* the same passage texts (title + paragraph) in bm25s (its own tokenise + stemmer; build and
  retrieve k=10) and tantivy (en_stem; index + commit, then top-10 search), and rank-bm25's
  BM25Okapi over our tokens (only up to ``--rank-bm25-max`` passages, 20 queries: it scores every
  document in Python per query term).

Prints a table with the issue's 1M targets, writes JSON and a PNG plot to bench/results/.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import search_speed  # noqa: E402  (the query child and question generator are shared)

DEFAULT_SEEDS = ROOT.parent / "shared" / "corpus" / "notes"
RESULTS = ROOT / "bench" / "results"
TARGETS_1M = {
    "build_s": 120.0,
    "load_s": 2.0,
    "first_stage_p50_ms": 10.0,
    "first_stage_p99_ms": 50.0,
    "ask_p50_ms": 10.0,
    "ask_p99_ms": 50.0,
    "rss_mb": 1024.0,
}
TOP = 10

_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'])")
_NAME = re.compile(r"\b[A-Z][a-zA-Z]{2,}\b")


# ----------------------------------------------------------------------------- synthetic corpus


def synthesize(real_notes, passages: int, folder: Path, seed: int = 6) -> list[tuple[str, list[str]]]:
    """Write notes totalling about ``passages`` paragraphs to ``folder``; returns (title,
    paragraphs) of each, for question generation."""
    rng = random.Random(seed)
    templates = [n for n in real_notes if n.paragraphs]
    pool = [p for n in templates for p in n.paragraphs]
    # Names: capitalised words seen mid-sentence at least twice (not sentence-initial words).
    counts: dict[str, int] = {}
    for p in pool[:: max(1, len(pool) // 20000)]:
        for m in _NAME.finditer(p):
            if m.start() > 1 and p[m.start() - 2] not in ".!?":
                counts[m.group()] = counts.get(m.group(), 0) + 1
    names = sorted(w for w, c in counts.items() if c >= 2)
    name_set = set(names)
    out: list[tuple[str, list[str]]] = []
    total = k = 0
    while total < passages:
        t = rng.choice(templates)
        mapping: dict[str, str] = {}

        def swap(m: re.Match, mapping: dict[str, str] = mapping) -> str:
            w = m.group()
            if w not in name_set:
                return w
            if w not in mapping:
                mapping[w] = rng.choice(names) if rng.random() < 0.5 else w
            return mapping[w]

        paragraphs = []
        for _ in range(len(t.paragraphs)):
            sentences = _SENTENCE.split(rng.choice(pool))
            rng.shuffle(sentences)
            paragraphs.append(_NAME.sub(swap, " ".join(sentences)))
        title = _NAME.sub(swap, t.title)
        source_dir = folder / (t.path.split("/", 1)[0] if "/" in t.path else "misc") / f"{k // 1000:03d}"
        source_dir.mkdir(parents=True, exist_ok=True)
        date = f"{t.date:%B} {t.date.day}, {t.date.year}" if t.date else ""
        tags = " ".join(f"[[{tag.name}]]" for tag in t.tags)
        body = "\n\n\n".join(paragraphs)
        (source_dir / f"synthetic-{k:07d}.md").write_text(
            f"# {title}\n### {t.subtitle}\n\n## Information:\n+ Source: {t.source}\n"
            f"+ Link: [article]({t.link}#synthetic-{k})\n+ Date: {date}\n+ Author: {t.author}\n\n\n"
            f"## Article:\n{body}\n\n\n#### Tags:\n{tags}\n",
            "utf-8",
        )
        out.append((title, paragraphs))
        total += len(paragraphs)
        k += 1
    return out


class _Q:
    def __init__(self, title: str, paragraphs: list[str]) -> None:
        self.title, self.paragraphs = title, paragraphs


# ----------------------------------------------------------------------------- children


def child_build(seeds: Path, index_dir: Path) -> None:
    from bot.search.library import Library

    started = time.perf_counter()
    report = Library(seeds, index_dir).rebuild()
    print(
        json.dumps(
            {
                "build_s": time.perf_counter() - started,
                "notes": report.notes,
                "passages": report.passages,
                "build_hwm_mb": search_speed._status_mb("VmHWM"),
            }
        )
    )


def _passage_texts(index_dir: Path) -> list[str]:
    from bot.search.store import load_index

    index = load_index(index_dir)
    titles = [n.title for n in index.notes]
    note = index.passages.note.tolist()
    return [titles[note[i]] + "\n" + index.passages.text(i) for i in range(len(index.passages))]


def child_engine(engine: str, index_dir: Path, qfile: Path, n_queries: int) -> None:
    import Stemmer

    texts = _passage_texts(index_dir)
    questions = search_speed.questions_from(qfile)[:n_queries]
    rss_before = search_speed._rss_mb()
    times: list[float] = []
    clock = time.perf_counter
    if engine == "bm25s":
        import bm25s

        stemmer = Stemmer.Stemmer("english")
        t0 = clock()
        tokens = bm25s.tokenize(texts, stopwords="en", stemmer=stemmer, show_progress=False)
        retriever = bm25s.BM25()
        retriever.index(tokens, show_progress=False)
        build_s = clock() - t0
        del tokens, texts
        for q in questions:
            t0 = clock()
            qt = bm25s.tokenize([q], stopwords="en", stemmer=stemmer, return_ids=False, show_progress=False)
            with contextlib.suppress(ValueError):  # no query word in the vocabulary
                retriever.retrieve(qt, k=TOP, show_progress=False)
            times.append(clock() - t0)
    elif engine == "tantivy":
        import tantivy

        folder = Path(tempfile.mkdtemp(prefix="tantivy-", dir=index_dir.parent))
        sb = tantivy.SchemaBuilder()
        sb.add_text_field("body", stored=False, tokenizer_name="en_stem")
        index = tantivy.Index(sb.build(), path=str(folder))
        t0 = clock()
        writer = index.writer(heap_size=256_000_000, num_threads=2)
        for text in texts:
            writer.add_document(tantivy.Document(body=text))
        writer.commit()
        writer.wait_merging_threads()
        index.reload()
        build_s = clock() - t0
        del texts
        searcher = index.searcher()
        clean = re.compile(r"[^\w\s]+")
        for q in questions:
            t0 = clock()
            words = clean.sub(" ", q).strip()
            if words:
                searcher.search(index.parse_query(words, ["body"]), TOP)
            times.append(clock() - t0)
    elif engine == "rank_bm25":
        import numpy as np
        from rank_bm25 import BM25Okapi

        from bot.search.tokenize import Tokenizer

        tokenize = Tokenizer()
        tokens = [tokenize(t) for t in texts]
        del texts
        t0 = clock()
        bm25 = BM25Okapi(tokens)
        build_s = clock() - t0
        del tokens
        for q in questions:
            t0 = clock()
            scores = bm25.get_scores(tokenize(q))
            np.argpartition(-scores, TOP)[:TOP]
            times.append(clock() - t0)
    else:
        raise SystemExit(f"unknown engine {engine}")
    print(
        json.dumps(
            {
                "engine": engine,
                "build_s": build_s,
                "queries": len(times),
                "query_ms": search_speed._percentiles(times),
                "rss_mb": search_speed._rss_mb(),
                "rss_before_build_mb": rss_before,
                "hwm_mb": search_speed._status_mb("VmHWM"),
            }
        )
    )


def _run(*args: str, timeout: float | None = None) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), *args]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=timeout)
    if done.returncode:
        raise RuntimeError(f"{' '.join(args[:2])} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# ----------------------------------------------------------------------------- main


def measure(label: str, seeds: Path, notes_for_questions, work: Path, args) -> dict:
    index_dir = work / f"index-{label}"
    say(f"{label}: building from {seeds}")
    built = _run("--child-build", str(seeds), str(index_dir))
    build = (index_dir / "current").resolve()
    size = sum(f.stat().st_size for f in build.iterdir())
    say(f"{label}: {built['passages']} passages built in {built['build_s']:.1f} s")
    own = search_speed.questions_from(search_speed.OWN_QUESTIONS)
    questions = own + search_speed.generated_questions(notes_for_questions, max(0, args.queries - len(own)))
    qfile = work / f"questions-{label}.jsonl"
    qfile.write_text("".join(json.dumps({"question": q}) + "\n" for q in questions), "utf-8")
    loads = [search_speed._run_child(index_dir)["load_s"] for _ in range(args.runs)]
    queried = search_speed._run_child(index_dir, qfile, 1)
    row = {
        "label": label,
        "notes": built["notes"],
        "passages": built["passages"],
        "build_s": built["build_s"],
        "build_hwm_mb": built["build_hwm_mb"],
        "index_mb": size / 2**20,
        "load_s": statistics.median(loads),
        "load_runs": loads,
        "rss_mb": queried["rss_mb"],
        "rss_anon_mb": queried["rss_anon_mb"],
        "rss_file_mb": queried["rss_file_mb"],
        "questions": len(questions),
        "answered": queried["answered"],
        "first_stage_p50_ms": queried["first_stage_ms"]["p50"],
        "first_stage_p99_ms": queried["first_stage_ms"]["p99"],
        "ask_p50_ms": queried["full_answer_ms"]["p50"],
        "ask_p99_ms": queried["full_answer_ms"]["p99"],
        "query_child": queried,
        "engines": {},
    }
    say(f"{label}: load {row['load_s']:.2f} s, ask p50 {row['ask_p50_ms']:.1f} ms, RSS {row['rss_mb']:.0f} MB")
    for engine in args.engines:
        if engine == "rank_bm25" and built["passages"] > args.rank_bm25_max:
            continue
        n = 20 if engine == "rank_bm25" else len(questions)
        try:
            row["engines"][engine] = _run("--child-engine", engine, str(index_dir), str(qfile), str(n), timeout=1800)
            e = row["engines"][engine]
            say(f"{label}: {engine} built in {e['build_s']:.1f} s, p50 {e['query_ms']['p50']:.1f} ms")
        except Exception as exc:  # one engine failing must not lose the others' figures
            row["engines"][engine] = {"error": str(exc)[-500:]}
            say(f"{label}: {engine} failed: {str(exc)[-300:]}")
    shutil.rmtree(index_dir, ignore_errors=True)
    for leftover in work.glob("tantivy-*"):
        shutil.rmtree(leftover, ignore_errors=True)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=Path, default=DEFAULT_SEEDS)
    parser.add_argument("--sizes", default="real,400000,1000000", help="'real' and/or synthetic passage counts")
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3, help="cold loads to take the median of")
    parser.add_argument("--engines", default="bm25s,tantivy,rank_bm25")
    parser.add_argument("--rank-bm25-max", type=int, default=100_000, help="largest corpus rank-bm25 runs on")
    parser.add_argument("--work", type=Path, help="keep generated corpora here (reused if present)")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--child-build", nargs=2, type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--child-engine", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_build:
        child_build(*args.child_build)
        return
    if args.child_engine:
        engine, index_dir, qfile, n = args.child_engine
        child_engine(engine, Path(index_dir), Path(qfile), int(n))
        return
    args.engines = [e for e in args.engines.split(",") if e]
    seeds = args.seeds.resolve()
    if not seeds.is_dir():
        sys.exit(f"no corpus at {seeds}: put it beside the repo (../shared/corpus/notes) or pass --seeds")

    from bot.notes.loader import load_corpus

    work = args.work or Path(tempfile.mkdtemp(prefix="bench-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    results = {
        "when": datetime.now().isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "loadavg_start": os.getloadavg(),
        "git": search_speed._git_head(),
        "rows": [],
    }
    try:
        real = load_corpus(seeds).notes
        for size in args.sizes.split(","):
            if size == "real":
                results["rows"].append(measure("real", seeds, list(real), work, args))
                continue
            folder = work / f"synthetic-{size}"
            marker = folder / ".notes.json"
            if marker.is_file():
                made = [_Q(t, p) for t, p in json.loads(marker.read_text("utf-8"))]
            else:
                shutil.rmtree(folder, ignore_errors=True)
                started = time.perf_counter()
                made_raw = synthesize(real, int(size), folder)
                say(f"generated {len(made_raw)} notes for ~{size} passages in {time.perf_counter() - started:.0f} s")
                sample = random.Random(1).sample(made_raw, min(5000, len(made_raw)))
                marker.write_text(json.dumps(sample), "utf-8")
                made = [_Q(t, p) for t, p in sample]
            results["rows"].append(measure(f"{int(size) // 1000}k", folder, made, work, args))
        results["loadavg_end"] = os.getloadavg()
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)

    stamp = f"{datetime.now():%Y%m%dT%H%M%S}"
    out = args.out or RESULTS / f"scale-{stamp}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    print_table(results)
    out.write_text(json.dumps(results, indent=1) + "\n", "utf-8")
    png = out.with_suffix(".png")
    plot(results, png)
    print(f"\nsaved {out}\nsaved {png}")


def print_table(r: dict) -> None:
    rows = r["rows"]
    print(f"\nscale: {r['cpus']} CPUs, load avg {r['loadavg_start'][0]:.2f} -> {r.get('loadavg_end', [0])[0]:.2f}")
    cols = [
        ("passages", "{:,}"),
        ("notes", "{:,}"),
        ("build_s", "{:.1f}"),
        ("build_hwm_mb", "{:.0f}"),
        ("index_mb", "{:.0f}"),
        ("load_s", "{:.3f}"),
        ("rss_mb", "{:.0f}"),
        ("first_stage_p50_ms", "{:.2f}"),
        ("first_stage_p99_ms", "{:.2f}"),
        ("ask_p50_ms", "{:.1f}"),
        ("ask_p99_ms", "{:.1f}"),
    ]
    print(f"  {'':<24}" + "".join(f"{row['label']:>14}" for row in rows) + "   target at 1M")
    for key, fmt in cols:
        target = TARGETS_1M.get(key)
        verdict = ""
        if target is not None and rows:
            big = max(rows, key=lambda x: x["passages"])
            ok = big[key] <= target
            r.setdefault("verdicts", {})[key] = ok
            verdict = f"   <= {target:g}: {'PASS' if ok else 'FAIL'} ({big['label']})"
        print(f"  {key:<24}" + "".join(f"{fmt.format(row[key]):>14}" for row in rows) + verdict)
    for engine in ("bm25s", "tantivy", "rank_bm25"):
        for key, get in (
            ("build s", lambda e: f"{e['build_s']:.1f}"),
            ("query p50 ms", lambda e: f"{e['query_ms']['p50']:.2f}"),
            ("query p99 ms", lambda e: f"{e['query_ms']['p99']:.2f}"),
            ("peak RSS MB", lambda e: f"{e['hwm_mb']:.0f}"),
        ):
            cells = []
            for row in rows:
                e = row["engines"].get(engine)
                cells.append("-" if e is None else ("error" if "error" in e else get(e)))
            if any(c != "-" for c in cells):
                print(f"  {engine + ' ' + key:<24}" + "".join(f"{c:>14}" for c in cells))


def plot(r: dict, path: Path) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        say("matplotlib is not installed (pip install -e '.[bench]'): no plot")
        return
    rows = sorted(r["rows"], key=lambda x: x["passages"])
    x = [row["passages"] for row in rows]
    fig, (lat, mem) = plt.subplots(1, 2, figsize=(12, 4.8))
    for key, label, style in (
        ("first_stage_p50_ms", "first stage p50", "o-"),
        ("first_stage_p99_ms", "first stage p99", "o--"),
        ("ask_p50_ms", "Engine.ask p50", "s-"),
        ("ask_p99_ms", "Engine.ask p99", "s--"),
    ):
        lat.plot(x, [row[key] for row in rows], style, label=label)
    for engine, style in (("bm25s", "^:"), ("tantivy", "v:"), ("rank_bm25", "x:")):
        pts = [
            (row["passages"], row["engines"][engine]["query_ms"]["p50"])
            for row in rows
            if "query_ms" in row["engines"].get(engine, {})
        ]
        if pts:
            lat.plot(*zip(*pts, strict=True), style, label=f"{engine} p50")
    lat.axhline(10, color="grey", lw=0.8)
    lat.axhline(50, color="grey", lw=0.8, ls="--")
    lat.set(xscale="log", yscale="log", xlabel="passages", ylabel="ms", title="search latency")
    lat.legend(fontsize=8)
    mem.plot(x, [row["rss_mb"] for row in rows], "o-", label="RSS serving (loaded + all queries)")
    mem.plot(x, [row["rss_anon_mb"] for row in rows], "o:", label="  of which anonymous")
    mem.plot(x, [row["build_hwm_mb"] for row in rows], "s--", label="peak RSS while building")
    for engine, style in (("bm25s", "^:"), ("tantivy", "v:")):
        pts = [
            (row["passages"], row["engines"][engine]["hwm_mb"])
            for row in rows
            if "hwm_mb" in row["engines"].get(engine, {})
        ]
        if pts:
            mem.plot(*zip(*pts, strict=True), style, label=f"{engine} peak RSS")
    mem.axhline(1024, color="grey", lw=0.8)
    mem.set(xscale="log", xlabel="passages", ylabel="MB", title="memory")
    mem.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def say(message: str) -> None:
    print(f"[scale] {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
