# Model lab: `make lab-deps` installs the Debian packages the lab needs; `make models` rebuilds the
# trained models from scratch (corpus -> tokenizer -> training -> GGUF export -> Q8_0 -> reference values).
# Included from the top-level Makefile, after its variables (JAR, PARADEC, NATIVE_DIR, LLAMA_SRC) are set.
# Everything intermediate lands in build/lab/; the shipped files are models/code-ar.gguf and the expected
# values models/lab/ref/code-ar.*.tsv that ShippedModelTest checks.

LAB_PY := /usr/bin/python3
LAB := build/lab
LAB_DEBS := python3-torch python3-numpy python3-sentencepiece libopenblas0-pthread python3-matplotlib
# Wall-time caps of the training runs (what the shipped models used): code-ar run 1, code-ar run 2, code-dlm.
LAB_MINUTES ?= 21
LAB_MINUTES2 ?= 19
LAB_DLM_MINUTES ?= 62
# The code models ship Q8_0 (held-out perplexity of code-ar: F16 60.685, Q8_0 60.690). Q8_0 needs the native
# build without AMX kernels (see the top-level Makefile); LAB_QUANT=F16 ships F16 instead.
LAB_QUANT ?= Q8_0
QUANTIZE := $(NATIVE_DIR)/bin/llama-quantize
# $(call ship,F16.gguf,OUT.gguf): the shipped file, quantised to LAB_QUANT through llama.cpp's quantize tool
ship = $(if $(filter F16,$(LAB_QUANT)),cp $(1) $(2),$(QUANTIZE) $(1) $(2) $(LAB_QUANT) 2 > $(basename $(1)).quantize.log 2>&1)

# Where training runs. LAB_DEVICE=auto (the default) trains on a CUDA GPU when PyTorch sees one, else on the CPU;
# LAB_DEVICE=cpu or cuda forces it. LAB_RECIPE=gpu is the recipe for a GPU: the same scripts, the code models
# deeper (7 layers instead of 4, ~7.6M parameters, Q8_0 ~8 MB each, so all shipped files stay under 30 MB)
# and trained on more tokens (batch 32 windows instead of 8, step counts a GPU reaches in the same time caps);
# tasks models take more steps. LAB_RECIPE=cpu (the default) is what the shipped models were trained with.
LAB_DEVICE ?= auto
LAB_RECIPE ?= cpu
ifeq ($(LAB_RECIPE),gpu)
LAB_CODE_LAYERS := --layers 7
LAB_CODE_BATCH := --batch 32
LAB_AR_STEPS := 12000
LAB_AR_STEPS2 := 6000
LAB_DLM_STEPS := 16000
LAB_DLM_BATCH := 16
LAB_TASK_STEPS := 40000
LAB_PLAN_STEPS := 20000
else
LAB_CODE_LAYERS :=
LAB_CODE_BATCH :=
LAB_AR_STEPS := 1200
LAB_AR_STEPS2 := 600
LAB_DLM_STEPS := 1400
LAB_DLM_BATCH := 4
LAB_TASK_STEPS := 8000
LAB_PLAN_STEPS := 6000
endif
LAB_CODE_SHAPE := $(LAB_CODE_LAYERS) $(LAB_CODE_BATCH)
LAB_TRAIN := --device $(LAB_DEVICE)

.PHONY: lab-deps models tasks-ar tasks-dlm tasks-long-dlm plan-models planning-by-distance bench-diffusion-tasks long-task-policies \
  lab-clean check-model-budget

# Debian's own packages only (Debian 12: torch 1.13.1, sentencepiece 0.1.97, OpenBLAS 0.3.21). Without
# libopenblas0-pthread Debian's torch falls back to the reference BLAS and trains ~15x slower.
lab-deps:
	$(if $(filter 0,$(shell id -u)),,sudo) apt-get update
	$(if $(filter 0,$(shell id -u)),,sudo) env DEBIAN_FRONTEND=noninteractive apt-get install -y $(LAB_DEBS)

models: models/code-ar.gguf models/code-dlm.gguf models/code-cllm.gguf models/code-draft.gguf models/tasks-ar.gguf \
  models/tasks-dlm.gguf models/tasks-long-dlm.gguf models/plan-ar.gguf models/plan-dlm.gguf models/plan-mdm.gguf
	$(MAKE) eval-tables bench-diffusion-tasks long-task-policies planning-by-distance check-model-budget

# The issue's budget: all shipped models together <= 30 MB.
check-model-budget:
	@du -cb models/*.gguf | tail -1 | awk '{ printf "shipped models: %.1f MB\n", $$1 / 1e6; exit ($$1 > 30e6) }'

$(LAB)/corpus/train.txt: models/lab/corpus.py
	$(LAB_PY) models/lab/corpus.py $(LAB)/corpus

$(LAB)/tokenizer/spm.model: models/lab/tokenizer.py $(LAB)/corpus/train.txt
	$(LAB_PY) models/lab/tokenizer.py $(LAB)/corpus $(LAB)/tokenizer

# Two time-capped runs (LAB_MINUTES, LAB_MINUTES2) (the second continues from the first at a lower peak lr).
$(LAB)/code-ar/stage1/ckpt/weights.npz: models/lab/train_ar.py models/lab/model.py $(LAB)/tokenizer/spm.model
	@mkdir -p $(LAB)/code-ar/stage1
	set -o pipefail; $(LAB_PY) models/lab/train_ar.py --corpus $(LAB)/corpus --tokenizer $(LAB)/tokenizer/spm.model \
	  --out $(LAB)/code-ar/stage1 --minutes $(LAB_MINUTES) --steps $(LAB_AR_STEPS) --lr 2e-3 $(LAB_CODE_SHAPE) $(LAB_TRAIN) 2>&1 | tee $(LAB)/code-ar/stage1/train.log

$(LAB)/code-ar/stage2/ckpt/weights.npz: $(LAB)/code-ar/stage1/ckpt/weights.npz
	@mkdir -p $(LAB)/code-ar/stage2
	set -o pipefail; $(LAB_PY) models/lab/train_ar.py --corpus $(LAB)/corpus --tokenizer $(LAB)/tokenizer/spm.model \
	  --out $(LAB)/code-ar/stage2 --minutes $(LAB_MINUTES2) --steps $(LAB_AR_STEPS2) --lr 1e-3 --init-from $(LAB)/code-ar/stage1 \
	  $(LAB_CODE_BATCH) $(LAB_TRAIN) 2>&1 | tee $(LAB)/code-ar/stage2/train.log

$(QUANTIZE): | $(LLAMA_SRC)/CMakeLists.txt
	test -f $(NATIVE_DIR)/build.ninja || cmake -S $(LLAMA_SRC) -B $(NATIVE_DIR) $(CMAKE_FLAGS) > build/cmake-configure.log
	cmake --build $(NATIVE_DIR) -j $(JOBS) --target llama-quantize

# F16 export through gguf-tools, then Q8_0 through llama.cpp's quantize tool, then the expected values
# for ShippedModelTest (computed by PyTorch with the weights rounded as the shipped file stores them).
models/code-ar.gguf: $(LAB)/code-ar/stage2/ckpt/weights.npz $(JAR) models/lab/reference.py models/lab/card.py \
  $(if $(filter F16,$(LAB_QUANT)),,$(QUANTIZE))
	$(PARADEC) export $(LAB)/code-ar/stage2/ckpt -o $(LAB)/code-ar/code-ar-f16.gguf
	$(call ship,$(LAB)/code-ar/code-ar-f16.gguf,$@)
	$(LAB_PY) models/lab/reference.py $(LAB)/code-ar/stage2/ckpt $(LAB)/tokenizer/spm.model \
	  $(LAB)/corpus/heldout.txt models/lab/ref/code-ar --quant $(LAB_QUANT)
	$(LAB_PY) models/lab/card.py $(LAB)/code-ar/stage2 models/code-ar

# code-dlm: one time-capped masked-diffusion run (llada), exported F16 like code-ar. Context 1024 (generation
# lengths 256-512 after a prompt), three steps in four on 256-token windows (the same tokens a step, half the
# cost), the masked positions' mean cross-entropy (--time-weight flat: see docs/planning-by-distance.md).
$(LAB)/code-dlm/stage1/ckpt/weights.npz: models/lab/train_dlm.py models/lab/train_ar.py models/lab/model.py $(LAB)/tokenizer/spm.model
	@mkdir -p $(LAB)/code-dlm/stage1
	set -o pipefail; $(LAB_PY) models/lab/train_dlm.py --corpus $(LAB)/corpus --tokenizer $(LAB)/tokenizer/spm.model \
	  --out $(LAB)/code-dlm/stage1 --minutes $(LAB_DLM_MINUTES) --steps $(LAB_DLM_STEPS) $(LAB_CODE_LAYERS) \
	  --batch $(LAB_DLM_BATCH) --ctx 1024 --short-ctx 256 --long-share 0.25 --time-weight flat $(LAB_TRAIN) 2>&1 | tee $(LAB)/code-dlm/stage1/train.log

models/code-dlm.gguf: $(LAB)/code-dlm/stage1/ckpt/weights.npz $(JAR) models/lab/reference.py models/lab/card.py \
  $(if $(filter F16,$(LAB_QUANT)),,$(QUANTIZE))
	$(PARADEC) export $(LAB)/code-dlm/stage1/ckpt -o $(LAB)/code-dlm/code-dlm-f16.gguf
	$(call ship,$(LAB)/code-dlm/code-dlm-f16.gguf,$@)
	$(LAB_PY) models/lab/reference.py $(LAB)/code-dlm/stage1/ckpt $(LAB)/tokenizer/spm.model \
	  $(LAB)/corpus/heldout.txt models/lab/ref/code-dlm --quant $(LAB_QUANT)
	$(LAB_PY) models/lab/card.py $(LAB)/code-dlm/stage1 models/code-dlm

lab-clean:
	rm -rf $(LAB)

# tasks-ar (llama) and tasks-dlm (llada): small models on the synthetic tasks of models/lab/tasks.py (addition,
# sorting, path-finding), each one time-capped run on 1 thread, exported F16 (1.7 MB each), references, card.
LAB_TASK_MINUTES ?= 22
TASK_DECODERS := llada,fast-dllm,fast-dllm-factor,eb,klass,dico

tasks-ar: models/tasks-ar.gguf
tasks-dlm: models/tasks-dlm.gguf

$(LAB)/tasks-ar/ckpt/weights.npz: models/lab/train_tasks.py models/lab/tasks.py models/lab/model.py
	@mkdir -p $(LAB)/tasks-ar
	set -o pipefail; $(LAB_PY) models/lab/train_tasks.py --arch llama --out $(LAB)/tasks-ar --minutes $(LAB_TASK_MINUTES) \
	  --weights 0.5,0.25,0.25 --steps $(LAB_TASK_STEPS) $(LAB_TRAIN) 2>&1 | tee $(LAB)/tasks-ar/train.log

$(LAB)/tasks-dlm/ckpt/weights.npz: models/lab/train_tasks.py models/lab/tasks.py models/lab/model.py
	@mkdir -p $(LAB)/tasks-dlm
	set -o pipefail; $(LAB_PY) models/lab/train_tasks.py --arch llada --out $(LAB)/tasks-dlm --minutes $(LAB_TASK_MINUTES) \
	  --steps $(LAB_TASK_STEPS) $(LAB_TRAIN) 2>&1 | tee $(LAB)/tasks-dlm/train.log

models/tasks-%.gguf: $(LAB)/tasks-%/ckpt/weights.npz $(JAR) models/lab/tasks_card.py models/lab/tasks_reference.py \
  models/lab/reference.py
	$(PARADEC) export $(LAB)/tasks-$*/ckpt -o $@
	$(LAB_PY) models/lab/tasks_reference.py $(LAB)/tasks-$*/ckpt models/lab/ref/tasks-$*
	$(LAB_PY) models/lab/tasks_card.py $(LAB)/tasks-$* models/tasks-$*

# tasks-long-dlm: the same network trained on the long-answer task alone (inc: 24 two-digit numbers, each plus one;
# 72 answer positions), where a parallel unmasking policy can commit many positions per forward call. One time-capped
# run on 1 thread (LAB_LONG_MINUTES), 24 problems a group (each ~5x a short task's length), its own seed, F16.
LAB_LONG_MINUTES ?= 25

tasks-long-dlm: models/tasks-long-dlm.gguf

$(LAB)/tasks-long-dlm/ckpt/weights.npz: models/lab/train_tasks.py models/lab/tasks.py models/lab/model.py
	@mkdir -p $(LAB)/tasks-long-dlm
	set -o pipefail; OMP_NUM_THREADS=1 $(LAB_PY) models/lab/train_tasks.py --arch llada --out $(LAB)/tasks-long-dlm \
	  --minutes $(LAB_LONG_MINUTES) --tasks inc --weights 1 --batch 24 --seed 1238 --name paradec-tasks-long-dlm \
	  --steps $(LAB_TASK_STEPS) --final-n 100 $(LAB_TRAIN) 2>&1 | tee $(LAB)/tasks-long-dlm/train.log

# (an explicit rule: the pattern rule below would write the three-task references)
models/tasks-long-dlm.gguf: $(LAB)/tasks-long-dlm/ckpt/weights.npz $(JAR) models/lab/tasks_card.py models/lab/tasks_reference.py \
  models/lab/reference.py
	$(PARADEC) export $(LAB)/tasks-long-dlm/ckpt -o $@
	$(LAB_PY) models/lab/tasks_reference.py $(LAB)/tasks-long-dlm/ckpt models/lab/ref/tasks-long-dlm --tasks inc
	$(LAB_PY) models/lab/tasks_card.py $(LAB)/tasks-long-dlm models/tasks-long-dlm

# Every unmasking policy on the long-answer task: accuracy and NFE on the 500 held-out problems, vanilla's layout
# (72 positions, blocks of 24, 72 steps): docs/long-task-policies.md and the card (models/lab/long_policies.py).
long-task-policies: models/tasks-long-dlm.gguf $(JAR)
	$(LAB_PY) models/lab/long_policies.py --out docs/long-task-policies.md --card models/tasks-long-dlm.md

# The diffusion bench on tasks-dlm: the 20 held-out additions of models/lab/tasks-add-heldout.txt.
bench-diffusion-tasks: models/tasks-dlm.gguf
	$(PARADEC) bench -m $< --decoders $(TASK_DECODERS) --gen-length 8 --block-length 8 --steps 8 \
	  --prompts models/lab/tasks-add-heldout.txt --repeat 2 --out docs/bench-diffusion-tasks.md

# code-cllm: code-ar consistency-trained on its own Jacobi trajectories, collected through `bin/paradec generate
# --trace` (collect_trajectories.py, ~8 min), then one time-capped run (LAB_CLLM_MINUTES, 2 threads), Q8_0; the bench:
# models/lab/cllm_bench.py. The recipe (soft targets from code-ar) is the one of the runs compared in docs/cllm-runs.md
# (models/lab/cllm_runs.py) that raised Jacobi's tokens per call without collapsing the text.
LAB_CLLM_MINUTES ?= 12
LAB_CLLM_RECIPE := --objective distill --lr 2e-4 --ar-weight 1 --anchor-weight 1

$(LAB)/code-cllm/trajectories.jsonl: models/code-ar.gguf models/lab/collect_trajectories.py $(JAR)
	@mkdir -p $(LAB)/code-cllm
	$(LAB_PY) models/lab/collect_trajectories.py models/code-ar.gguf $(LAB)/corpus $(LAB)/tokenizer/spm.model $@

$(LAB)/code-cllm/ckpt/weights.npz: $(LAB)/code-cllm/trajectories.jsonl models/lab/train_cllm.py $(LAB)/code-ar/stage2/ckpt/weights.npz
	set -o pipefail; $(LAB_PY) models/lab/train_cllm.py --init-from $(LAB)/code-ar/stage2 --trajectories $< \
	  --out $(LAB)/code-cllm --minutes $(LAB_CLLM_MINUTES) $(LAB_CLLM_RECIPE) $(LAB_TRAIN) 2>&1 | tee $(LAB)/code-cllm/train.log

models/code-cllm.gguf: $(LAB)/code-cllm/ckpt/weights.npz $(JAR) models/lab/reference.py models/lab/cllm_card.py \
  $(if $(filter F16,$(LAB_QUANT)),,$(QUANTIZE))
	$(PARADEC) export $(LAB)/code-cllm/ckpt -o $(LAB)/code-cllm/code-cllm-f16.gguf
	$(call ship,$(LAB)/code-cllm/code-cllm-f16.gguf,$@)
	$(LAB_PY) models/lab/reference.py $(LAB)/code-cllm/ckpt $(LAB)/tokenizer/spm.model \
	  $(LAB)/corpus/heldout.txt models/lab/ref/code-cllm --quant $(LAB_QUANT)
	$(LAB_PY) models/lab/cllm_card.py $(LAB)/code-cllm models/code-cllm

# The "## Eval" table of every model card: every decoder that applies, on every task the model was trained for,
# through `bin/paradec eval --json` (models/lab/eval_cards.py). About 10 minutes here.
.PHONY: eval-tables
eval-tables: native $(JAR)
	$(LAB_PY) models/lab/eval_cards.py

# code-draft: a ~1.35M-parameter AR drafter for code-ar (the draft decoder, llama-server's draft-simple): 2 layers, width
# 128, code-ar's tokenizer and corpus, one time-capped run on 1 thread at nice 19, Q8_0; the card checks that its
# vocabulary is code-ar's and gives paradec's held-out perplexity (models/lab/draft_card.py).
LAB_DRAFT_MINUTES ?= 12
LAB_DRAFT_SHAPE := --embd 128 --layers 2 --heads 4 --ff 256

$(LAB)/code-draft/ckpt/weights.npz: models/lab/train_ar.py models/lab/model.py $(LAB)/tokenizer/spm.model
	@mkdir -p $(LAB)/code-draft
	set -o pipefail; OMP_NUM_THREADS=1 nice -n 19 $(LAB_PY) models/lab/train_ar.py --corpus $(LAB)/corpus --tokenizer $(LAB)/tokenizer/spm.model \
	  --out $(LAB)/code-draft --minutes $(LAB_DRAFT_MINUTES) --steps 3000 --lr 2e-3 --threads 1 $(LAB_DRAFT_SHAPE) \
	  --name paradec-code-draft $(LAB_TRAIN) 2>&1 | tee $(LAB)/code-draft/train.log

models/code-draft.gguf: $(LAB)/code-draft/ckpt/weights.npz $(JAR) models/lab/draft_card.py \
  $(if $(filter F16,$(LAB_QUANT)),,$(QUANTIZE))
	$(PARADEC) export $(LAB)/code-draft/ckpt -o $(LAB)/code-draft/code-draft-f16.gguf
	$(call ship,$(LAB)/code-draft/code-draft-f16.gguf,$@)
	$(LAB_PY) models/lab/reference.py $(LAB)/code-draft/ckpt $(LAB)/tokenizer/spm.model \
	  $(LAB)/corpus/heldout.txt models/lab/ref/code-draft --quant $(LAB_QUANT)
	LAB_DRAFT_MINUTES=$(LAB_DRAFT_MINUTES) $(LAB_PY) models/lab/draft_card.py $(LAB)/code-draft models/code-draft

# plan-ar (llama), plan-dlm (llada, plain SFT) and plan-mdm (llada with MDM token reweighting): issue #15's planning task
# by distance (models/lab/tasks.py's plan: star graph, letter nodes, distances 2..6). The same network (tasks-dlm's:
# 0.86M parameters), the same step cap (LAB_PLAN_STEPS: 6,000 steps, ~50 minutes with the three side by side on two
# cores; the time cap LAB_PLAN_MINUTES is a safety net), batch and learning rate for all three, one thread each at
# nice 19; the diffusion loss is the mean over the masked positions (--time-weight flat: with LLaDA's 1/t neither
# diffusion model had learnt the task in 2,400 steps, docs/planning-by-distance.md); Q8_0 through `paradec export
# --q8_0` (0.9 MB each). loss.csv holds held-out exact match per distance every 400 steps (the training curves).
LAB_PLAN_MINUTES ?= 80
LAB_PLAN_TRAIN = --tasks plan --weights 1 --batch 32 --steps $(LAB_PLAN_STEPS) --minutes $(LAB_PLAN_MINUTES) \
  --eval-every 400 --final-n 200 --threads 1 $(LAB_TRAIN)
LAB_PLAN_ARGS_ar := --arch llama
LAB_PLAN_ARGS_dlm := --arch llada --reweight none --time-weight flat
LAB_PLAN_ARGS_mdm := --arch llada --reweight focal-mean1 --time-weight flat

plan-models: models/plan-ar.gguf models/plan-dlm.gguf models/plan-mdm.gguf
# (a pattern rule's prerequisite would otherwise be deleted as an intermediate file after the export)
.PRECIOUS: $(LAB)/plan-%/ckpt/weights.npz

$(LAB)/plan-%/ckpt/weights.npz: models/lab/train_tasks.py models/lab/tasks.py models/lab/model.py
	@mkdir -p $(LAB)/plan-$*
	set -o pipefail; OMP_NUM_THREADS=1 nice -n 19 $(LAB_PY) models/lab/train_tasks.py $(LAB_PLAN_ARGS_$*) --out $(LAB)/plan-$* \
	  --name paradec-plan-$* $(LAB_PLAN_TRAIN) 2>&1 | tee $(LAB)/plan-$*/train.log

models/plan-%.gguf: $(LAB)/plan-%/ckpt/weights.npz $(JAR) models/lab/tasks_card.py models/lab/tasks_reference.py models/lab/reference.py
	$(PARADEC) export $(LAB)/plan-$*/ckpt --q8_0 -o $@
	$(LAB_PY) models/lab/tasks_reference.py $(LAB)/plan-$*/ckpt models/lab/ref/plan-$* --tasks plan --quant Q8_0
	$(LAB_PY) models/lab/tasks_card.py $(LAB)/plan-$* models/plan-$*

# The budget question (issue #15: "at what budget it does not reproduce"): a second budget of the same caps, continued
# from the first run's weights (warm-up 10 steps, the cosine schedule again), PyTorch's held-out curves only; not shipped.
# `make build/lab/plan-mdm-x2/ckpt/weights.npz build/lab/plan-ar-x2/ckpt/weights.npz`
$(LAB)/plan-%-x2/ckpt/weights.npz: $(LAB)/plan-%/ckpt/weights.npz
	@mkdir -p $(LAB)/plan-$*-x2
	set -o pipefail; OMP_NUM_THREADS=1 nice -n 19 $(LAB_PY) models/lab/train_tasks.py $(LAB_PLAN_ARGS_$*) --out $(LAB)/plan-$*-x2 \
	  --init-from $(LAB)/plan-$* --name paradec-plan-$*-x2 $(LAB_PLAN_TRAIN) 2>&1 | tee $(LAB)/plan-$*-x2/train.log

# Accuracy by planning distance (2..6) of plan-ar and of plan-dlm and plan-mdm under every unmasking policy, with the
# training curves: docs/planning-by-distance.{md,png} (docs/planning-by-distance.sh; ~15 minutes on 1 thread).
planning-by-distance: models/plan-ar.gguf models/plan-dlm.gguf models/plan-mdm.gguf $(JAR)
	docs/planning-by-distance.sh
