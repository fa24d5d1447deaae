# paradec build. `make demo` builds everything and runs the main job; `make test` runs the tests.
# Everything built lands in build/ (native) and target/ (Java), both ignored by git.

SHELL := /bin/bash
ROOT := $(abspath .)
JDK := $(shell bin/find-jdk 2>/dev/null)
MVN := JAVA_HOME=$(JDK) mvn -q -B
GPU ?=
CUDA_ARCH ?= 90
JOBS ?= $(shell nproc)

# llama.cpp v0.5.0 comes as the git bundle inside this npm package (no other route reaches it here).
LLAMA_NPM := node-llama-cpp@3.22.1
LLAMA_BUNDLE_SHA256 := 5f5d1105d5df040738d87b8290e5d17e7362131cdcfdb0831618e0ea528b4a51
LLAMA_SRC := build/llama-src
NATIVE_DIR := build/llama$(if $(GPU),-$(GPU),)
NATIVE_LIB := $(NATIVE_DIR)/bin/libllama.so
CMAKE_FLAGS := -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=ON -DLLAMA_BUILD_TESTS=OFF \
  -DLLAMA_BUILD_SERVER=ON -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_BUILD_APP=OFF -DLLAMA_OPENSSL=OFF -DLLAMA_BUILD_EXAMPLES=ON -DLLAMA_BUILD_TOOLS=ON \
  -DGGML_RPC=ON
ifeq ($(GPU),cuda)
CMAKE_FLAGS += -DGGML_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=$(CUDA_ARCH) -DGGML_NATIVE=OFF
else ifeq ($(shell uname -m),x86_64)
# Optimised for this CPU like GGML_NATIVE, but without AMX: on the development VM (a Xeon that reports AMX)
# ggml's AMX kernels crash on Q8_0 weights (SIGSEGV/SIGILL in ggml_backend_amx_mul_mat), and the shipped
# code models are Q8_0. ggml's own instruction-set options are off because -march=native already sets them.
CPU_ARCH_FLAGS := -march=native -mno-amx-tile -mno-amx-int8 -mno-amx-bf16
CMAKE_FLAGS += -DGGML_NATIVE=OFF -DGGML_SSE42=OFF -DGGML_AVX=OFF -DGGML_AVX2=OFF -DGGML_BMI2=OFF -DGGML_FMA=OFF \
  -DGGML_F16C=OFF "-DCMAKE_C_FLAGS=$(CPU_ARCH_FLAGS)" "-DCMAKE_CXX_FLAGS=$(CPU_ARCH_FLAGS)"
else
CMAKE_FLAGS += -DGGML_NATIVE=ON
endif
NATIVE_TARGETS := llama llama-simple llama-lookahead llama-diffusion-cli llama-bench ggml-rpc-server llama-server llama-completion
JAR := target/paradec.jar
AOT := target/paradec.aot
SYNTH_AR := models/generated/synth-llama.gguf
SPM_VOCAB := $(LLAMA_SRC)/models/ggml-vocab-llama-spm.gguf
PARADEC := bin/paradec

.PHONY: all native jdk jar aot demo test install javadoc bindings clean synth-model soak gpu-carry bench-gpu FORCE

all: native jar

jdk:
	@test -n "$(JDK)" || { bin/find-jdk; exit 1; }

$(LLAMA_SRC)/CMakeLists.txt:
	@mkdir -p build/npm
	cd build/npm && npm pack --silent $(LLAMA_NPM) >/dev/null
	tar -xzf build/npm/node-llama-cpp-3.22.1.tgz -C build/npm package/llama/gitRelease.bundle
	echo "$(LLAMA_BUNDLE_SHA256)  build/npm/package/llama/gitRelease.bundle" | sha256sum -c --quiet
	rm -rf $(LLAMA_SRC) && git clone -q build/npm/package/llama/gitRelease.bundle $(LLAMA_SRC)

# The configure flags are recorded, so a change of flags reconfigures and rebuilds.
NATIVE_FLAGS_FILE := $(NATIVE_DIR)/paradec-cmake-flags.txt
$(NATIVE_FLAGS_FILE): FORCE
	@mkdir -p $(NATIVE_DIR)
	@echo '$(CMAKE_FLAGS)' | cmp -s - $@ || echo '$(CMAKE_FLAGS)' > $@

$(NATIVE_LIB): $(NATIVE_FLAGS_FILE) | $(LLAMA_SRC)/CMakeLists.txt
	cmake -S $(LLAMA_SRC) -B $(NATIVE_DIR) $(CMAKE_FLAGS) > build/cmake-configure.log
	cmake --build $(NATIVE_DIR) -j $(JOBS) --target $(NATIVE_TARGETS)
	@# what the library checks before loading, and what the natives jar carries (paradec.llama.NativeLibrary)
	@{ echo "llama.cpp.commit=$$(git -C $(LLAMA_SRC) rev-parse HEAD 2>/dev/null || cat $(LLAMA_SRC)/.paradec-commit)"; echo "platform=linux-$$(uname -m)$(if $(GPU),-$(GPU),)"; \
	  echo "libraries=$$(cd $(NATIVE_DIR)/bin && ls libggml-base.so libggml-cpu.so libggml-cuda.so libggml-rpc.so libggml.so libllama.so 2>/dev/null | paste -sd,)"; \
	  } > $(NATIVE_DIR)/bin/paradec-native.properties
	@# the natives jar's contents: the libraries themselves (not their version symlinks) and the build info
	@rm -rf $(NATIVE_DIR)/natives && mkdir -p $(NATIVE_DIR)/natives && cd $(NATIVE_DIR)/bin && \
	  cp -L paradec-native.properties $$(sed -n 's/^libraries=//p' paradec-native.properties | tr , ' ') ../natives/
	@touch $@

native: $(NATIVE_LIB)

# The GPU report in one command on a CUDA machine that reaches no registry. Here: `make gpu-carry` packs what that
# machine lacks into build/gpu-carry (llama.cpp's sources without models and docs, 12 MB; a jlink'ed Java runtime,
# 45 MB, without java.desktop, which only trace-view's PNG needs; the jar is in target/): 58 MB with target/, under the
# device tool's 64 MiB carry limit. There, with build/gpu-carry and target carried: `make bench-gpu` builds the CUDA backend
# (CUDA_ARCH, default 90: H100/H200) and writes docs/bench-gpu.md: AR, Jacobi and lookahead with every layer on
# the GPU against llama-bench, llama-lookahead and llama-server given the same -ngl and threads.
GPU_CARRY := build/gpu-carry
GPU_THREADS ?= 8
gpu-carry: jar | $(LLAMA_SRC)/CMakeLists.txt
	rm -rf $(GPU_CARRY) && mkdir -p $(GPU_CARRY)
	git -C $(LLAMA_SRC) archive HEAD --format=tar.gz -o $(ROOT)/$(GPU_CARRY)/llama-src.tar.gz -- . ':!models' ':!docs' ':!tools/server/webui'
	git -C $(LLAMA_SRC) rev-parse HEAD > $(GPU_CARRY)/llama-src.commit
	$(JDK)/bin/jlink --add-modules java.base,java.net.http,jdk.httpserver,jdk.incubator.vector,java.management \
	  --strip-debug --no-header-files --no-man-pages --compress=zip-6 --output $(GPU_CARRY)/jre
	@du -sh $(GPU_CARRY) target/paradec.jar target/lib | tr '\n' ' '; echo

bench-gpu:
	@test -d $(GPU_CARRY)/jre || { echo "bench-gpu: $(GPU_CARRY) is missing: run 'make gpu-carry' where the sources are, and carry it"; exit 1; }
	test -f $(LLAMA_SRC)/CMakeLists.txt || { mkdir -p $(LLAMA_SRC) && tar -xzf $(GPU_CARRY)/llama-src.tar.gz -C $(LLAMA_SRC) \
	  && cp $(GPU_CARRY)/llama-src.commit $(LLAMA_SRC)/.paradec-commit; }
	$(MAKE) native GPU=cuda JDK=$(GPU_CARRY)/jre
	JAVA_HOME=$(ROOT)/$(GPU_CARRY)/jre PARADEC_NATIVE_DIR=$(ROOT)/build/llama-cuda/bin $(PARADEC) bench --decoders ar,jacobi,lookahead \
	  -n 128 --repeat 5 --gpu-layers -1 --threads $(GPU_THREADS) --against-llama-cpp --out docs/bench-gpu.md

$(JAR): $(shell find . -name pom.xml -not -path './build/*') $(shell find bindings/src bindings/generated gguf-tools/src decoder -name '*.java' -not -path '*/target/*' 2>/dev/null)
	@test -n "$(JDK)" || { bin/find-jdk; exit 1; }
	$(MVN) -DskipTests package -pl '!src/test'
	@rm -f target/jdk-home

jar: $(JAR)

$(SYNTH_AR): $(JAR) | $(LLAMA_SRC)/CMakeLists.txt
	@mkdir -p $(dir $@)
	$(PARADEC) synth --arch llama --layers 4 --embd 256 --heads 8 --heads-kv 4 --ff 768 --ctx 2048 --seed 7 \
	  --vocab-from $(SPM_VOCAB) -o $@

# Regenerates the jextract bindings (needs jextract on PATH; see bindings/README.md).
bindings: | $(LLAMA_SRC)/CMakeLists.txt
	bindings/regenerate.sh

# JDK 25 AOT caches (JEP 483/514/515: classes loaded and linked, method profiles) from training runs (the demo and a
# short diffusion generation: `paradec aot-training`; a short bench for the long-running commands);
# bin/paradec uses them when newer than the jar. One for the one-shot commands (no incubator module, so the
# classes are linked ahead of time too) and one for the long-running ones (bench, serve, eval: the Vector API).
AOT_VECTOR := target/paradec-vector.aot
aot: $(AOT) $(AOT_VECTOR)

$(AOT): $(JAR) | $(NATIVE_LIB)
	@v=$$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' $(JDK)/release); \
	if [ "$${v:-0}" -ge 25 ]; then \
	  rm -f $@; PARADEC_AOT_OUTPUT=$@ $(PARADEC) aot-training >/dev/null 2>&1 || rm -f $@; \
	else echo "JDK $$v: the AOT cache needs JDK 25 or newer; bin/paradec runs without it"; fi

# trained on a short bench (the vector kernels, the bench's own paths); eval and serve share its classes
$(AOT_VECTOR): $(JAR) | $(NATIVE_LIB)
	@v=$$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' $(JDK)/release); \
	if [ "$${v:-0}" -ge 25 ]; then \
	  rm -f $@; PARADEC_AOT_OUTPUT=$@ $(PARADEC) bench -m models/code-ar.gguf --decoders ar,jacobi -n 32 --repeat 1 \
	    --threads 1 >/dev/null 2>&1 || rm -f $@; \
	fi

demo: native jar aot
	$(PARADEC) demo

# The natives jar: what make native staged, under this platform's classifier.
NATIVES_ARGS := -Dparadec.natives.staging=$(ROOT)/$(NATIVE_DIR)/natives \
  $(if $(GPU),-Dparadec.natives.classifier=linux-$(shell uname -m)-$(GPU),)

# The tests run inside 'mvn install': every library module and the natives jar are installed before the
# test module runs, so ConsumerProjectTest builds a project outside the repository against them (required here).
test: native
	JAVA_HOME=$(JDK) mvn -B install -Dparadec.native.dir=$(ROOT)/$(NATIVE_DIR)/bin $(NATIVES_ARGS) -Dparadec.consumer.required=true

# The library's modules into the local Maven repository (io.paradec:paradec and the rest), for projects that depend on them.
install: native jar
	$(MVN) -DskipTests -Ppublish install -pl '!src/test' $(NATIVES_ARGS)

# API docs of every exported package (jextract's package and the CLI left out), per module under target/reports/apidocs.
javadoc: jdk
	$(MVN) -DskipTests package javadoc:javadoc -pl '!src/test'

# The soak benchmark (minutes, not a test): 10,000 generations over every decoder, 300 load/close cycles and
# paradec serve under 16 clients for 5 minutes, RSS and descriptors sampled; writes docs/soak.md and docs/soak.svg.
soak: native jar
	nice -n 10 $(JDK)/bin/java -Xms512m -Xmx512m -XX:+AlwaysPreTouch --enable-native-access=ALL-UNNAMED \
	  --add-modules jdk.incubator.vector -Dparadec.native.dir=$(ROOT)/$(NATIVE_DIR)/bin -Dorg.slf4j.simpleLogger.log.llama.cpp=off \
	  -cp "$(JAR):target/lib/*" examples/Soak.java $(ROOT)

# A synthesized random-weight stand-in (any size, no training): make synth-model
synth-model: $(SYNTH_AR)

clean:
	rm -rf target models/generated

include models/lab/lab.mk
