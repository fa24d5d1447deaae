/**
 * Read-only views of logits rows (native or heap memory, never copied) and the statistics every
 * decoder needs from a row: argmax, top-k, softmax confidence, margin, entropy; vectorised with the
 * Vector API where measurement showed it pays.
 */
package paradec.logits;
