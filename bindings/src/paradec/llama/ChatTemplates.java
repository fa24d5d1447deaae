package paradec.llama;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.List;
import paradec.llama.internal.LlamaLib;
import paradec.llama.internal.llama_chat_message;

/** llama.cpp's built-in chat templates (not a Jinja engine: only the templates it knows). */
public final class ChatTemplates {
    private ChatTemplates() {}

    /**
     * Formats a conversation with a template (a model's {@link Model#chatTemplate()} or a built-in name).
     *
     * @throws IllegalArgumentException if llama.cpp does not know the template
     */
    public static String apply(String template, List<ChatMessage> messages, boolean addAssistantPrefix) {
        NativeLibrary.ensureLoaded();
        try (Arena tmp = Arena.ofConfined()) {
            MemorySegment chat = llama_chat_message.allocateArray(messages.size(), tmp);
            int chars = 0;
            for (int i = 0; i < messages.size(); i++) {
                MemorySegment m = llama_chat_message.asSlice(chat, i);
                llama_chat_message.role(m, tmp.allocateFrom(messages.get(i).role()));
                llama_chat_message.content(m, tmp.allocateFrom(messages.get(i).content()));
                chars += messages.get(i).content().length() + messages.get(i).role().length();
            }
            MemorySegment tmpl = template == null ? MemorySegment.NULL : tmp.allocateFrom(template);
            int capacity = Math.max(256, chars * 2 + 128);
            while (true) {
                MemorySegment buf = tmp.allocate(capacity);
                int n = LlamaLib.llama_chat_apply_template(tmpl, chat, messages.size(), addAssistantPrefix, buf, capacity);
                if (n < 0) throw new IllegalArgumentException("chat template not supported by llama.cpp");
                // the result is copied with strncpy: no NUL when it fills the buffer, so read by length
                if (n <= capacity) return new String(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
                capacity = n + 1;
            }
        }
    }
}
