/**
 * One trace format for both families: {@link paradec.trace.TraceEvent} (a start, then AR steps or
 * diffusion steps), written as JSON Lines by {@link paradec.trace.TraceWriter}, read back by
 * {@link paradec.trace.TraceFile} and drawn as SVG by {@link paradec.trace.TraceRenderer}.
 */
package paradec.trace;
