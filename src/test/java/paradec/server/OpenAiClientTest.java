package paradec.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiLanguageModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.model.output.Response;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import paradec.cli.Main;
import paradec.engine.ParadecModel;
import paradec.json.JsonReader;
import paradec.llama.ModelParams;
import paradec.testing.TestModels;

/**
 * LangChain4j's own OpenAI client (langchain4j-open-ai, not paradec's adapter) against {@code paradec serve}:
 * completions, chat, streamed chat, paradec's {@code decoder} field as a custom parameter; and greedy
 * text from the server equal to {@code paradec generate}'s for the same prompt, decoder and token count.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenAiClientTest {
    static final Path MODEL = TestModels.root().resolve("models/code-ar.gguf");
    ParadecModel model;
    OpenAiServer server;
    String baseUrl;

    @BeforeAll
    void start() throws Exception {
        model = ParadecModel.load(MODEL, ModelParams.defaults(), 1);
        server = new OpenAiServer(model, "code-ar", "127.0.0.1", 0, 2);
        baseUrl = "http://127.0.0.1:" + server.port() + "/v1";
    }

    @AfterAll
    void stop() {
        server.close();
        model.close();
    }

    /** {@code paradec generate --json} in this JVM: its "text". */
    static String cliText(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, rc, err.toString(StandardCharsets.UTF_8));
        return (String) JsonReader.parseObject(out.toString(StandardCharsets.UTF_8).strip()).get("text");
    }

    OpenAiChatModel chatModel(String decoder, int maxTokens) {
        return OpenAiChatModel.builder().baseUrl(baseUrl).apiKey("unused").modelName("code-ar").temperature(0.0)
                .maxTokens(maxTokens).customParameters(Map.of("decoder", decoder)).build();
    }

    @Test
    void completionsMatchTheCommandLine() {
        for (String decoder : List.of("ar", "jacobi", "lookahead")) {
            OpenAiLanguageModel completions = OpenAiLanguageModel.builder().baseUrl(baseUrl).apiKey("unused").modelName("code-ar")
                    .temperature(0.0).build();
            // the language model's builder has no max_tokens: the server's default (64) and the CLI's -n 64 agree
            Response<String> r = completions.generate("def fibonacci(n):");
            String expected = cliText("generate", "-m", MODEL.toString(), "-p", "def fibonacci(n):", "-n", "64",
                    "--decoder", decoder, "--threads", "1", "--json");
            assertEquals(expected, r.content(), decoder);
            assertTrue(r.content().length() > 20, r.content());
            assertEquals(64, r.tokenUsage().outputTokenCount());
        }
    }

    @Test
    void chatAndStreamedChatGiveTheSameText() throws Exception {
        ChatRequest request = ChatRequest.builder().messages(SystemMessage.from("You write Python."), UserMessage.from("def add(a, b):")).build();
        ChatResponse plain = chatModel("jacobi", 24).chat(request);
        String text = plain.aiMessage().text();
        assertFalse(text.isEmpty());
        assertEquals(24, plain.tokenUsage().outputTokenCount());
        assertEquals(FinishReason.LENGTH, plain.finishReason());
        // the decoder is paradec's own field, sent as a custom parameter: greedy Jacobi is AR's text
        assertEquals(text, chatModel("ar", 24).chat(request).aiMessage().text());

        OpenAiStreamingChatModel streaming = OpenAiStreamingChatModel.builder().baseUrl(baseUrl).apiKey("unused").modelName("code-ar")
                .temperature(0.0).maxTokens(24).customParameters(Map.of("decoder", "lookahead")).build();
        StringBuilder pieces = new StringBuilder();
        int[] count = {0};
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        streaming.chat(request, new StreamingChatResponseHandler() {
            @Override
            public void onPartialResponse(String partial) {
                pieces.append(partial);
                count[0]++;
            }

            @Override
            public void onCompleteResponse(ChatResponse response) {
                done.complete(response);
            }

            @Override
            public void onError(Throwable error) {
                done.completeExceptionally(error);
            }
        });
        ChatResponse complete = done.get(120, TimeUnit.SECONDS);
        assertEquals(text, pieces.toString());
        assertEquals(text, complete.aiMessage().text());
        assertTrue(count[0] > 3, "streamed in pieces: " + count[0]);
        assertEquals(FinishReason.LENGTH, complete.finishReason());
    }

    @Test
    void chatMatchesTheCommandLinesChat() {
        String text = chatModel("jacobi", 24).chat(ChatRequest.builder()
                .messages(SystemMessage.from("You write Python."), UserMessage.from("def add(a, b):")).build()).aiMessage().text();
        String expected = cliText("generate", "-m", MODEL.toString(), "--system", "You write Python.", "--chat", "-p", "def add(a, b):",
                "-n", "24", "--decoder", "jacobi", "--threads", "1", "--json");
        assertEquals(expected, text);
    }
}
