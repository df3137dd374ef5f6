"""Training the project's small BERT text classifiers and their shared WordPiece tokenizer.

The production models are fine-tuned multilingual BERTs that cannot be downloaded here; these
are tiny stand-ins with the same architecture family and the same on-disk format, so either
can sit in text_models/<kind>/.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

import torch
from tokenizers.normalizers import BertNormalizer
from tokenizers.pre_tokenizers import BertPreTokenizer
from transformers import BertConfig, BertForSequenceClassification, BertTokenizer

from revertrisk_service.models.multilingual.text_classifiers import Text, TextClassifier

VOCAB_SIZE = 8000
TRAIN_MAX_LENGTH = 128  # training sequences are cut shorter than serving ones to stay cheap
SERVE_MAX_LENGTH = 512
_MAX_PIECE_CHARS = 6
SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")


def train_tokenizer(texts: Iterable[str], vocab_size: int = VOCAB_SIZE) -> BertTokenizer:
    """A lower-cased WordPiece vocabulary from the training texts: the special tokens, every
    character seen (alone and as a `##` continuation, so any word of a known script can be
    spelled), then the most frequent whole words, word starts and `##` word ends, ties broken
    alphabetically, so rarer words split into pieces rather than letters.

    The `tokenizers` WordPiece trainer is not used because its merges break frequency ties in
    hash-map order, so two runs on the same data give different vocabularies. Accents are kept:
    stripping them would merge distinct letters of many of the served languages.
    """
    normalizer = BertNormalizer(
        clean_text=True, handle_chinese_chars=True, strip_accents=False, lowercase=True
    )
    pre_tokenizer = BertPreTokenizer()
    words: Counter[str] = Counter()
    for text in texts:
        normalized = normalizer.normalize_str(text)
        words.update(word for word, _ in pre_tokenizer.pre_tokenize_str(normalized))
    chars: Counter[str] = Counter()
    pieces: Counter[str] = Counter()
    for word, count in words.items():
        for char in word:
            chars[char] += count
        pieces[word] += count
        # Word starts and `##` word ends give the greedy WordPiece matcher subwords to use
        # on unseen inflections and compounds.
        for length in range(2, min(len(word), _MAX_PIECE_CHARS + 1)):
            pieces[word[:length]] += count
            pieces[f"##{word[-length:]}"] += count
    by_frequency = lambda item: (-item[1], item[0])
    vocab = list(SPECIAL_TOKENS)
    for char, _ in sorted(chars.items(), key=by_frequency):
        vocab.extend((char, f"##{char}"))
    known = set(vocab)
    for piece, count in sorted(pieces.items(), key=by_frequency):
        if len(vocab) >= vocab_size or count < 2:
            break
        if piece not in known:
            vocab.append(piece)
            known.add(piece)
    return BertTokenizer(
        vocab={token: i for i, token in enumerate(vocab)},
        do_lower_case=True,
        strip_accents=False,
        tokenize_chinese_chars=True,
        model_max_length=SERVE_MAX_LENGTH,
    )


def small_bert_config(vocab_size: int) -> BertConfig:
    return BertConfig(
        vocab_size=vocab_size,
        hidden_size=64,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=128,
        max_position_embeddings=SERVE_MAX_LENGTH,
        num_labels=2,
        hidden_dropout_prob=0.1,
        attention_probs_dropout_prob=0.1,
    )


def train_text_classifier(
    tokenizer: BertTokenizer,
    texts: Sequence[Text],
    labels: Sequence[int],
    seed: int,
    epochs: int = 3,
    batch_size: int = 32,
    learning_rate: float = 1e-3,
) -> BertForSequenceClassification:
    """Fine-tune a freshly initialised small BERT on (text, revert label) examples.

    The loss is class-weighted: reverts are under a tenth of the data, and unweighted training
    of so small a model collapses to predicting "not reverted" for everything.
    """
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    model = BertForSequenceClassification(small_bert_config(len(tokenizer)))
    model.train()
    y = torch.tensor(labels, dtype=torch.long)
    positives = max(int(y.sum()), 1)
    weights = torch.tensor([1.0, (len(y) - positives) / positives])
    loss_fn = torch.nn.CrossEntropyLoss(weight=weights)
    optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate, weight_decay=0.01)
    if len(texts) == 0:
        return model.eval()
    # scripts/research_distillation.py runs a copy of this loop: a research script that also
    # trains on soft targets, kept apart so shipped training stays fixed.
    pairs = isinstance(texts[0], tuple)
    for _ in range(epochs):
        order = torch.randperm(len(texts), generator=generator).tolist()
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            if pairs:
                encoded = tokenizer(
                    [texts[i][0] for i in idx], [texts[i][1] for i in idx],
                    padding=True, truncation=True, max_length=TRAIN_MAX_LENGTH,
                    return_tensors="pt",
                )  # fmt: skip
            else:
                encoded = tokenizer(
                    [texts[i] for i in idx], padding=True, truncation=True,
                    max_length=TRAIN_MAX_LENGTH, return_tensors="pt",
                )  # fmt: skip
            logits = model(**encoded).logits
            loss = loss_fn(logits, y[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model.eval()


def as_classifier(
    tokenizer: BertTokenizer, model: BertForSequenceClassification, max_length: int
) -> TextClassifier:
    return TextClassifier(tokenizer, model, torch.device("cpu"), max_length=max_length)


def save_classifier(tokenizer: BertTokenizer, model: BertForSequenceClassification, out: Path):
    """config.json + model.safetensors + tokenizer files: the layout AutoModel loads."""
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
