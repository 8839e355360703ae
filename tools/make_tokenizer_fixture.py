# Builds a small byte-level BPE tokenizer configured like EleutherAI's
# GPT-NeoX-20B tokenizer (NFC normalizer, ByteLevel pre-tokenizer without a
# prefix space, ByteLevel post-processor and decoder, special tokens
# <|endoftext|> and <|padding|>, non-special added tokens for runs of spaces),
# trains it on a generated corpus with HF `tokenizers`, and records how HF
# encodes a few hundred test strings (unicode, whitespace runs, digits,
# contractions, punctuation). ssmlab's tokenizer must give the same ids.
# Writes OUTDIR/tokenizer.json and OUTDIR/cases.json ([{"text", "ids"}]).
# Usage: python3 tools/make_tokenizer_fixture.py OUTDIR SEED
import json, os, random, sys
from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, decoders, processors, trainers, AddedToken

OUT = sys.argv[1]
SEED = int(sys.argv[2]) if len(sys.argv) > 2 else 0
os.makedirs(OUT, exist_ok=True)
rng = random.Random(SEED)

WORDS = ("the of and to in is was for on that with as by at from his her an were are which this be "
         "mamba state space model lyapunov stable learner precision float half brain transformer attention "
         "question answer choice context shot prompt token sequence layer gradient weight bias norm "
         "don't it's I'm we're they've you'll she'd can't won't isn't HE'S WE'LL").split()
UNI = ["café", "naïve", "Ångström", "über", "straße", "日本語", "中文字符", "한국어", "Привет", "мир",
       "Ελληνικά", "עברית", "العربية", "हिन्दी", "ไทย", "😀", "🚀🔥", "👩‍💻", "e\u0301", "A\u030a",
       "ﬁnance", "½", "²³", "١٢٣", "\u00a0", "\u3000", "\u2028", "…", "—", "“quoted”", "‘single’", "€100", "¥", "∑∫√"]
PUNCT = list(".,;:!?()[]{}<>\"'-_/\\|@#$%^&*+=~`")


def word():
    r = rng.random()
    if r < 0.70:
        w = rng.choice(WORDS)
        return w.capitalize() if rng.random() < 0.15 else w
    if r < 0.80:
        return str(rng.randint(0, 10 ** rng.randint(1, 7)))
    if r < 0.92:
        return rng.choice(UNI)
    return "".join(rng.choice(PUNCT) for _ in range(rng.randint(1, 3)))


def sep():
    r = rng.random()
    if r < 0.80:
        return " "
    return rng.choice(["  ", "   ", "    ", "\n", "\n\n", "\t", " \n", "\r\n", "\t\t", "        ", ""])


def sentence(n):
    return "".join(word() + sep() for _ in range(n)).rstrip(" ") + rng.choice([".", "?", "!", "", "\n"])


corpus = [sentence(rng.randint(3, 30)) for _ in range(4000)]

tok = Tokenizer(models.BPE())
tok.normalizer = normalizers.NFC()
tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=True)
tok.post_processor = processors.ByteLevel(trim_offsets=True)
tok.decoder = decoders.ByteLevel()
trainer = trainers.BpeTrainer(vocab_size=1200, min_frequency=2, show_progress=False,
                              special_tokens=["<|endoftext|>", "<|padding|>"],
                              initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
tok.train_from_iterator(corpus, trainer)
tok.add_tokens([AddedToken(" " * n, normalized=True, special=False) for n in (2, 3, 4, 8)])
tok.save(os.path.join(OUT, "tokenizer.json"))

fixed = ["", " ", "  ", "   ", "a", " a", "a ", "a  b", "a   b", "a\n\nb", "a \n b", "\n", "\n\n\n",
         "\t", "hello world", "Hello World!", "don't", "DON'T", "I'm here", "it's 2024", "12345678",
         "3.14159", "x=1+2", "café", "cafe\u0301", "A\u030angstr\u00f6m", "日本語のテキスト", "😀😀", "👩‍💻 coder",
         "ﬁ ligature", "trailing space ", " leading", "  two leading", "mixed\ttabs\tand  spaces",
         "\u00a0nbsp", "ideographic\u3000space", "line\u2028sep", "<|endoftext|>", "a<|endoftext|>b",
         "<|padding|> x", "Question: what is 2+2?\nAnswer: 4\n\nQuestion:", "  \n  ", "end.\n"]
cases = [{"text": s, "ids": tok.encode(s).ids} for s in fixed]
for _ in range(360):
    s = sentence(rng.randint(1, 25))
    if rng.random() < 0.2:
        s = sep() + s + sep()
    cases.append({"text": s, "ids": tok.encode(s).ids})
with open(os.path.join(OUT, "cases.json"), "w") as f:
    json.dump(cases, f, ensure_ascii=False, indent=0)
print(len(cases), "cases; vocab", tok.get_vocab_size())
