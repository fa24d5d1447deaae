/** The paradec command line, and the OpenAI-compatible server ({@link paradec.server.OpenAiServer}). */
module paradec.cli {
    requires paradec.engine;
    requires org.slf4j;
    requires jdk.httpserver;
    requires java.net.http; // bench's llama-server anchors
    requires info.picocli;
    // trace-view -o OUT.png: the SVG parsed with java.xml, drawn with Java2D (headless), written by ImageIO
    requires java.desktop;
    requires java.xml;
    // bench waits for the JIT to settle where the JVM can tell (absent from a jlink'ed runtime without it)
    requires static java.management;
    exports paradec.server;
}
