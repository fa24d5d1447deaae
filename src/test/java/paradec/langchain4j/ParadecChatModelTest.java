package paradec.langchain4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.output.FinishReason;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import paradec.engine.GenerationRequest;
import paradec.engine.ParadecModel;
import paradec.llama.ModelParams;
import paradec.testing.TestModels;

/** LangChain4j's chat entry points over the shipped default model, through paradec's decoders. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ParadecChatModelTest {
    ParadecModel model;

    @BeforeAll
    void load() throws IOException {
        model = ParadecModel.load(TestModels.root().resolve("models/code-ar.gguf"), ModelParams.defaults(), 1);
    }

    @AfterAll
    void close() {
        model.close();
    }

    String expected(String system, String user, int tokens) {
        // code-ar has no chat template: the documented plain fallback, the contents separated by a blank line
        assertNull(model.chatTemplate());
        String prompt = system + "\n\n" + user;
        return model.generate(prompt, GenerationRequest.of("ar").maxTokens(tokens)).text();
    }

    @Test
    void chatGivesTheLibrarysTextWithAnyDecoder() {
        String expected = expected("You write Python.", "def fibonacci(n):", 24);
        for (String decoder : List.of("ar", "jacobi", "lookahead")) {
            ParadecChatModel chat = new ParadecChatModel(model, decoder, 24);
            ChatResponse r = chat.chat(ChatRequest.builder()
                    .messages(SystemMessage.from("You write Python."), UserMessage.from("def fibonacci(n):")).build());
            assertEquals(expected, r.aiMessage().text(), decoder);
            assertEquals(FinishReason.LENGTH, r.finishReason());
            assertEquals(24, r.tokenUsage().outputTokenCount());
            assertTrue(r.tokenUsage().inputTokenCount() > 5);
        }
        assertEquals(new ParadecChatModel(model, "jacobi", 8).chat("hello"),
                new ParadecChatModel(model, "ar", 8).chat("hello"), "the one-string entry point too");
    }

    @Test
    void streamingDeliversPiecesThenTheWholeResponse() {
        StringBuilder pieces = new StringBuilder();
        AtomicReference<ChatResponse> done = new AtomicReference<>();
        AtomicReference<Throwable> failed = new AtomicReference<>();
        new ParadecChatModel(model, "lookahead", 20).chat(ChatRequest.builder().messages(UserMessage.from("import os")).build(),
                new StreamingChatResponseHandler() {
                    @Override
                    public void onPartialResponse(String partial) {
                        pieces.append(partial);
                    }

                    @Override
                    public void onCompleteResponse(ChatResponse response) {
                        done.set(response);
                    }

                    @Override
                    public void onError(Throwable error) {
                        failed.set(error);
                    }
                });
        assertNull(failed.get());
        assertEquals(done.get().aiMessage().text(), pieces.toString());
        assertTrue(pieces.length() > 0);
    }

    @Test
    void aDecoderOfTheOtherFamilyIsRefusedUpFront() {
        assertThrows(IllegalArgumentException.class, () -> new ParadecChatModel(model, "dico", 8));
    }
}
