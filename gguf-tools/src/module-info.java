/** Pure-Java GGUF files: read, validate, write, inspect, synthesise models and export checkpoints. */
module paradec.gguf {
    exports paradec.gguf;
}
