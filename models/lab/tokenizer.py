#!/usr/bin/python3
"""Trains the SentencePiece BPE tokenizer (4000 pieces, byte fallback) on the train split.

Settings chosen so llama.cpp's SPM tokenizer reproduces SentencePiece exactly:
identity normalisation, no dummy prefix (exported as tokenizer.ggml.add_space_prefix=false),
whitespace kept as is (remove_extra_whitespaces=False), runs of spaces may form pieces
(indentation). Files are fed as multi-line chunks so newline-containing pieces are learnt.
Writes build/lab/tokenizer/spm.model and spm.vocab.
"""
import os
import sys

import sentencepiece as spm

FILE_SEP = "\x00\n"
VOCAB_SIZE = 4000
CHUNK = 3000  # characters per training "sentence" (SentencePiece caps sentence length)


def chunks(text):
    for doc in text.split(FILE_SEP):
        buf = []
        size = 0
        for line in doc.splitlines(keepends=True):
            if size + len(line) > CHUNK and buf:
                yield "".join(buf)
                buf, size = [], 0
            buf.append(line[:CHUNK])
            size += len(buf[-1])
        if buf:
            yield "".join(buf)


def main(corpus_dir, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(corpus_dir, "train.txt"), encoding="utf-8") as fh:
        text = fh.read()
    sentences = list(chunks(text))
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(sentences),
        model_prefix=os.path.join(out_dir, "spm"),
        model_type="bpe",
        vocab_size=VOCAB_SIZE,
        byte_fallback=True,
        normalization_rule_name="identity",
        add_dummy_prefix=False,
        remove_extra_whitespaces=False,
        allow_whitespace_only_pieces=True,
        split_digits=True,
        character_coverage=0.9999,
        max_sentence_length=4 * CHUNK + 16,
        unk_id=0, bos_id=1, eos_id=2, pad_id=-1,
        input_sentence_size=0,
        shuffle_input_sentence=False,
        num_threads=2,
        minloglevel=2,
    )
    sp = spm.SentencePieceProcessor(model_file=os.path.join(out_dir, "spm.model"))
    with open(os.path.join(corpus_dir, "heldout.txt"), encoding="utf-8") as fh:
        held = fh.read()
    n = len(sp.encode(held))
    print(f"vocab {sp.get_piece_size()}, held-out: {len(held)} chars -> {n} tokens "
          f"({len(held) / n:.2f} chars/token)")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "build/lab/corpus",
         sys.argv[2] if len(sys.argv) > 2 else "build/lab/tokenizer")
