package paradec.langchain4j;

import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.model.output.TokenUsage;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import paradec.decode.SamplingSettings;
import paradec.engine.GenerationRequest;
import paradec.engine.ParadecModel;
import paradec.generation.GenerationResult;
import paradec.generation.StopReason;

/**
 * A paradec model as a LangChain4j {@link ChatModel} and {@link StreamingChatModel}: the messages go
 * through the model's chat template (the plain fallback of ParadecModel.chatPrompt when it has none), generation runs with any decoder of
 * the model's family, and the request's temperature, top-k, top-p, max output tokens and stop
 * sequences apply. The model stays the caller's: closing it is theirs. Generations run on paradec's compute thread
 * ({@link paradec.llama.ComputeThread}) while it is free, so a streaming handler hears from that thread.
 *
 * <pre>{@code
 * try (ParadecModel model = ParadecModel.load(Path.of("model.gguf"))) {
 *     ChatModel chat = new ParadecChatModel(model, "jacobi", 256);
 *     String answer = chat.chat("Write a haiku about Java.");
 * }
 * }</pre>
 */
public final class ParadecChatModel implements ChatModel, StreamingChatModel {
    private final ParadecModel model;
    private final String decoder;
    private final int defaultMaxTokens;

    /**
     * @param decoder          a decoder name of the model's family ("jacobi", "lookahead", "dico", ...)
     * @param defaultMaxTokens tokens to generate when a request does not say
     * @throws IllegalArgumentException if the decoder does not fit the model
     */
    public ParadecChatModel(ParadecModel model, String decoder, int defaultMaxTokens) {
        this.model = Objects.requireNonNull(model, "model");
        this.decoder = Objects.requireNonNull(decoder, "decoder");
        if (defaultMaxTokens < 1) throw new IllegalArgumentException("defaultMaxTokens must be >= 1, got " + defaultMaxTokens);
        model.checkDecoder(decoder);
        this.defaultMaxTokens = defaultMaxTokens;
        // an application calls a chat model from any of its threads: its generations go to paradec's compute
        // thread (paradec.llama.ComputeThread), whose decodes may use every core
        if (!model.usesRpc()) paradec.llama.ComputeThread.start();
    }

    /** The model's default decoder (AR for an autoregressive model), 256 tokens. */
    public ParadecChatModel(ParadecModel model) {
        this(model, model.defaultDecoders().get(0), 256);
    }

    // both interfaces have these defaults: the same answers for both
    @Override
    public java.util.Set<dev.langchain4j.model.chat.Capability> supportedCapabilities() {
        return ChatModel.super.supportedCapabilities();
    }

    @Override
    public ChatRequestParameters defaultRequestParameters() {
        return ChatModel.super.defaultRequestParameters();
    }

    @Override
    public List<dev.langchain4j.model.chat.listener.ChatModelListener> listeners() {
        return ChatModel.super.listeners();
    }

    @Override
    public dev.langchain4j.model.ModelProvider provider() {
        return ChatModel.super.provider();
    }

    @Override
    public ChatResponse doChat(ChatRequest chatRequest) {
        int[] prompt = model.tokenize(prompt(chatRequest.messages()));
        GenerationResult r = model.generate(prompt, request(chatRequest.parameters()));
        return response(r, prompt.length);
    }

    @Override
    public void doChat(ChatRequest chatRequest, StreamingChatResponseHandler handler) {
        GenerationResult r;
        int[] prompt;
        try {
            prompt = model.tokenize(prompt(chatRequest.messages()));
            r = model.generate(prompt, request(chatRequest.parameters()).onText(piece -> {
                handler.onPartialResponse(piece);
                return true;
            }));
        } catch (RuntimeException e) {
            handler.onError(e);
            return;
        }
        handler.onCompleteResponse(response(r, prompt.length));
    }

    private GenerationRequest request(ChatRequestParameters p) {
        int maxTokens = p != null && p.maxOutputTokens() != null ? p.maxOutputTokens() : defaultMaxTokens;
        double temperature = p != null && p.temperature() != null ? p.temperature() : 0;
        int topK = p != null && p.topK() != null ? p.topK() : 40;
        double topP = p != null && p.topP() != null ? p.topP() : 1;
        GenerationRequest request = GenerationRequest.of(decoder).maxTokens(maxTokens)
                .sampling(new SamplingSettings(temperature, topK, topP, System.nanoTime()));
        List<String> stops = p != null && p.stopSequences() != null ? p.stopSequences() : List.of();
        return stops.isEmpty() ? request : request.stop(stops.toArray(String[]::new));
    }

    private String prompt(List<ChatMessage> messages) {
        List<paradec.llama.ChatMessage> chat = new ArrayList<>();
        for (ChatMessage m : messages) {
            switch (m) {
                case SystemMessage s -> chat.add(new paradec.llama.ChatMessage("system", s.text()));
                case UserMessage u when u.hasSingleText() -> chat.add(new paradec.llama.ChatMessage("user", u.singleText()));
                case AiMessage a when a.text() != null -> chat.add(new paradec.llama.ChatMessage("assistant", a.text()));
                default -> throw new IllegalArgumentException("paradec takes text messages only, not " + m.type());
            }
        }
        if (chat.isEmpty()) throw new IllegalArgumentException("a chat request needs at least one message");
        return model.chatPrompt(chat);
    }

    private ChatResponse response(GenerationResult r, int promptTokens) {
        FinishReason finish = finishOf(r.stopReason());
        return ChatResponse.builder().aiMessage(AiMessage.from(r.text())).modelName(model.model().path().getFileName().toString())
                .tokenUsage(new TokenUsage(promptTokens, r.generatedTokens())).finishReason(finish).build();
    }

    /** LangChain4j's finish reason for a stop reason. */
    static FinishReason finishOf(StopReason reason) {
        return switch (reason) {
            case MAX_TOKENS, CONTEXT_FULL -> FinishReason.LENGTH;
            case END_OF_GENERATION, STOP_STRING -> FinishReason.STOP;
            case CANCELLED -> FinishReason.OTHER;
        };
    }
}
