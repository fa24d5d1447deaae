package paradec.cli;
final class BenchCommand { static int run(String[] a, java.io.PrintStream o, java.io.PrintStream e) throws UsageException { throw new UsageException("todo"); }
 static int run(String[] a, java.io.PrintStream o) throws UsageException { throw new UsageException("todo"); } }
