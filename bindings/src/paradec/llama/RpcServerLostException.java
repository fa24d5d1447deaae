package paradec.llama;

/**
 * An RPC server that a model's layers run on stopped answering or went away (see {@link Rpc}): the work
 * that was waiting on it is given up and the model is abandoned. Load the model again on servers that
 * answer (a lost endpoint only after restarting the process).
 */
public final class RpcServerLostException extends LlamaException {
    private static final long serialVersionUID = 1L;

    public RpcServerLostException(String message) {
        super(message);
    }
}
