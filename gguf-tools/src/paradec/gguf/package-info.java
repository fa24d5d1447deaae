/**
 * GGUF files in pure Java: {@link paradec.gguf.GgufFile} reads and validates (every offset and size
 * checked before use), {@link paradec.gguf.GgufWriter} writes, {@link paradec.gguf.Synth} makes
 * random-weight models of any shape, {@link paradec.gguf.CheckpointExport} turns the lab's
 * checkpoints into models.
 */
package paradec.gguf;
