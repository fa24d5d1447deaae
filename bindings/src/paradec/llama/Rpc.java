package paradec.llama;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import paradec.llama.internal.LlamaLib;

/**
 * ggml's RPC backend: a model's layers computed by {@code ggml-rpc-server} processes on other machines
 * (or on this one), each named by a {@code host:port} endpoint.
 *
 * <p>What llama.cpp v0.5.0 does on a network failure decides the shape of this class. ggml-rpc aborts the
 * process when a server cannot be reached or stops answering (ggml-rpc.cpp: {@code GGML_ABORT("Failed to
 * connect ...")} and {@code RPC_STATUS_ASSERT}), on the calling thread or on its per-endpoint dispatcher
 * thread. So paradec (1) checks an endpoint itself, with a timeout and the protocol's HELLO, before llama.cpp
 * first connects to it, and (2) installs ggml's abort callback: an abort raised in ggml-rpc marks every RPC
 * endpoint of the process lost and parks the aborting thread for good instead of letting {@code abort()}
 * end the JVM. The work that was waiting on that server never returns; callers that run RPC work on a
 * thread of their own (as {@code paradec.engine.ParadecModel} does) see {@link #lostReason} and fail
 * cleanly. A lost endpoint cannot be used again in this process: llama.cpp keeps one connection per
 * endpoint string for the life of the process, and that connection's thread is the parked one. Models on a
 * lost server are abandoned ({@link Model#abandon()}), not freed: freeing them would talk to the dead server.
 *
 * <p>The few ggml entry points used here are bound by hand with the FFM linker: jextract was not available
 * where this was written; {@code bindings/jextract-includes.txt} lists them for the next regeneration.
 */
public final class Rpc {
    /** ggml-rpc's protocol version in llama.cpp v0.5.0 (ggml-rpc.h); a server must speak this major version. */
    public static final int PROTOCOL_MAJOR = 7;
    public static final int PROTOCOL_MINOR = 0;
    /** ggml-rpc.h's GGML_RPC_MAX_SERVERS. */
    public static final int MAX_SERVERS = 16;

    private static final byte CMD_HELLO = 14;
    private static final int CONN_CAPS_SIZE = 24;

    // endpoint -> its devices once llama.cpp has connected to it
    private static final Map<String, List<MemorySegment>> registered = new LinkedHashMap<>();
    private static final Map<String, String> lost = new LinkedHashMap<>();
    private static boolean abortHookInstalled;

    private Rpc() {}

    /**
     * Parses and checks an endpoint's form as llama.cpp reads it: {@code host:port}, port 1..65535.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static InetSocketAddress parse(String endpoint) {
        int colon = endpoint.lastIndexOf(':');
        if (colon <= 0 || colon != endpoint.indexOf(':')) {
            throw new IllegalArgumentException("RPC endpoint '" + endpoint + "' is not HOST:PORT");
        }
        String host = endpoint.substring(0, colon);
        int port;
        try {
            port = Integer.parseInt(endpoint.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("RPC endpoint '" + endpoint + "': port is not a number");
        }
        if (port < 1 || port > 65535) throw new IllegalArgumentException("RPC endpoint '" + endpoint + "': port must be 1..65535");
        if (host.isBlank() || host.chars().anyMatch(c -> c <= ' ' || c > '~')) {
            throw new IllegalArgumentException("RPC endpoint '" + endpoint + "': bad host name");
        }
        return InetSocketAddress.createUnresolved(host, port);
    }

    /**
     * Connects to an RPC server, says HELLO as llama.cpp would and checks the protocol version, then
     * hangs up. Only for a server this process is not yet connected to: a server serves one client at a
     * time, so a second connection waits until the first ends.
     *
     * @return the server's protocol version, "major.minor.patch"
     * @throws IOException naming the endpoint when it cannot be reached within the timeout, does not
     *                     answer HELLO in time or speaks another protocol version
     */
    public static String probe(String endpoint, Duration timeout) throws IOException {
        InetSocketAddress unresolved = parse(endpoint);
        int millis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(unresolved.getHostString(), unresolved.getPort()), millis);
            socket.setSoTimeout(millis);
            socket.setTcpNoDelay(true);
            ByteBuffer hello = ByteBuffer.allocate(1 + 8 + CONN_CAPS_SIZE).order(ByteOrder.LITTLE_ENDIAN);
            hello.put(CMD_HELLO).putLong(CONN_CAPS_SIZE); // no transport capabilities: plain TCP
            OutputStream out = socket.getOutputStream();
            out.write(hello.array());
            out.flush();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            byte[] sizeBytes = new byte[8];
            in.readFully(sizeBytes);
            long size = ByteBuffer.wrap(sizeBytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
            if (size != 4 + CONN_CAPS_SIZE) {
                throw new IOException("RPC server " + endpoint + " answered HELLO with " + size + " bytes, not a ggml-rpc v"
                        + PROTOCOL_MAJOR + " server");
            }
            byte[] answer = new byte[(int) size];
            in.readFully(answer);
            int major = answer[0] & 0xff, minor = answer[1] & 0xff, patch = answer[2] & 0xff;
            if (major != PROTOCOL_MAJOR || minor > PROTOCOL_MINOR) {
                throw new IOException("RPC server " + endpoint + " speaks protocol " + major + "." + minor + "." + patch
                        + "; this llama.cpp build speaks " + PROTOCOL_MAJOR + "." + PROTOCOL_MINOR);
            }
            return major + "." + minor + "." + patch;
        } catch (SocketTimeoutException e) {
            throw new IOException("RPC server " + endpoint + " did not answer within " + millis + " ms", e);
        } catch (java.io.EOFException e) {
            throw new IOException("RPC server " + endpoint + " hung up during HELLO (busy with another client, or not a ggml-rpc server)", e);
        } catch (java.net.UnknownHostException e) {
            throw new IOException("RPC server " + endpoint + ": unknown host", e);
        } catch (java.net.ConnectException e) {
            throw new IOException("RPC server " + endpoint + " cannot be reached: " + e.getMessage(), e);
        }
    }

    /**
     * The devices of these servers, connecting llama.cpp to each server not connected yet (after a
     * {@link #probe}). Called by {@link Model#load} for {@link ModelParams#rpcServers()}.
     *
     * @throws IOException when a server cannot be reached or was lost earlier in this process
     */
    static List<MemorySegment> devices(List<String> endpoints, Duration timeout) throws IOException {
        NativeLibrary.ensureLoaded();
        // the endpoints' form and count were checked by ModelParams
        List<MemorySegment> all = new ArrayList<>();
        for (String endpoint : endpoints) {
            synchronized (Rpc.class) {
                String why = lost.get(endpoint);
                if (why != null) throw new IOException("RPC server " + endpoint + " was lost earlier in this process (" + why
                        + "); llama.cpp keeps one connection per endpoint per process: restart to use it again");
                List<MemorySegment> known = registered.get(endpoint);
                if (known == null) {
                    probe(endpoint, timeout);
                    installAbortHook();
                    known = register(endpoint);
                    registered.put(endpoint, known);
                }
                all.addAll(known);
            }
        }
        return all;
    }

    private static List<MemorySegment> register(String endpoint) throws IOException {
        try (Arena tmp = Arena.ofConfined()) {
            MemorySegment reg = (MemorySegment) Native.REG_BY_NAME.invokeExact(tmp.allocateFrom("RPC"));
            if (reg.equals(MemorySegment.NULL)) {
                throw new IOException("this llama.cpp build has no RPC backend (build it with GGML_RPC=ON, as make native does)");
            }
            MemorySegment add = (MemorySegment) Native.REG_PROC_ADDRESS.invokeExact(reg, tmp.allocateFrom("ggml_backend_rpc_add_server"));
            if (add.equals(MemorySegment.NULL)) throw new IOException("the RPC backend has no ggml_backend_rpc_add_server");
            MethodHandle addServer = Linker.nativeLinker().downcallHandle(add, FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS));
            MemorySegment serverReg = (MemorySegment) addServer.invokeExact(tmp.allocateFrom(endpoint));
            if (serverReg.equals(MemorySegment.NULL)) throw new IOException("RPC server " + endpoint + " offers no device");
            long n = (long) Native.REG_DEV_COUNT.invokeExact(serverReg);
            List<MemorySegment> devices = new ArrayList<>();
            for (long i = 0; i < n; i++) devices.add((MemorySegment) Native.REG_DEV_GET.invokeExact(serverReg, i));
            return List.copyOf(devices);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Why this endpoint is lost, or null while it is not. */
    public static synchronized String lostReason(String endpoint) {
        return lost.get(endpoint);
    }

    /**
     * Marks endpoints lost, e.g. after they stopped answering: no model is loaded on them again in this
     * process, and work waiting on them is told so by {@link #lostReason}.
     */
    public static synchronized void markLost(List<String> endpoints, String why) {
        for (String e : endpoints) lost.putIfAbsent(e, why);
    }

    private static synchronized void markAllLost(String why) {
        for (String e : registered.keySet()) lost.putIfAbsent(e, why);
    }

    private static void installAbortHook() {
        if (abortHookInstalled) return;
        try {
            MethodHandle target = MethodHandles.lookup().findStatic(Rpc.class, "onNativeAbort", MethodType.methodType(void.class, MemorySegment.class));
            MemorySegment stub = Linker.nativeLinker().upcallStub(target, FunctionDescriptor.ofVoid(ValueLayout.ADDRESS), Arena.global());
            MemorySegment previous = (MemorySegment) Native.SET_ABORT_CALLBACK.invokeExact(stub); // ggml's default: none
            abortHookInstalled = true;
        } catch (Throwable t) {
            throw new IllegalStateException("cannot install ggml's abort callback", t);
        }
    }

    /**
     * ggml's abort callback (abort() follows when it returns). An abort from ggml-rpc is a lost server: the
     * thread is parked for good instead, so the JVM lives on. Any other abort keeps ggml's behaviour: the
     * message on stderr, then abort(). Nothing may escape an upcall, so everything is caught.
     */
    @SuppressWarnings("InfiniteLoopStatement")
    private static void onNativeAbort(MemorySegment message) {
        String text;
        try {
            text = message.reinterpret(2048).getString(0);
        } catch (Throwable t) {
            text = "(unreadable abort message)";
        }
        if (!text.contains("ggml-rpc")) {
            System.err.println(text);
            System.err.flush();
            return;
        }
        try {
            // the waiting callers report it (RpcServerLostException); llama.cpp's "file:line: " prefix is dropped
            markAllLost(text.substring(text.indexOf(": ") + 2).trim());
        } catch (Throwable ignored) {
            // parking below is what keeps the JVM alive; nothing else matters here
        }
        while (true) LockSupport.park(Rpc.class);
    }

    /** The hand-bound ggml entry points (see the class comment). */
    private static final class Native {
        static final MethodHandle REG_BY_NAME = bind("ggml_backend_reg_by_name", FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS));
        static final MethodHandle REG_PROC_ADDRESS = bind("ggml_backend_reg_get_proc_address",
                FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
        static final MethodHandle REG_DEV_COUNT = bind("ggml_backend_reg_dev_count", FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.ADDRESS));
        static final MethodHandle REG_DEV_GET = bind("ggml_backend_reg_dev_get",
                FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
        static final MethodHandle SET_ABORT_CALLBACK = bind("ggml_set_abort_callback", FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS));

        private static MethodHandle bind(String name, FunctionDescriptor descriptor) {
            MemorySegment symbol = java.lang.foreign.SymbolLookup.loaderLookup().find(name)
                    .orElseThrow(() -> new IllegalStateException("ggml symbol " + name + " not found in the loaded native libraries"));
            return Linker.nativeLinker().downcallHandle(symbol, descriptor);
        }
    }

    /** The name and description llama.cpp gives a device (RPC devices: "RPC0", and the endpoint). */
    static String describe(MemorySegment device) {
        return Strings.fromC(LlamaLib.ggml_backend_dev_name(device)) + " (" + Strings.fromC(LlamaLib.ggml_backend_dev_description(device)) + ")";
    }
}
