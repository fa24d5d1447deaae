package paradec.generation;

/**
 * The model returned logits that are not numbers (NaN) where a token had to be chosen: its weights or
 * activations are not finite, so no decoder can continue. A property of the model file, not of the call.
 */
public final class NonFiniteLogitsException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public NonFiniteLogitsException(String where) {
        super("the model's logits are NaN " + where + ": its weights or activations are not finite");
    }
}
