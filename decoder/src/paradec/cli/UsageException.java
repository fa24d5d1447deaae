package paradec.cli;

/** A command line that cannot be run as written (exit code 2). */
final class UsageException extends Exception {
    UsageException(String message) {
        super(message);
    }
}
