/**
 * llama.cpp through the FFM API. {@code paradec.llama} is the safe layer: models, vocabularies,
 * contexts and batches whose native memory is bound to arenas and whose every argument is checked
 * before llama.cpp sees it. The jextract output ({@code paradec.llama.internal}) is not exported.
 */
module paradec.llama {
    requires transitive paradec.gguf;
    requires org.slf4j;
    exports paradec.llama;
}
