/** The paradec command line, and the OpenAI-compatible server ({@link paradec.server.OpenAiServer}). */
module paradec.cli {
    requires paradec.engine;
    requires org.slf4j;
    requires jdk.httpserver;
    requires java.net.http; // bench's llama-server anchors
    exports paradec.server;
}
