package paradec.trace;

/**
 * One event of a generation's trace, for both decoder families: a {@link TraceStart} first,
 * then one {@link ArStep} per forward call of an AR-family decoder or one {@link DiffusionStep}
 * per denoising step. {@link TraceWriter} writes them as JSON Lines, {@link TraceFile} reads
 * them back, {@link TraceRenderer} draws them.
 */
public sealed interface TraceEvent permits TraceStart, ArStep, DiffusionStep {
}
