/**
 * The engine: llama.cpp models behind the core's contracts, contexts sized for the decoder they
 * serve, and {@link paradec.engine.ParadecModel}, the one entry point for both decoder families.
 */
module paradec.engine {
    requires transitive paradec.core;
    requires transitive paradec.llama;
    requires org.slf4j;
    exports paradec.engine;
    exports paradec.eval;
}
