/**
 * What both decoder families share: the one result type {@link paradec.generation.GenerationResult},
 * why a generation stopped, and the listeners that receive tokens and text as they become final and
 * may cancel.
 */
package paradec.generation;
