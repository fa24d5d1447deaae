/** The paradec command line, and the OpenAI-compatible server ({@link paradec.server.OpenAiServer}). */
module paradec.cli {
    requires paradec.engine;
    requires org.slf4j;
    requires jdk.httpserver;
    exports paradec.server;
}
