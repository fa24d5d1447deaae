#!/usr/bin/python3
"""Synthetic tasks with exact answers: multi-digit addition, list sorting and graph path-finding.

    tasks.py vocab OUT.tsv                                 character vocabulary (vocab.tsv format, mask last)
    tasks.py heldout TASK OUT.tsv [--n 200]                held-out "prompt TAB answer", one per line
    tasks.py prompts TASK OUT.txt [--n 20]                 held-out prompts only
    tasks.py dev TASK OUT.tsv [--n 200]                    tuning problems: the held-out pool's last n

Every problem is a prompt ending in '=' followed by the answer and the end marker </s>. A diffusion
model generates a task's GEN_LEN answer positions (the answer, then </s> padding); an AR model
generates until </s>.

add   "0052+1945=" -> "01997". Fixed width: a and b zero-padded to MAX_DIGITS digits, the sum to
      MAX_DIGITS + 1, so every answer digit sits at a fixed offset from the digits it depends on (a
      small model learns that in minutes on a CPU; natural-width operands were still at 0% held-out
      exact match after 1,000 steps). The digit count of a and of b is uniform in 1..MAX_DIGITS, then
      the number is uniform among numbers of that many digits.
sort  "s:83,07,45=" -> "07,45,83". SORT_MIN..SORT_MAX two-digit numbers (00-99, repeats allowed),
      ascending.
path  "p:31,72,15,59,38,84|3>9=" -> "31,15,59". The planning task of seed 000 ("Beyond
      Autoregression", Ye et al. 2024): a star graph of ARMS arms of length d leaving the start node,
      its directed edges "uv" listed in random order, then start>goal, where the goal is the end of
      one arm. The answer is the edges of the path from start to goal. Choosing the first edge needs
      looking d nodes ahead (the planning distance, uniform in PATH_PD_MIN..PATH_PD_MAX): the other
      arms are the distractors. Node labels are distinct random digits.
plan  "cf,ab,fd,ae,de,bg|a>d=" -> "ae,de": the planning task of issue #15 with distances 2..6 (PLAN_PD_MIN..
      PLAN_PD_MAX): the star graph of path (ARMS arms of length d from the start node, directed edges "uv"
      shuffled, then start>goal), but node labels are distinct random letters a-z (1 + 2*6 = 13 of 26 needed), so
      distances 5 and 6 exist. The answer is the path's edges from start to goal in order, as in seed 000: the
      goal-side structure is in the answer, so a model that sees the answer's end (diffusion) can chain back from
      the goal one edge lookup at a time, while teacher forcing gives the first edge (the only one needing
      d-step look-ahead) no signal from the rest. Its own vocabulary (PLAN_PIECES: letters instead of digits);
      the shipped tasks-* models and their held-out files are unchanged. Held-out file: problem i has
      distance PLAN_PD_MIN + i % 5, so every distance has n/5 problems (planning-by-distance table);
      training draws the distance uniformly.
inc   "+1:47,09,99,...=" -> "48,10,00,...": INC_COUNT (24) two-digit numbers, each plus one modulo 100, in
      the listed order; the long-answer task (71 characters, INC_GEN_LEN = 72 answer positions) of
      tasks-long-dlm. Every answer character is fixed by one or two prompt characters at a fixed offset
      (the count is fixed, so the offset is), so a confident model can commit many positions per forward
      pass: the setting where a parallel unmasking policy (DiCo, Fast-dLLM) should pay most against
      vanilla's one position per pass. Only the tens digit of a number ending in 9 needs two characters.

Seeds: training draws from TRAIN_SEED; held-out problems come from HELDOUT_SEED (one numpy Generator
per task, offset by the task's index) and a trainer rejects any training problem whose prompt is in
the held-out pool of HELDOUT_POOL problems, so held-out problems are never trained on.

Vocabulary (character level, a llama/SPM GGUF vocabulary whose normal pieces are single characters,
so llama.cpp's SPM tokenizer splits "12+34=" into characters): <unk>, <s>, </s>, the digits, '+',
'=', '\u2581' (SentencePiece's escaped space), '\\n', ',', '|', '>', ':', 's', 'p', then the mask
token <|mdm_mask|> (a CONTROL token, as train_dlm.py appends it; unused by AR models).
"""
import argparse
import sys

import numpy as np

TRAIN_SEED = 1234
HELDOUT_SEED = 424242
HELDOUT_POOL = 2000
MAX_DIGITS = 4
SORT_MIN, SORT_MAX = 2, 5
PATH_PD_MIN, PATH_PD_MAX = 2, 4
ARMS = 2
PLAN_PD_MIN, PLAN_PD_MAX = 2, 6
INC_COUNT = 24
TASKS = ("add", "sort", "path")  # the tasks of tasks-ar and tasks-dlm
ALL_TASKS = TASKS + ("inc", "plan")  # a task's index here offsets its held-out seed
INC_GEN_LEN = 3 * INC_COUNT  # 71 answer characters and one </s>
PLAN_GEN_LEN = 3 * PLAN_PD_MAX  # 6 edges: 17 answer characters and one </s>
GEN_LENS = {"add": 8, "sort": 16, "path": 12, "inc": INC_GEN_LEN, "plan": PLAN_GEN_LEN}  # answer positions of a diffusion model
GEN_LEN = GEN_LENS["add"]

UNK, BOS, EOS = 0, 1, 2
CHARS = list("0123456789+=") + ["\u2581", "\n"] + list(",|>:sp")
MASK_PIECE = "<|mdm_mask|>"
PIECES = ["<unk>", "<s>", "</s>"] + CHARS + [MASK_PIECE]
MASK_ID = len(PIECES) - 1
N_VOCAB = len(PIECES)
CHAR_ID = {c: i for i, c in enumerate(PIECES) if i > EOS and i != MASK_ID}
CHAR_ID[" "] = CHAR_ID["\u2581"]


def encode(text):
    return [CHAR_ID.get(c, UNK) for c in text]


def decode(ids):
    out = []
    for i in ids:
        if i == EOS:
            break
        if EOS < i < MASK_ID:
            out.append(" " if PIECES[i] == "\u2581" else PIECES[i])
    return "".join(out)


class Vocab:
    """A character vocabulary: <unk> <s> </s> (ids 0-2, as in PIECES), single characters, the mask token last."""

    def __init__(self, chars):
        self.pieces = ["<unk>", "<s>", "</s>"] + list(chars) + [MASK_PIECE]
        self.mask_id = len(self.pieces) - 1
        self.n_vocab = len(self.pieces)
        self.char_id = {c: i for i, c in enumerate(self.pieces) if EOS < i < self.mask_id}
        self.char_id[" "] = self.char_id["\u2581"]

    def encode(self, text):
        return [self.char_id.get(c, UNK) for c in text]

    def decode(self, ids):
        out = []
        for i in ids:
            if i == EOS:
                break
            if EOS < i < self.mask_id:
                out.append(" " if self.pieces[i] == "\u2581" else self.pieces[i])
        return "".join(out)

    def encode_problem(self, p, ans, gen_len):
        ids = self.encode(ans) + [EOS]
        assert len(ids) <= gen_len, (p, ans)
        return [BOS] + self.encode(p), ids + [EOS] * (gen_len - len(ids))

    def write(self, path):
        with open(path, "w", encoding="utf-8") as fh:
            for i, p in enumerate(self.pieces):
                t = 2 if i == UNK else 3 if (i in (BOS, EOS) or i == self.mask_id) else 1
                fh.write(f"{i}\t{t}\t0.0\t{p.replace(chr(92), chr(92) * 2).replace(chr(10), chr(92) + 'n')}\n")


CHARS_VOCAB = Vocab(CHARS)  # the same ids as PIECES: tasks-ar, tasks-dlm, tasks-long-dlm
PLAN_LETTERS = "abcdefghijklmnopqrstuvwxyz"
PLAN_VOCAB = Vocab(list(PLAN_LETTERS) + [",", "|", ">", "=", "\u2581", "\n"])  # plan-ar, plan-dlm, plan-mdm
assert CHARS_VOCAB.pieces == PIECES


def vocab_for(task_names):
    """The vocabulary of a model trained on these tasks: plan's letters, or the digits of the other tasks."""
    if "plan" in task_names:
        assert list(task_names) == ["plan"], "plan has its own vocabulary: train it alone"
        return PLAN_VOCAB
    return CHARS_VOCAB


# --- addition -------------------------------------------------------------------------------------

def draw(rng, max_digits=MAX_DIGITS, digits=None):
    """Operands (a, b); digits=(da, db) fixes their digit counts."""
    def num(d=None):
        d = d if d else int(rng.integers(1, max_digits + 1))
        lo = 0 if d == 1 else 10 ** (d - 1)
        return int(rng.integers(lo, 10 ** d))
    if digits:
        return num(digits[0]), num(digits[1])
    return num(), num()


def prompt(a, b):
    return f"{a:0{MAX_DIGITS}d}+{b:0{MAX_DIGITS}d}="


def answer(a, b):
    return f"{a + b:0{MAX_DIGITS + 1}d}"


# --- sorting --------------------------------------------------------------------------------------

def draw_sort(rng, count=None):
    n = count if count else int(rng.integers(SORT_MIN, SORT_MAX + 1))
    return tuple(int(v) for v in rng.integers(0, 100, n))


def sort_prompt(xs):
    return "s:" + ",".join(f"{x:02d}" for x in xs) + "="


def sort_answer(xs):
    return ",".join(f"{x:02d}" for x in sorted(xs))


# --- path-finding ---------------------------------------------------------------------------------

def star_graph(rng, labels, d):
    """(edges in listed order, start, goal, path edges) of a star graph with ARMS arms of length d leaving the
    start, its nodes distinct labels drawn from `labels`. The first arm leads to the goal; the listed order hides which."""
    nodes = [labels[int(v)] for v in rng.permutation(len(labels))[:1 + ARMS * d]]
    start, arms = nodes[0], [nodes[1 + k * d:1 + (k + 1) * d] for k in range(ARMS)]
    edges = []
    for arm in arms:
        prev = start
        for v in arm:
            edges.append((prev, v))
            prev = v
    order = rng.permutation(len(edges))
    return tuple(edges[i] for i in order), start, arms[0][-1], tuple(edges[:d])


def draw_path(rng, pd=None):
    """(edges in listed order, start, goal, path edges) of a star graph with ARMS arms of length pd."""
    d = pd if pd else int(rng.integers(PATH_PD_MIN, PATH_PD_MAX + 1))
    return star_graph(rng, range(10), d)


def path_prompt(edges, start, goal):
    return "p:" + ",".join(f"{u}{v}" for u, v in edges) + f"|{start}>{goal}="


def path_answer(path):
    return ",".join(f"{u}{v}" for u, v in path)


# --- planning by distance (letters, distances 2..6) ----------------------------------------------------

def draw_plan(rng, pd=None):
    """(edges in listed order, start, goal, path edges) of a star graph with ARMS arms of length pd, letter nodes."""
    d = pd if pd else int(rng.integers(PLAN_PD_MIN, PLAN_PD_MAX + 1))
    return star_graph(rng, PLAN_LETTERS, d)


def plan_prompt(edges, start, goal):
    return ",".join(u + v for u, v in edges) + f"|{start}>{goal}="


def plan_answer(path):
    return ",".join(u + v for u, v in path)


# --- increment every number of a long list ---------------------------------------------------------

def draw_inc(rng, count=INC_COUNT):
    return tuple(int(v) for v in rng.integers(0, 100, count))


def inc_prompt(xs):
    return "+1:" + ",".join(f"{x:02d}" for x in xs) + "="


def inc_answer(xs):
    return ",".join(f"{(x + 1) % 100:02d}" for x in xs)


# --- all tasks ------------------------------------------------------------------------------------

def problem(task, rng):
    """(prompt, answer) of one problem of the task drawn from rng."""
    if task == "add":
        a, b = draw(rng)
        return prompt(a, b), answer(a, b)
    if task == "sort":
        xs = draw_sort(rng)
        return sort_prompt(xs), sort_answer(xs)
    if task == "path":
        edges, s, g, path = draw_path(rng)
        return path_prompt(edges, s, g), path_answer(path)
    if task == "inc":
        xs = draw_inc(rng)
        return inc_prompt(xs), inc_answer(xs)
    if task == "plan":
        edges, s, g, path = draw_plan(rng)
        return plan_prompt(edges, s, g), plan_answer(path)
    raise ValueError(task)


def heldout_problems(task, n=HELDOUT_POOL):
    rng = np.random.default_rng(HELDOUT_SEED + ALL_TASKS.index(task))
    if task == "plan":  # stratified: problem i has distance PLAN_PD_MIN + i % 5, so every distance has n/5
        span = PLAN_PD_MAX - PLAN_PD_MIN + 1
        out = []
        for i in range(n):
            edges, s, g, path = draw_plan(rng, PLAN_PD_MIN + i % span)
            out.append((plan_prompt(edges, s, g), plan_answer(path)))
        return out
    return [problem(task, rng) for _ in range(n)]


def dev_problems(task, n=200):
    """A tuning set apart from the held-out file: the last n problems of the held-out pool (never trained on,
    and disjoint from the first problems that the held-out files hold as long as those are fewer than
    HELDOUT_POOL - n)."""
    return heldout_problems(task)[HELDOUT_POOL - n:]


def heldout(n=HELDOUT_POOL, max_digits=MAX_DIGITS, seed=HELDOUT_SEED):
    """Held-out addition operands (a, b): the same problems as heldout_problems("add")."""
    rng = np.random.default_rng(seed)
    return [draw(rng, max_digits) for _ in range(n)]


def sequence(a, b, gen_len=GEN_LEN):
    """Token ids of <s>a+b= (the prompt) and of the answer c</s></s>... (gen_len positions)."""
    return encode_problem(prompt(a, b), answer(a, b), gen_len)


def encode_problem(p, ans, gen_len):
    """(<s> + prompt ids, answer ids + </s> padded with </s> to gen_len)."""
    ids = encode(ans) + [EOS]
    assert len(ids) <= gen_len, (p, ans)
    return [BOS] + encode(p), ids + [EOS] * (gen_len - len(ids))


def write_vocab(path):
    with open(path, "w", encoding="utf-8") as fh:
        for i, p in enumerate(PIECES):
            t = 2 if i == UNK else 3 if (i in (BOS, EOS) or i == MASK_ID) else 1
            fh.write(f"{i}\t{t}\t0.0\t{p.replace(chr(92), chr(92) * 2).replace(chr(10), chr(92) + 'n')}\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["vocab", "heldout", "prompts", "dev"])
    ap.add_argument("args", nargs="+", help="vocab: OUT; heldout/prompts: TASK OUT")
    ap.add_argument("--n", type=int, default=200)
    a = ap.parse_args()
    if a.what == "vocab":
        write_vocab(a.args[0])
        return
    task, out = a.args
    problems = dev_problems(task, a.n) if a.what == "dev" else heldout_problems(task, a.n)
    with open(out, "w") as fh:
        for p, ans in problems:
            fh.write(p + ("\n" if a.what == "prompts" else f"\t{ans}\n"))


if __name__ == "__main__":
    sys.exit(main())
