/**
 * The diffusion family: {@link paradec.diffusion.DiffusionGenerator} runs masked-diffusion decoding
 * block by block over a {@link paradec.diffusion.DenoisingModel}; an
 * {@link paradec.diffusion.UnmaskingPolicy} (low-confidence, entropy, margin, Fast-dLLM, EB, KLASS,
 * DiCo, ...) decides which positions each step commits. {@link paradec.diffusion.Policies} names them.
 */
package paradec.diffusion;
