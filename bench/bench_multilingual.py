"""Benchmark of revertrisk-multilingual: per-stage latency by article size, batch speed-up, RSS.

Prints figures; not a test. Articles are built from real English sentences of the training
CSV, wrapped in wikitext markup (links, references, templates, sections), and each edit changes
sentences, inserts a paragraph and adds a reference, like a typical content edit.

    .venv/bin/python bench/bench_multilingual.py [--device cpu|cuda|auto] [--repeats 5]
"""

from __future__ import annotations

import argparse
import ast
import random
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from revertrisk_service.edits.edit_types import diff_outlines
from revertrisk_service.edits.outline_trees import parse_outlines
from revertrisk_service.edits.sections import changed_sections
from revertrisk_service.edits.texts import EditTexts, extract_texts
from revertrisk_service.mediawiki.types import EditContext, Page, Revision, User
from revertrisk_service.models.multilingual.model import (
    DEFAULT_MODEL_DIR,
    MultilingualModel,
)
from revertrisk_service.signals import edit_signals
from revertrisk_service.training.multilingual import DATA_FILE, DEFAULT_DATA_DIR
from revertrisk_service.training.progress import progress_bar
from revertrisk_service.wikis import resolve_lang

SIZES = {"small": 2_000, "typical": 20_000, "large": 500_000}


def _sentences() -> list[str]:
    df = pd.read_csv(DEFAULT_DATA_DIR / DATA_FILE, usecols=["wiki_db", "texts_insert"])
    out: list[str] = []
    for cell in df.loc[df.wiki_db == "enwiki", "texts_insert"]:
        out.extend(s for s in ast.literal_eval(cell) if 20 < len(s) < 300)
    return out or ["The quick brown fox jumps over the lazy dog."]


def _article(target_bytes: int, sentences: list[str], rng: random.Random) -> str:
    parts: list[str] = ["{{Infobox settlement|name=Example|population=1000}}\n"]
    size, section = 0, 0
    while size < target_bytes:
        if rng.random() < 0.15:
            section += 1
            parts.append(f"\n== Section {section} ==\n")
        paragraph = []
        for _ in range(rng.randint(3, 6)):
            sentence = rng.choice(sentences)
            if rng.random() < 0.3:
                word = sentence.split()[0]
                sentence = sentence.replace(word, f"[[{word}]]", 1)
            if rng.random() < 0.2:
                sentence += (
                    f"<ref>{{{{cite web|url=https://example.org/{rng.randint(1, 9999)}}}}}</ref>"
                )
            paragraph.append(sentence)
        text = " ".join(paragraph) + "\n\n"
        parts.append(text)
        size += len(text.encode())
    parts.append("[[Category:Examples]]\n")
    return "".join(parts)


def _edit(article: str, sentences: list[str], rng: random.Random) -> str:
    paragraphs = article.split("\n\n")
    for _ in range(2):  # change two sentences in place
        i = rng.randrange(1, len(paragraphs) - 1)
        paragraphs[i] = paragraphs[i].replace(" the ", " a ", 1) + " Some words were added."
    paragraphs.insert(rng.randrange(1, len(paragraphs)), " ".join(rng.sample(sentences, 3)))
    return "\n\n".join(paragraphs).replace(
        "[[Category:Examples]]", "<ref>New source</ref>\n[[Category:Examples]]"
    )


def _context(before: str, after: str, rev_id: int) -> EditContext:
    def revision(rid: int, content: str) -> Revision:
        return Revision(
            rev_id=rid, parent_id=rid - 1, page_id=1, page_title="Example_page", namespace=0,
            timestamp=datetime(2024, 1, 1, tzinfo=UTC), user_text=None, user_id=0,
            comment="", size=len(content.encode()), minor=False, tags=("visualeditor",),
            content=content, content_model="wikitext",
        )  # fmt: skip

    return EditContext(
        wiki=resolve_lang("en"),
        revision=revision(rev_id, after),
        parent=revision(rev_id - 1, before),
        user=User(name=None, user_id=0, is_anonymous=True, is_temporary=False),
        page=Page(1, "Example_page", 0, None),
    )


def _rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _stage_times(model: MultilingualModel, ctx: EditContext) -> dict[str, float]:
    times = {}
    t0 = time.perf_counter()
    changed = changed_sections(ctx.parent.content, ctx.revision.content)
    diff = diff_outlines(parse_outlines(changed), ctx.wiki.lang)
    t1 = time.perf_counter()
    texts = extract_texts(diff.tree_diff, ctx.revision.page_title) if diff else EditTexts("")
    t2 = time.perf_counter()
    # The signals this model reads (edit types, texts, metadata), solved again from the context.
    inputs = [edit_signals(ctx, model.signal_names)]
    t3 = time.perf_counter()
    scores = model.text_scores(inputs)
    t4 = time.perf_counter()
    model.predict(inputs, scores)
    t5 = time.perf_counter()
    times["edit types"] = t1 - t0
    times["text extraction"] = t2 - t1
    times["text classifiers"] = t4 - t3
    times["catboost"] = t5 - t4
    times["total"] = t5 - t0
    times["texts"] = float(len(texts.inserts) + len(texts.removes) + len(texts.changes))
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="auto")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--model-dir", type=Path, default=DEFAULT_MODEL_DIR)
    args = parser.parse_args()

    rss_before = _rss_mib()
    t = time.perf_counter()
    model = MultilingualModel.load(args.model_dir, device=args.device)
    load_s = time.perf_counter() - t
    device = (next(iter(model.classifiers.values())).device if model.classifiers
              else "CPU, no text classifiers (the artifact was trained without them)")
    print(f"model load: {load_s:.2f} s on {device}; RSS {rss_before:.0f} MiB before load "
          f"(imports), {_rss_mib():.0f} MiB after load")  # fmt: skip

    rng = random.Random(7)
    sentences = _sentences()
    print(f"\nper-revision latency, median of {args.repeats} (ms); texts = extracted texts")
    print(f"{'article':<9}{'KB':>6}{'edit types':>12}{'extract':>10}{'text clf':>10}"
          f"{'catboost':>10}{'total':>10}{'texts':>7}")  # fmt: skip
    for label, size in SIZES.items():
        article = _article(size, sentences, rng)
        ctx = _context(article, _edit(article, sentences, rng), 1000)
        repeats = args.repeats if size < 100_000 else max(1, args.repeats // 2)
        runs = []
        # Closed before the row is printed: a live bar would route stdout through stderr.
        with progress_bar(f"{label} article", repeats) as step:
            for _ in range(repeats):
                runs.append(_stage_times(model, ctx))
                step()
        med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        print(f"{label:<9}{len(article) / 1000:>6.0f}{med['edit types'] * 1e3:>12.1f}"
              f"{med['text extraction'] * 1e3:>10.2f}{med['text classifiers'] * 1e3:>10.1f}"
              f"{med['catboost'] * 1e3:>10.1f}{med['total'] * 1e3:>10.1f}"
              f"{int(med['texts']):>7}")  # fmt: skip

    # Batch of 20 typical edits on 20 different articles vs 20 single calls, same run.
    contexts = []
    for i in range(20):
        article = _article(SIZES["typical"], sentences, rng)
        contexts.append(_context(article, _edit(article, sentences, rng), 2000 + 2 * i))
    # Parsed once up front, as serving does per revision; the comparison is of scoring alone.
    facts = [edit_signals(c, model.signal_names) for c in contexts]
    model.score(facts[:2])  # warm-up
    singles, batches = [], []
    rounds = max(1, args.repeats // 2)
    with progress_bar("20 singles vs a batch of 20", rounds) as step:
        for _ in range(rounds):
            t = time.perf_counter()
            single = [model.score([f])[0] for f in facts]
            singles.append(time.perf_counter() - t)
            t = time.perf_counter()
            batched = model.score(facts)
            batches.append(time.perf_counter() - t)
            step()
    assert max(abs(a - b) for a, b in zip(single, batched, strict=True)) < 1e-4
    s, b = statistics.median(singles), statistics.median(batches)
    print(f"\n20 typical edits: 20 single calls {s * 1e3:.0f} ms, one batch {b * 1e3:.0f} ms, "
          f"speed-up x{s / b:.2f}")  # fmt: skip

    if not model.classifiers:
        print(f"\nRSS with the model loaded, after the benchmark: {_rss_mib():.0f} MiB")
        return
    # Only the text-classifier stage is batched across revisions; show its own speed-up too.
    inputs = facts
    t = time.perf_counter()
    for r in inputs:
        model.text_scores([r])
    clf_single = time.perf_counter() - t
    t = time.perf_counter()
    model.text_scores(inputs)
    clf_batch = time.perf_counter() - t
    print(f"text classifiers alone: {clf_single * 1e3:.0f} ms single vs {clf_batch * 1e3:.0f} ms "
          f"batched, speed-up x{clf_single / clf_batch:.2f}")  # fmt: skip
    print(f"\nRSS with the model loaded, after the benchmark: {_rss_mib():.0f} MiB")


if __name__ == "__main__":
    main()
