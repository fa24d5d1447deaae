/** A small strict JSON reader and writer for traces, results and reports. */
package paradec.json;
