package paradec.llama;

/** One turn of a conversation, for {@link ChatTemplates#apply}. */
public record ChatMessage(String role, String content) {
    public ChatMessage {
        if (role == null || content == null) throw new IllegalArgumentException("role and content must not be null");
    }
}
