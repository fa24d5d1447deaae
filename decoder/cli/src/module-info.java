/** The paradec command line. */
module paradec.cli {
    requires paradec.engine;
    requires org.slf4j;
}
