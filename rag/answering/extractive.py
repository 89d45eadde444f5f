"""The embedded extractive answerer (the no-LLM default); the answer types are in :mod:`rag.records`.

The extractive answerer never writes a word of its own: it picks the corpus
sentences that best support the question and cites each one, or abstains when the
corpus does not answer it.  Each sentence of the best passages gets two
signals: meaning (embedding similarity, which also bridges English questions to
Chinese text) and coverage (the share of the question's content words it contains,
weighted by IDF; a word the corpus does not know at all weighs most: it is the
question's most specific word and no sentence has it).  An answer-type check scales
both down: a "how much" question needs a sentence with a quantity the question does
not already contain (not a date: "2023年" does not answer "多少"), a "when" question
a new date, and a sentence that is itself a question answers nothing.

Similarities are first put on one scale for every model (e5 scores unrelated sentences
~0.8, USE ~0: each embedder says where its "unrelated" lies).  The two signals are then
blended twice.  *Support* leans on similarity (0.8): it feeds the answerability decision
(:mod:`rag.answering.judge`: is the question about the corpus, and does the corpus say what
is asked?).  *Relevance* weighs both equally: it picks which sentences to cite, where the
question's exact names and numbers matter.  When the question is in another language
than its passages (an English question over Chinese text), coverage means nothing and
both are the similarity alone.  Weights: BENCHMARKS.md.

A cited sentence must make sense on its own, so it brings the neighbour it leans on:
the sentence before one that refers back (因此 …, 这 …), the sentence after one that
merely restates the question, or after it the reason a "why" question asks for.

Sentence vectors come with the hits (the index stores them), so answering embeds
nothing; hits built by hand fall back to embedding their sentences.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from difflib import SequenceMatcher
from typing import TYPE_CHECKING

import numpy as np

from rag.embeddings import Embedder
from rag.ingest.chunker import split_sentences
from rag.records import Answer, Citation, Hit, passage_dict  # noqa: F401 (also importable from here)
from rag.text.lexical import CorpusStats as BM25  # the corpus statistics (issue 25 renames the parameters)
from rag.text.lexical import across_scripts, is_english, tokenize
from rag.tuning import DEFAULT_TUNING, Tuning

if TYPE_CHECKING:
    from rag.answering.judge import Decision

ABSTAIN_ZH = "抱歉，语料中没有找到能回答这个问题的内容。以下是最接近的段落，供参考。"
ABSTAIN_EN = "The corpus does not contain an answer to this question. The closest passages are listed below."

_ASKS_NUMBER = re.compile(r"多少|几[个位种次年倍亿万成分比]|几比几|how (many|much|long)|parameter count|多久|多长时间"
                           r"|\bwhat(?: is| was| are| were)?(?: the| its| their)?(?: [\w'’]+){0,2} (?:price|percentage|share|number|"
                           r"valuation|cost|revenue|amount|market share|gross margin)", re.I)
# A price named in a how/why question ("怎样把价格降到最低") is its subject, not what it asks.
_NAMES_PRICE = re.compile(r"价格|售价|比分")
# A sum of money is asked for (a price, revenue, valuation, cost, funding) and a sentence
# holds one: a figure with its currency ("6.76 亿美元", "3 万人民币", "$0.002").
_ASKS_MONEY = re.compile(r"多少钱|营收|收入|估值|价格|售价|成本|(?<!付)费用|花费|花了|开销|市值|身价|融资(?:金额|额)|投资了多少|出资"
                         r"|\b(?:revenue|valuation|price|cost|spends?|spent|worth|funding|raised?)\b", re.I)
# ... unless what is asked is how long ("花了多久", "how long did it spend"), or by how
# much it changes: "降到 1/10" answers a cost cut.
_ASKS_DURATION = re.compile(r"多久|多长时间|\bhow long\b", re.I)
_ASKS_CHANGE = re.compile(r"降低|降到|降至|减少|节省|节约|下降|\b(?:by how much|reduce[sd]?|cut|lower|save[sd]?)\b", re.I)
_MONEY = re.compile(r"(?:\d+(?:\.\d+)?|[零一二两三四五六七八九十百千]+)(?:多|余)?(?:千万|百万|万亿|[万亿])?"
                    r"(?:美元|美金|元|人民币|欧元|英镑|日元|港元|港币)|[$¥￥]\d")
_ASKS_HOW = re.compile(r"怎样|怎么|如何|为什么|为何|\b(?:how|why)\b(?! (?:many|much))", re.I)
# A name is asked for: a person's (谁, who) or a thing's own name (叫什么名字).
_ASKS_NAME = re.compile(r"谁|叫什么|什么名字|名字是|名叫|哪位|\bwho(?:se|m)?\b|\bwhat is (?:the|his|her|its) name\b", re.I)
# "Which company" asks for one by name; a Chinese one is told by its kind (智己汽车, 软银愿景基金).
_ASKS_ORGANISATION = re.compile(r"哪一?家|哪个(?:公司|机构|企业|品牌|团队|厂商)|\bwhich (?:\w+ )?(?:company|firm|brand|organi[sz]ation|"
                                r"institution|lab|fund|maker|manufacturer|foundry)\b", re.I)
# "Where" asks for a place — a city for 哪座城市 / which city — when it asks where
# something is (总部设在哪, where is … based); "体现在哪里" and "问题出在哪儿" ask what, not where.
_ASKS_CITY = re.compile(r"哪一?座城市?|哪个城市|\bwhich city\b", re.I)
_ASKS_PLACE = re.compile(r"哪一?座城市?|哪个城市|\bwhich city\b|哪个国家|哪国|\bwhich country\b|"
                         r"在(?:哪里|哪儿|何处|何地)(?:举办|举行|召开|落地|建|设|成立|上市)|"
                         r"(?:总部|位于|设在|设于|建在|落户|坐落|举办|举行|召开|搬到|迁往|迁到|来自)[^,，?？]{0,4}(?:哪里|哪儿|在哪|何处|何地|哪)|"
                         r"\bwhere (?:is|are|was|were|did|does|do)\b[^?]*\b(?:based|headquartered|located|held|built|founded|"
                         r"headquarters|hold|build|set up|open)\b", re.I)
# A place the dictionary does not list: …省, …州, …市 (not 市场), …国 (not 国内).
_PLACE_SUFFIX = re.compile(r"[\u4e00-\u9fff]{1,3}(?:省|州|市(?![场值面民])|国(?![内际产家外企资度人]))")
_ORGANISATION = re.compile(r"[\u4e00-\u9fff]{2,8}?(?:公司|集团|科技|汽车|资本|基金|银行|证券|大学|研究院|研究所|实验室|工厂|晶圆厂|代工厂)")
# "Which one is best" asks for a choice: a sentence that only lists the candidates does not make it.
_ASKS_CHOICE = re.compile(r"哪[一]?[家款个种位项部][^?？]*?(?:最|更)|\bwhich\b[^?]*\b(?:best|better)\b", re.I)
# "更好地响应" (to serve better) and "最终" (finally) compare nothing.
_COMPARES = re.compile(r"最(?!终|后|近|初|早)|更(?!好地|加|是|多)|较|优于|好于|胜过|超过|超越|领先|强于|不如|首选|第一|"
                       r"\b(?:best|better|most|top|beats?|outperforms?)\b", re.I)
# What a sum of money measures.  A question asking one (收入) is not answered by a
# sentence that gives another (估值) and says nothing of the one asked.
_METRICS = {
    "revenue": re.compile(r"收入|营收|进账|赚|盈利|利润|\b(?:revenue|income|earn\w*|profit)\b", re.I),
    "valuation": re.compile(r"估值|身价|市值|\b(?:valuation|valued|worth)\b", re.I),
    "cost": re.compile(r"成本|花费|费用|开销|开支|投入|烧|亏|\b(?:cost|spen[dt]\w*|expense\w*|lose|loss)\b", re.I),
    "funding": re.compile(r"融资|募集|领投|注资|投资|\b(?:funding|raised?|invest\w*)\b", re.I),
    "price": re.compile(r"价格|售价|定价|收费|\bprice[ds]?\b", re.I),
}
# The market a question asks about: a figure for 海外 does not answer a question about 国内.
_MARKETS = {"domestic": re.compile(r"国内|我国|境内|海内外|\bdomestic(?:ally)?\b|\bin China\b", re.I),
            "overseas": re.compile(r"海外|国外|境外|海内外|\boverseas\b|\babroad\b|\boutside (?:of )?China\b", re.I),
            "global": re.compile(r"全球|全世界|\bworldwide\b|\bglobal(?:ly)?\b", re.I)}
# A country names a market too ("中国生成式AI企业的估值"), unless a question describes one
# company by it ("那家美国AI公司").
_COUNTRIES = {"domestic": re.compile(r"中国|\bChina(?:'s)?\b|\bChinese\b"), "overseas": re.compile(r"美国|欧美|硅谷")}
# A question that describes its subject instead of naming it: "那家搜索巨头", "被看作“GitHub”的那个社区".
_DESCRIBES = re.compile(r"[那这某][家个位款部只]|被(?:看作|视为|称为|誉为)|号称|\bthe (?:company|firm|startup|platform|community) "
                        r"(?:that|which|behind|known)\b", re.I)
# "几分之一" asks for a ratio: 30 分之一, not the 3 万 of another sentence.  So does
# "便宜到什么程度" (cheaper by how much, as a ratio): 30 分之一, 5 倍, 50%.
_ASKS_FRACTION = re.compile(r"几分之|(?:便宜|贵|快|慢|省|高|低)了?(?:到|出)?(?:什么程度|多少倍|几倍)|\bwhat fraction\b", re.I)
_FRACTION = re.compile(r"分之|[%％]|\d\s*/\s*\d|倍")
# "多少份/几轮" counts in a measure word of its own: a sentence without a figure in it (一份,
# 6 轮) does not give the count.  个, 人 and the like are too loose to check ("27 万的模型").
_ASKS_UNIT = re.compile(r"(?:多少|几)(份|倍|家|张|台|款|篇|座|条|项|部|届|轮)")
# What a number question counts, when it ends the question: 付费用户 in "有多少付费用户?".
_COUNTED = re.compile(r"(?:多少|几)[个位种次倍家款条台张名项份篇座部届轮片]?([\u4e00-\u9fff]+)\s*呢?[?？]?\s*$")


def metrics(text: str) -> frozenset[str]:
    """The kinds of sum ``text`` speaks of: revenue, valuation, cost, funding, price."""
    return frozenset(name for name, pattern in _METRICS.items() if pattern.search(text))


def markets(text: str, countries: bool = True) -> frozenset[str]:
    """The markets ``text`` names: domestic (国内, 中国), overseas (海外, 美国), global (全球)."""
    named = {name for name, pattern in _MARKETS.items() if pattern.search(text)}
    if countries:
        named |= {name for name, pattern in _COUNTRIES.items() if pattern.search(text)}
    return frozenset(named)


def _unit(question: str) -> str:
    m = _ASKS_UNIT.search(question)
    return m.group(1) if m else ""


def _counts_in(unit: str, text: str) -> bool:
    """Does ``text`` give a figure in ``unit`` (6 轮, 三十多家, 100 余款)?"""
    return re.search(rf"[\d零一二两三四五六七八九十百千万亿]\s*[多余]?\s*[万亿]?\s*{unit}", text) is not None


def counted_compound(question: str, bm25: BM25) -> str:
    """A compound noun of two corpus words that the question counts (付费用户, 企业客户):
    a sentence counting only 用户, or something else, does not answer it.  Single words
    are not checked: paraphrases count 资金 for 门票, 权重 for 参数."""
    m = _COUNTED.search(question)
    noun = m.group(1) if m else ""
    return noun if len(noun) == 4 and noun[:2] in bm25.vocab and noun[2:] in bm25.vocab else ""


# A year the question names: a sentence about another year's figure is not its answer.
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")
_MONTH = re.compile(r"(?<![\d.])(1[0-2]|0?[1-9])\s*月|\b(january|february|march|april|may|june|july|august|september|"
                    r"october|november|december)\b", re.I)
_MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def months(text: str) -> frozenset[int]:
    """The months ``text`` names, as numbers: "3 月", "6 月底", "March".  English months
    are read in full only ("Jun" is Lei Jun's name), and "may" only when capitalised."""
    out = set()
    for m in _MONTH.finditer(text):
        if m.group(1):
            out.add(int(m.group(1)))
        elif m.group(2).lower() != "may" or m.group(2)[0] == "M":
            out.add(_MONTH_NAMES.index(m.group(2).lower()[:3]) + 1)
    return frozenset(out)


_RELATIVE_YEAR = {"前年": -2, "去年": -1, "今年": 0, "明年": 1, "last year": -1, "this year": 0, "next year": 1}
_RELATIVE = re.compile("|".join(_RELATIVE_YEAR), re.I)


def relative_years(text: str) -> frozenset[int]:
    """The years ``text`` names relative to the time of writing: 去年 → -1, this year → 0."""
    return frozenset(_RELATIVE_YEAR[m.group().lower()] for m in _RELATIVE.finditer(text))


# A yes/no question ("是否已经完成了首轮融资?") is answered by a sentence that speaks of what
# it asks about: the words after 是否.
_ASKS_WHETHER = re.compile(r"(?:是否|是不是|有没有|能否|能不能|会不会|可否)([^,，。?？]+)")


# A word in more of the passages than this says nothing of what is asked (已经, 可以).
WHETHER_MAX_SHARE = 0.25


def _speaks_of(text: str, predicate: str, bm25: BM25) -> bool:
    """Does ``text`` use a word of ``predicate`` that is not common in the corpus (a
    bigram in at most ``WHETHER_MAX_SHARE`` of the passages)?  True when the predicate
    has none to look for."""
    rare = {t for t in tokenize(predicate) if len(t) == 2 and t in bm25.vocab
            and bm25.df(t) <= WHETHER_MAX_SHARE * bm25.n_docs}
    return not rare or bool(rare & set(tokenize(text)))


_ASKS_PERSON = re.compile(r"谁|哪位|\bwho(?:se|m)?\b", re.I)
# "When did …" asks for a date; "When the arm was told …, what did it do?" does not.
_ASKS_DATE = re.compile(r"哪一?天|哪一?年|哪一?个?月|何时|什么时候|几月|几号|\bwhen (?:did|was|were|is|are|will|does|do|has|have|had)\b"
                        r"|what date|(?:which|what) (day|month|year)|in what (?:month|year)", re.I)
# Events a when-question asks about, each with the words a sentence may report it by:
# the year a chip's development began does not say when it was launched.
_EVENTS = ("发布|推出|上线|问世|亮相|面世|公布|宣告|诞生|开放", "成立|创立|创办|创建", "收购|并购", "融资|投资", "上市", "开源")
# A quantity: digits, or Chinese numerals followed by a magnitude or measure word
# (so 一些 and 昙花一现 are not numbers, 两个月 and 十亿 are).
# A bare 一 before a measure word is an article or an ordinal (一次性, 一个, 第一个), not
# an amount, and neither is a number glued to a Latin name (GPT-4, PaLM2, A100), nor
# 十分 or 万分 ("very"), unless a fraction follows (十分之一).
_QUANTITY = re.compile(r"(?<![A-Za-z\d.\-])\d+(?:\.\d+)?(?![A-Za-z\d]|\.\d)"
                       r"|(?<!第)(?!十分(?!之)|万分(?!之))(?:[零两三四五六七八九十百千万亿]|一(?=[零一二两三四五六七八九十百千万亿]))"
                       r"[零一二两三四五六七八九十百千万亿]*(?=[多余几]?[个种位家次倍亿万千百元成分天岁名项款条台张人月年周])")
_DATE = re.compile(r"\d+\s*[年月日号]|[一二三四五六七八九十]+月|去年|今年|明年|前年")
# Question words carry no content: a sentence need not contain 多少 to answer 多少.
_QUESTION_WORDS = re.compile(r"为什么|为何|什么|多少|哪|几|吗|呢|如何|怎么|怎样|是否|\b(?:what|why|how|which|when|who|where)\b", re.I)
_QUESTION_END = re.compile(r"[?？]\W*$")
# A sentence opening with one of these leans on the sentence before it ("因此 …" gives
# a conclusion whose reason came first; "这 …" refers back), so it is cited with it.
_REFERS_BACK = re.compile(r"^\W*(?:因此|所以|因而|于是|由此|为此|对此|这|此(?!外)|其中|它|他们|她们|他|她)")
# For a "why" question, a following sentence opening with a reason is part of the answer.
_ASKS_WHY = re.compile(r"为什么|为何|原因|\bwhy\b", re.I)
_GIVES_REASON = re.compile(r"^\W*(?:因为|由于|原因|主要是|一方面|首先)")
# A sentence that only restates the claim a why-question asks about ("值得注意的是,自 6 月开始,
# ChatGPT 的月活首次出现下滑。" for "ChatGPT的月活为什么下滑?"; an opening remark adds nothing)
# leaves the reason to the sentence after it, which is quoted with it.  Novelty is looser
# than an echo's (``Tuning.echo_novelty``): "首次出现下滑" restates "下滑".
_REMARK = re.compile(r"^\W*(?:值得注意的是|值得一提的是|需要注意的是|需要指出的是|事实上|实际上|据悉|据报道|据了解|"
                     r"与此同时|不过|但是|然而|而且|同时)[,，、]?")
RESTATES_NOVELTY = 0.5
# A sentence followed by a lead-in whose list never comes ("人们对此的推测包括:" ending the
# paragraph, then another topic) announces reasons the corpus does not give.
_LEAD_IN = re.compile(r"[:：]\s*$")
_LEAD_IN_MAX = 12  # characters of a lead-in that says nothing itself
# A list's first item, and the items that continue it.
_OPENS_LIST = re.compile(r"^\W*(?:首先|第一[,，、:：]|一是|其一|一方面|\bfirst(?:ly)?\b)", re.I)
_CONTINUES_LIST = re.compile(r"^\W*(?:其次|再次|然后|最后|此外|另外|第[二三四五][,，、:：]|[二三四五]是|其[二三四五]|"
                             r"另一方面|\b(?:second(?:ly)?|then|finally|also)\b)", re.I)
# A list item: a list's first item, or a numbered or bulleted line.
_LIST_ITEM = re.compile(rf"{_OPENS_LIST.pattern}|^\W{{0,2}}(?:\d+[.、)）]|[一二三四五六七八九十]+[、.]|"
                        r"[(（][\d一二三四五六七八九十]+[)）]|[-•·*])", re.I)
LIST_ITEMS_MAX = 3  # following items quoted after a list's first


def abstain_message(question: str) -> str:
    return ABSTAIN_EN if is_english(question) else ABSTAIN_ZH


@dataclass(frozen=True)
class Candidate:
    hit_rank: int
    start: int  # absolute offsets into the source file
    end: int
    text: str
    support: float  # evidence strength: decides whether to answer
    relevance: float = 0.0  # how well it answers: picks and orders the cited sentences
    echo: bool = False  # mostly restates the question
    type_match: bool = True  # holds the kind of answer asked for (a new quantity, date or name)
    match: float = 0.0  # relevance before the answer-type checks: how well it matches the question's content
    restates: bool = False  # restates the claim a why-question asks about: the reason follows it


def _coverage(question_terms: dict[str, float], sentence_tokens: list[str]) -> float:
    """Share of the question's IDF mass whose terms occur in the sentence."""
    total = sum(question_terms.values())
    if total == 0:
        return 0.0
    present = set(sentence_tokens)
    return sum(w for t, w in question_terms.items() if t in present) / total


def content_tokens(question: str) -> list[str]:
    """The question's tokens without its question words (多少, what …), which carry no content."""
    return tokenize(_QUESTION_WORDS.sub(" ", question))


def question_terms(question: str, bm25: BM25) -> tuple[dict[str, float], float]:
    """The question's content terms with their IDF (unknown terms: the maximum), and
    the share of its tokens the corpus knows."""
    tokens = tokenize(question)
    known = sum(1 for t in tokens if t in bm25.vocab) / len(tokens) if tokens else 0.0
    content = content_tokens(question)
    unknown = bm25.max_idf()
    terms = {t: (bm25.idf(t) if t in bm25.vocab else unknown) for t in set(content)}
    return terms, known


# What a new name in a sentence looks like: a Latin word, a quoted or titled term, or
# a Chinese personal name (one of the commonest surnames, rarely a word's first character
# otherwise, and one or two characters).  The Latin word must be rarer than this share
# of the passages: "AI" in an article about AI names nothing.
_LATIN_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]+")
# A quoted name is short and has no clause punctuation; 「80% 的价值可能是…」 is a quotation.
_QUOTED = re.compile(r"[“「《\"'‘]([^”」》\"'’，,。;；!！?？]{1,12})[”」》\"'’]")
_PERSON = re.compile(r"(?:王|李|刘|杨|赵|吴|孙|朱|胡|郭|罗|郑|梁|谢|唐|冯|邓|彭|肖|袁|潘|蒋|蔡|魏|沈|姚|卢|姜|崔|谭|汪|廖|"
                     r"贾|邹|孟|熊|秦|邱|薛|闫|陶|黎|郝|龚|邵|覃|戴|孔|俞)[\u4e00-\u9fff]{1,2}")
# Surnames that also begin or end everyday words (高兴, 许多, 陈年, 紧张, 花钱) count only where a
# role or a verb of saying marks a person: "首席执行官是高某", "周某表示".
_ROLE = r"(?:执行官|CEO|创始人|董事长|总裁|经理|分析师|科学家|教授|负责人|高管|主席|院长|专家|作者|研究员|记者|老师)"
_PERSON_MARKED = re.compile(rf"{_ROLE}(?:是|为)?((?:高|周|马|黄|何|许|曾|程|田|董|于|余|方|白|金|石|江|龙|史|段|侯|"
                            rf"钟|陆|顾|毛|严|武|莫|万|任|范|付|尹|向|张|陈|林|徐|宋|韩|曹|杜|叶|苏|吕|丁|夏|韦|雷|贺|"
                            rf"钱|汤)[\u4e00-\u9fff]{{1,2}})")
NAME_MAX_SHARE = 0.1
# Words a sentence may use for a role a question asks about (otherwise the role itself).
_SAME_ROLE = {"CEO": "CEO|执行官", "执行官": "CEO|执行官", "创始人": "创始人|创办|创立|创建|\\bfound(?:ed|ers?)\\b"}


def asks_number(question: str) -> bool:
    return bool(_ASKS_NUMBER.search(question)
                or (_NAMES_PRICE.search(question) and not _ASKS_HOW.search(question)))


def _asking_clause(question: str) -> str:
    """The clause that asks for a number (the last holding 多少, how much …), or the whole
    question: a money word in another clause describes the subject ("那家营收最高的企业,
    有多少付费用户?" asks for users)."""
    asking = [c for c in re.split(r"[,，;；]", question) if _ASKS_NUMBER.search(c)]
    return asking[-1] if asking else question


def asks_person(question: str) -> bool:
    """Is the name asked for a person's: 谁/who, or a role (创始人叫什么名字)?"""
    return bool(_ASKS_PERSON.search(question) or re.search(_ROLE, question, re.I))


def _new_name(text: str, question: str, bm25: BM25, person: bool = True) -> bool:
    """Does ``text`` name someone or something the question does not?  Personal names
    count only when ``person``: the founder's name does not tell what a model is called."""
    lowered = question.lower()
    for m in _LATIN_NAME.finditer(text):
        word = m.group().lower()
        if (word not in lowered and _looks_like_name(m.group(), text[m.start() - 1 : m.start()] if m.start() else "")
                and bm25.df(word) <= NAME_MAX_SHARE * bm25.n_docs):
            return True
    if any(m.group(1) not in question for m in _QUOTED.finditer(text)):
        return True
    return person and (any(m.group()[:2] not in question for m in _PERSON.finditer(text))
                       or any(m.group(1)[:2] not in question for m in _PERSON_MARKED.finditer(text)))


def _names_place(text: str, question: str, city: bool) -> bool:
    """Does ``text`` name a place (a city, if ``city``) that the question does not?"""
    from rag.text.bilingual import places

    known, wanted = places(), {"city"} if city else {"city", "place"}
    for run in re.findall(r"[\u4e00-\u9fff]+", text):
        for n in range(2, 7):
            for i in range(len(run) - n + 1):
                word = run[i : i + n]
                if known.get(word) in wanted and word not in question:
                    return True
    return not city and _new(_PLACE_SUFFIX, text, question)


# Acts a who/which question asks about, each with the words a sentence may report it by:
# a sentence announcing Adept's round does not say who led it.
_ACTS = ((r"领投|牵头|\bled\b|\blead(?:s|ing)?\b", r"领投|牵头|\bled\b|\blead"),
         (r"开发|研发|\bdevelop", r"开发|研发|打造|推出|发布|训练|\bdevelop|\bbuil[dt]"),
         (r"收购|并购|\bacquir", r"收购|并购|\bacquir|\bbought\b"),
         (r"代工|\bfab", r"代工|制造|生产|\bfab|manufactur"))


def _names_act(text: str, question: str) -> bool:
    """Does ``text`` report the act a who/which question asks about (if it names one)?"""
    return all(re.search(reported, text, re.I) for asked, reported in _ACTS if re.search(asked, question, re.I))


def _asks_act(question: str) -> bool:
    return any(re.search(asked, question, re.I) for asked, _ in _ACTS)


def _names_organisation(text: str, question: str, bm25: BM25) -> bool:
    """Does ``text`` name a company the question does not: a name, or a Chinese one by its kind (…基金)?"""
    return _new_name(text, question, bm25, person=False) or _new(_ORGANISATION, text, question)


def _names_event(text: str, question: str) -> bool:
    """Does ``text`` report the event a when-question asks about (if it names one)?"""
    return all(re.search(words, text) for words in _EVENTS if re.search(words, question))


def _looks_like_name(word: str, before: str) -> bool:
    """A Latin word that names something: capitalised or with a digit (token, prompt are
    nouns), not a role (CEO), not an abbreviation glossing the words before it (生成式人工智能(AIGC))."""
    return (word != word.lower() and not re.fullmatch(_ROLE, word, re.I) and before not in ("(", "（"))


# "由谁创办" asks for the founder as surely as "创始人是谁" does.
_ASKS_FOUNDER = re.compile(r"创办|创立|创建|\bfound(?:ed|ers?)\b", re.I)


def _names_role(text: str, question: str) -> bool:
    """Does ``text`` speak of every role the question asks about?  A CEO's name does not
    answer who founded the company."""
    roles = re.findall(_ROLE, question, re.I) + (["创始人"] if _ASKS_FOUNDER.search(question) else [])
    return all(re.search(_SAME_ROLE.get(role.upper() if role.isascii() else role, role), text, re.I)
               for role in roles)


def is_cross_lingual(question: str, bm25: BM25, hits: list[Hit], tuning: Tuning = DEFAULT_TUNING) -> bool:
    """Is the question in another language than the passages it retrieved?  Either few
    of its tokens are known to the corpus, or it has no Chinese while its passages are
    mostly Chinese: an English question over a Chinese corpus can share many tokens with
    it (the, of, GPT) and still be matched by meaning only."""
    _, known = question_terms(question, bm25)
    if known < tuning.cross_lingual_known:
        return True
    return across_scripts(question, (h.chunk.text for h in hits))


def _new(pattern: re.Pattern[str], text: str, question: str) -> bool:
    """Does ``text`` hold a match of ``pattern`` that the question does not already hold?"""
    text, question = re.sub(r"\s", "", text), re.sub(r"\s", "", question)  # "2 月" is "2月"
    if pattern is _QUANTITY:  # a date is not a quantity
        text, question = _DATE.sub(" ", text), _DATE.sub(" ", question)
    asked = {m.group() for m in pattern.finditer(question)}
    return any(m.group() not in asked for m in pattern.finditer(text))


def _announces(text: str) -> bool:
    """Is ``text`` only a short lead-in ("GGV有话说:", "推测包括:"), announcing what follows?
    A longer one holds its own claim ("李涛认为,国内企业…可以奉行的是“拿来主义”…:")."""
    return bool(_LEAD_IN.search(text)) and len(re.sub(r"\W", "", text)) <= _LEAD_IN_MAX


def _lists_nothing(rest: str) -> bool:
    """Is the text after a restated claim (``rest``, to the end of its passage) a lead-in
    that ends its paragraph with no list after it ("人们对此的推测包括:", then another topic)?
    Then the reasons it announces are not in the corpus."""
    paragraph, newline, after = rest.partition("\n")
    paragraph = paragraph.strip()
    return (bool(_LEAD_IN.search(paragraph)) and not re.search(r"[。！？!?]", paragraph)
            and bool(newline and after.strip()) and not _LIST_ITEM.match(after.lstrip()))


def _novelty(sentence_tokens: list[str], asked: set[str]) -> float:
    """Share of the sentence's tokens that the question does not contain."""
    if not sentence_tokens:
        return 0.0
    return sum(1 for t in sentence_tokens if t not in asked) / len(sentence_tokens)


def _sentences(hits: list[Hit], embedder: Embedder) -> tuple[list[tuple[int, int, int, str]], np.ndarray]:
    """(hit rank, start, end, text) of every sentence of the hits, and their vectors."""
    spans: list[tuple[int, int, int, str]] = []
    vectors: list[np.ndarray] = []
    to_embed: list[int] = []
    seen: set[tuple[str, int]] = set()  # overlapping passages share sentences: score each once
    for rank, hit in enumerate(hits):
        c = hit.chunk
        stored = hit.sentence_vectors is not None and len(hit.sentences) == len(hit.sentence_vectors)
        pairs = (zip(hit.sentences, hit.sentence_vectors) if stored  # type: ignore[arg-type]
                 else (((c.start + s.start, c.start + s.end), None) for s in split_sentences(c.text)))
        for (start, end), vector in pairs:
            text = c.text[start - c.start : end - c.start]
            if len(text) < 4 or (c.source, start) in seen:
                continue
            seen.add((c.source, start))
            if vector is None:
                to_embed.append(len(spans))
            spans.append((rank, start, end, text))
            vectors.append(vector)  # type: ignore[arg-type]  # a None is embedded below
    if to_embed:
        for i, v in zip(to_embed, embedder.embed([spans[i][3] for i in to_embed])):
            vectors[i] = v
    return spans, (np.stack(vectors).astype(np.float32) if vectors else np.zeros((0, 1), np.float32))


@dataclass(frozen=True)
class AnswerType:
    """What kind of answer a question asks for, read once per question."""

    number: bool  # 多少, how many, a price …
    money: bool  # … and the number is a sum of money (估值, 营收, how much … cost)
    date: bool  # 哪一年, when did …
    name: bool  # 谁, 叫什么名字, who …
    person: bool  # … and the name is a person's (谁, or a role: 创始人叫什么)
    choice: bool  # 哪一家最好, which … best
    organisation: bool  # 哪家公司, which company: a name, or a Chinese one by its kind (…汽车, …基金)
    place: str  # "city" (哪座城市), "place" (在哪里, where) or ""
    years: frozenset[str]  # the years it names
    months: frozenset[int]  # … and months (3 for 3月 or March)
    relative_years: frozenset[int]  # … and years relative to the article's (去年: -1)
    fraction: bool = False  # 几分之一
    unit: str = ""  # the measure word it counts in (多少份: 份)
    metrics: frozenset[str] = frozenset()  # for a sum of money, what it measures (收入: revenue)
    markets: frozenset[str] = frozenset()  # the markets it names (国内: domestic)
    whether: str = ""  # what a yes/no question asks about (是否支持中文: 支持中文), if it asks nothing else

    @classmethod
    def of(cls, question: str) -> AnswerType:
        number = asks_number(question)
        fraction = bool(_ASKS_FRACTION.search(question))  # "花费是几分之一" asks a ratio, not a sum
        asking = _asking_clause(question)
        money = bool(_ASKS_MONEY.search(asking)) and not (
            _ASKS_CHANGE.search(question) or _ASKS_DURATION.search(question) or fraction)
        place = "city" if _ASKS_CITY.search(question) else "place" if _ASKS_PLACE.search(question) else ""
        asked = cls(number=number, money=number and money, date=bool(_ASKS_DATE.search(question)),
                    name=bool(_ASKS_NAME.search(question)), person=asks_person(question),
                    choice=bool(_ASKS_CHOICE.search(question)), organisation=bool(_ASKS_ORGANISATION.search(question)),
                    place=place, years=frozenset(_YEAR.findall(question)), months=months(question),
                    relative_years=relative_years(question), fraction=fraction, unit=_unit(question),
                    metrics=metrics(asking) if number and money else frozenset(),
                    markets=markets(question, countries=not _DESCRIBES.search(question)))
        whether = _ASKS_WHETHER.search(question)
        if whether and not asked.asks:  # "花了多久检验它是否可靠" asks how long
            return replace(asked, whether=whether.group(1))
        return asked

    @property
    def asks(self) -> bool:
        return (self.number or self.date or self.name or self.choice or self.organisation or bool(self.place)
                or bool(self.whether))

    def held_by(self, text: str, question: str, bm25: BM25) -> bool:
        """Could ``text`` hold this kind of answer?  Each check is one reason it cannot:
        another year, month or market only; no ratio for 几分之一, no count in 份 for 多少份;
        no comparison for a choice; no new figure (no currency for a sum, or only another kind
        of sum: 估值 for 收入; not the compound counted: 用户 for 付费用户), or no new date of the
        asked event; no company's name for 哪家; no place for where; no new name, or a person's
        without the role or act asked about; for a yes/no question, none of the rare words of
        what it asks about."""
        said = set(_YEAR.findall(text))
        if self.years and said and not self.years & said:
            return False
        said_months = months(text)
        if self.months and said_months and not self.months & said_months:
            return False
        said_relative = relative_years(text)
        if self.relative_years and said_relative and not self.relative_years & said_relative:
            return False
        said_markets = markets(text)
        if self.markets and said_markets and not self.markets & said_markets:
            return False
        if self.fraction and not _FRACTION.search(text):
            return False
        if self.unit and not _counts_in(self.unit, text):
            return False
        if self.choice and not _COMPARES.search(text):
            return False
        if self.number and not _new(_QUANTITY, text, question):
            return False
        if self.number and _figure_of_another(text, question, bm25):
            return False
        if self.money and not _new(_MONEY, text, question):
            return False
        counted = counted_compound(question, bm25) if self.number else ""
        if counted and not (counted[:2] in text and counted[2:] in text):
            return False
        said_metrics = metrics(text)
        if self.metrics and said_metrics and not self.metrics & said_metrics:
            return False
        if self.date and not (_new(_DATE, text, question) and _names_event(text, question)):
            return False
        if self.organisation and not _names_organisation(text, question, bm25):
            return False
        if self.place and not _names_place(text, question, city=self.place == "city"):
            return False
        # "由谁领投": an investor, a developer or a buyer may be a company as well as a person
        if self.name and not (_new_name(text, question, bm25, self.person)
                              or (_asks_act(question) and _names_organisation(text, question, bm25))):
            return False
        if self.name and self.person and not _names_role(text, question):
            return False
        if (self.name or self.organisation) and not _names_act(text, question):
            return False
        if self.whether and not _speaks_of(text, self.whether, bm25):
            return False
        return True


# Clauses of a question: "融资金额是多少,由谁领投?" asks two things.
_CLAUSE = re.compile(r"[,，;；]|\band\b")


def answer_types(question: str) -> list[AnswerType]:
    """What the question asks for, one type per clause that asks something.  A sentence
    holding what either clause asks answers the question in part ("6.76 亿美元, 由软银愿景
    基金领投": the figure, and an investor that is not a person's name): asking two things
    at once should not make a question harder to answer than asking one."""
    asking = [t for t in map(AnswerType.of, _CLAUSE.split(question)) if t.asks]
    return asking if len(asking) > 1 else [AnswerType.of(question)]


def score_sentences(question: str, query_vector: np.ndarray, hits: list[Hit],
                    embedder: Embedder, bm25: BM25, tuning: Tuning = DEFAULT_TUNING) -> list[Candidate]:
    """Every sentence of the retrieved passages, scored as support for the question."""
    spans, vectors = _sentences(hits, embedder)
    if not spans:
        return []
    # Put every model's cosines on one scale: 0 where unrelated texts sit for this model
    # (e5's unrelated pairs score ~0.8, USE's ~0), 1 for identical meaning.
    floor = float(getattr(embedder, "similarity_floor", 0.0))
    dense = (vectors @ np.asarray(query_vector, dtype=np.float32) - floor) / (1.0 - floor)
    terms, _ = question_terms(question, bm25)
    asked = set(tokenize(question))
    cross_lingual = is_cross_lingual(question, bm25, hits, tuning)
    w_support = 1.0 if cross_lingual else tuning.support_dense_weight
    w_relevance = 1.0 if cross_lingual else tuning.relevance_dense_weight
    wanted = answer_types(question)
    from rag.answering.judge import EnglishNames

    # An English question shares no words with a Chinese sentence, but its names and
    # figures can be found in it (王慧文 for Wang Huiwen, 1 亿 for 100 million).
    names = EnglishNames.of(question, bm25, "".join(h.chunk.text for h in hits)) \
        if cross_lingual and is_english(question) and tuning.cross_lingual_name_weight else None
    asks_why = bool(_ASKS_WHY.search(question))
    asks_item = any(t.number or t.date or t.name for t in wanted)
    out = []
    previous: tuple[int, int, int, str] | None = None
    for (rank, start, end, text), sim in zip(spans, dense):
        tokens = tokenize(text)
        coverage = _coverage(terms, tokens)
        penalty = 1.0
        if names:
            # "他称…" names its subject in the sentence before.
            leans = previous is not None and previous[0] == rank and _REFERS_BACK.search(text)
            named = previous[3] + text if previous is not None and leans else text
            sim += tuning.cross_lingual_name_weight * names.coverage(named)
            if names.misnames(text):  # about someone else: weighs as much as two mismatches
                penalty *= tuning.type_mismatch ** 2
        previous = (rank, start, end, text)
        type_match = any(t.held_by(text, question, bm25) for t in wanted)
        # A sentence bringing the figure, date or name asked for is an answer however much
        # of the question it repeats ("2020 年 6 月,GPT-3 发布。" for "GPT-3是哪一年哪个月发布的?").
        echo = _novelty(tokens, asked) < tuning.echo_novelty and not (type_match and asks_item)
        restates = asks_why and _novelty(tokenize(_REMARK.sub("", text)), asked) < RESTATES_NOVELTY
        if asks_why and _lists_nothing(hits[rank].chunk.text[end - hits[rank].chunk.start :]):
            type_match = False
        if not type_match:
            penalty *= tuning.type_mismatch
        if _QUESTION_END.search(text) or _announces(text):  # a question in the text is not its answer
            penalty *= tuning.type_mismatch
        support = _penalised(w_support * float(sim) + (1 - w_support) * coverage, penalty)
        if echo:
            penalty *= tuning.type_mismatch
        match = w_relevance * float(sim) + (1 - w_relevance) * coverage
        out.append(Candidate(rank, start, end, text, support, _penalised(match, penalty), echo, type_match, match,
                             restates))
    return out


def _penalised(score: float, factor: float) -> float:
    """``score`` lowered by ``factor`` (< 1) whatever its sign: a question in another
    language can match every sentence below the similarity floor, and halving a negative
    score would raise it."""
    return score * factor if score >= 0 else score / factor


def _with_context(chosen: list[Candidate], candidates: list[Candidate], question: str,
                  hits: list[Hit]) -> list[Candidate]:
    """The chosen sentences, each with the neighbours it needs to be understood: the
    sentence before one that refers back; the sentence after one that only restates the
    question (the answer follows it), or that gives the reason a "why" question asks; the
    other items of a list ("首先 …" with the "其次 …" after it, "其次 …" with the item
    before it), unless the question asks for one figure, date or name.

    Neighbours are looked up in the whole file as far as the retrieved passages cover
    it: overlapping passages share their sentences, and a list often runs past the end
    of the passage where it starts."""
    by_file: dict[str, list[Candidate]] = {}
    for c in candidates:
        by_file.setdefault(hits[c.hit_rank].chunk.source, []).append(c)
    for group in by_file.values():
        group.sort(key=lambda c: c.start)
    wanted = AnswerType.of(question)
    open_question = not (wanted.number or wanted.date or wanted.name)
    seen: set[tuple[int, int]] = set()
    out: list[Candidate] = []
    for cand in chosen:
        group = by_file[hits[cand.hit_rank].chunk.source]
        i = next(k for k, c in enumerate(group) if c.start == cand.start)
        prev = group[i - 1] if i > 0 and _adjacent(group[i - 1], cand) else None
        in_list = (open_question and prev is not None and _CONTINUES_LIST.search(cand.text)
                   and (_OPENS_LIST.search(prev.text) or _CONTINUES_LIST.search(prev.text)))
        before = prev if _REFERS_BACK.search(cand.text) or in_list else None
        after: list[Candidate] = []
        for nxt in group[i + 1 : i + 1 + LIST_ITEMS_MAX]:
            if not _adjacent(after[-1] if after else cand, nxt):
                break
            completes = not after and ((before is None and (cand.echo or cand.restates))
                                       or (_ASKS_WHY.search(question) and _GIVES_REASON.search(nxt.text)))
            list_goes_on = (open_question and _CONTINUES_LIST.search(nxt.text)
                            and any(_OPENS_LIST.search(x.text) for x in (cand, *after)))
            if not (completes or list_goes_on):
                break
            after.append(nxt)
        for pick in (before, cand, *after):
            if pick is not None and (pick.hit_rank, pick.start) not in seen:
                seen.add((pick.hit_rank, pick.start))
                out.append(pick)
    return out


def _adjacent(a: Candidate, b: Candidate) -> bool:
    """Does ``b`` follow ``a`` in the file, with at most a line break between them?"""
    return 0 <= b.start - a.end <= 2


def _citing_passages(chosen: list[Candidate], hits: list[Hit]) -> list[int]:
    """The hit each chosen sentence is cited from: per file, the best-ranked passage that
    holds all of that file's quoted sentences, so that a reader sees them together;
    failing that, the passage the sentence was scored in."""
    out = []
    for cand in chosen:
        source = hits[cand.hit_rank].chunk.source
        quoted = [c for c in chosen if hits[c.hit_rank].chunk.source == source]
        holder = next((r for r, h in enumerate(hits)
                       if h.chunk.source == source
                       and all(h.chunk.start <= c.start and c.end <= h.chunk.end for c in quoted)), None)
        out.append(cand.hit_rank if holder is None else holder)
    return out


@dataclass(frozen=True)
class Evidence:
    """The answerer's view of one question: its scored sentences, the best one, and
    the answerability signals computed for it."""

    candidates: list[Candidate]  # best first (relevance, then support)
    features: dict[str, float]
    decision: Decision  # does the corpus answer the question (rag/answerability.py)




# What a description defines: the clause's opening words before 是 / 被视为 ("出门问问是亚洲起步最早…").
_DEFINED = re.compile(r"(?:^|[,，。;；:：])\s*([\u4e00-\u9fffA-Za-z][\u4e00-\u9fffA-Za-z0-9 .\-]{1,11}?)\s*"
                      r"(?:是|被视为|被看作|被称为|被誉为)")


def _subject_names(text: str, question: str, bm25: BM25) -> set[str]:
    """The names in ``text`` that the question does not use: its Latin names (not words as
    common as AI), quoted names, and what it defines ("出门问问" in "出门问问是…")."""
    from rag.answering.judge import LATIN_RUN, holds_name, squash

    names = {m.group() for m in LATIN_RUN.finditer(text)
             if any(bm25.df(t) <= NAME_MAX_SHARE * bm25.n_docs for t in tokenize(m.group()))}
    names |= {m.group(1) for m in _QUOTED.finditer(text)}
    names |= {m.group(1).strip() for m in _DEFINED.finditer(text)}
    return {n for n in names if squash(n) and not holds_name(squash(n), question)}


_SAME_NAME = 0.8  # similarity of two spellings of one name (difflib ratio)


def _figure_of_another(text: str, question: str, bm25: BM25) -> bool:
    """Does ``text`` name what the question asks about, but give its figures only in clauses
    naming something else?  "开发了500亿参数的语言模型BloombergGPT、此外还有BenTsao中文医学模型"
    gives BloombergGPT's parameters, not BenTsao's."""
    from rag.answering.judge import holds_name, specific_names, squash

    asked = specific_names(question, bm25)
    if not asked or not any(holds_name(n, text) for n in asked):
        return False

    def names_another(clause: str) -> bool:  # a misspelling of the asked name (Jsaper.AI) is no other
        others = {squash(n) for n in _subject_names(clause, question, bm25)}
        return any(all(SequenceMatcher(None, o, n).ratio() < _SAME_NAME for n in asked) for o in others)

    with_figure = [c for c in re.split(r"[,，、;；。]", text) if _new(_QUANTITY, c, question)]
    return bool(with_figure) and all(not any(holds_name(n, c) for n in asked) and names_another(c)
                                     for c in with_figure)


def _through_its_name(question: str, candidates: list[Candidate], hits: list[Hit], bm25: BM25) -> list[Candidate]:
    """For a question that describes its subject, the sentence that matches it best is
    often the description ("Hugging Face 是一个…开源社区,被视为大模型领域的 Github"), and
    the answer another sentence of the same article that names the subject and holds the
    figure, date or name asked for ("Hugging Face 的估值可达 40 亿美金").  Such a sentence
    is raised to the description's match."""
    if not candidates or not _DESCRIBES.search(question):
        return candidates
    best = max(candidates, key=lambda c: c.match)
    if best.type_match or best.match <= 0:
        return candidates
    names = _subject_names(best.text, question, bm25)
    source = hits[best.hit_rank].chunk.source
    out = []
    for c in candidates:
        if (names and c.type_match and 0 < c.match < best.match and hits[c.hit_rank].chunk.source == source
                and any(n in c.text for n in names)):
            c = replace(c, match=best.match, relevance=c.relevance * best.match / c.match)
        out.append(c)
    return out


def candidate_evidence(question: str, query_vector: np.ndarray, hits: list[Hit],
                       embedder: Embedder, bm25: BM25, tuning: Tuning = DEFAULT_TUNING) -> Evidence | None:
    """Score the sentences of the best passages and judge the best one; ``None`` if there are none."""
    from rag.answering.judge import decide, features

    hits = hits[:tuning.answer_passages]
    scored = score_sentences(question, query_vector, hits, embedder, bm25, tuning)
    candidates = sorted(_through_its_name(question, scored, hits, bm25), key=lambda c: (-c.relevance, -c.support))
    if not candidates:
        return None
    feats = features(question, candidates, bm25, cross_lingual=is_cross_lingual(question, bm25, hits, tuning))
    return Evidence(candidates, feats, decide(feats))


def extractive_answer(question: str, query_vector: np.ndarray, hits: list[Hit],
                      embedder: Embedder, bm25: BM25, threshold: float | None = None,
                      tuning: Tuning = DEFAULT_TUNING) -> Answer:
    """Answer with the best-supported corpus sentences, or abstain when the answerability
    models say the corpus does not answer (or, if ``threshold`` is given, when the weaker
    of their probabilities is below it)."""
    evidence = candidate_evidence(question, query_vector, hits, embedder, bm25, tuning)
    if evidence is None:
        return Answer(question, abstain_message(question), True, [], hits, support=0.0)
    decision = evidence.decision
    answers = decision.answer if threshold is None else decision.probability >= threshold
    if not answers:
        return Answer(question, abstain_message(question), True, [], hits, support=decision.probability)
    candidates = evidence.candidates
    chosen = [candidates[0]]
    for cand in candidates[1:]:
        if (len(chosen) == tuning.max_sentences
                or cand.relevance < tuning.extra_sentence_ratio * candidates[0].relevance):
            break
        if all(cand.text != c.text for c in chosen):
            chosen.append(cand)
    chosen = _with_context(chosen, candidates, question, hits)
    citations: dict[int, Citation] = {}
    parts = []
    for cand, rank in zip(chosen, _citing_passages(chosen, hits)):
        if rank not in citations:
            citations[rank] = Citation(len(citations) + 1, hits[rank].chunk)
        cite = citations[rank]
        cite.quotes.append((cand.start, cand.end))
        parts.append(f"{cand.text}[{cite.n}]")
    return Answer(question, "".join(parts) if not is_english(question) else " ".join(parts),
                  False, list(citations.values()), hits, support=decision.probability)
