package org.prsidecar.posix;

import com.sun.jna.Function;
import com.sun.jna.Memory;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Linux errno values (the same on x86_64 and aarch64: both use asm-generic/errno*.h), their
 * symbolic names and descriptions.
 */
public final class Errno {
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int ESRCH = 3;
    public static final int EINTR = 4;
    public static final int EIO = 5;
    public static final int ENXIO = 6;
    public static final int E2BIG = 7;
    public static final int EBADF = 9;
    public static final int ECHILD = 10;
    public static final int EAGAIN = 11;
    /** Same value as {@link #EAGAIN} on Linux. */
    public static final int EWOULDBLOCK = EAGAIN;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EFAULT = 14;
    public static final int ENOTBLK = 15;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int EXDEV = 18;
    public static final int ENODEV = 19;
    public static final int ENOTDIR = 20;
    public static final int EISDIR = 21;
    public static final int EINVAL = 22;
    public static final int ENFILE = 23;
    public static final int EMFILE = 24;
    public static final int ENOTTY = 25;
    public static final int ETXTBSY = 26;
    public static final int EFBIG = 27;
    public static final int ENOSPC = 28;
    public static final int ESPIPE = 29;
    public static final int EROFS = 30;
    public static final int EMLINK = 31;
    public static final int EPIPE = 32;
    public static final int ERANGE = 34;
    public static final int EDEADLK = 35;
    public static final int ENAMETOOLONG = 36;
    public static final int ENOLCK = 37;
    public static final int ENOSYS = 38;
    public static final int ENOTEMPTY = 39;
    public static final int ELOOP = 40;
    public static final int ENODATA = 61;
    public static final int EOVERFLOW = 75;
    public static final int ENOTSOCK = 88;
    public static final int EMSGSIZE = 90;
    public static final int EPROTOTYPE = 91;
    public static final int ENOPROTOOPT = 92;
    public static final int EOPNOTSUPP = 95;
    /** Same value as {@link #EOPNOTSUPP} on Linux. */
    public static final int ENOTSUP = EOPNOTSUPP;
    public static final int EAFNOSUPPORT = 97;
    public static final int EADDRINUSE = 98;
    public static final int EADDRNOTAVAIL = 99;
    public static final int ECONNABORTED = 103;
    public static final int ECONNRESET = 104;
    public static final int ENOBUFS = 105;
    public static final int EISCONN = 106;
    public static final int ENOTCONN = 107;
    public static final int ETIMEDOUT = 110;
    public static final int ECONNREFUSED = 111;
    public static final int EALREADY = 114;
    public static final int EINPROGRESS = 115;
    public static final int ESTALE = 116;
    public static final int EREMOTEIO = 121;
    public static final int EDQUOT = 122;
    public static final int ENOMEDIUM = 123;
    public static final int ECANCELED = 125;

    private static final Map<Integer, String> NAMES = Map.ofEntries(
            Map.entry(EPERM, "EPERM"), Map.entry(ENOENT, "ENOENT"), Map.entry(ESRCH, "ESRCH"),
            Map.entry(EINTR, "EINTR"), Map.entry(EIO, "EIO"), Map.entry(ENXIO, "ENXIO"),
            Map.entry(E2BIG, "E2BIG"), Map.entry(EBADF, "EBADF"), Map.entry(ECHILD, "ECHILD"),
            Map.entry(EAGAIN, "EAGAIN"), Map.entry(ENOMEM, "ENOMEM"), Map.entry(EACCES, "EACCES"),
            Map.entry(EFAULT, "EFAULT"), Map.entry(ENOTBLK, "ENOTBLK"), Map.entry(EBUSY, "EBUSY"),
            Map.entry(EEXIST, "EEXIST"), Map.entry(EXDEV, "EXDEV"), Map.entry(ENODEV, "ENODEV"),
            Map.entry(ENOTDIR, "ENOTDIR"), Map.entry(EISDIR, "EISDIR"), Map.entry(EINVAL, "EINVAL"),
            Map.entry(ENFILE, "ENFILE"), Map.entry(EMFILE, "EMFILE"), Map.entry(ENOTTY, "ENOTTY"),
            Map.entry(ETXTBSY, "ETXTBSY"), Map.entry(EFBIG, "EFBIG"), Map.entry(ENOSPC, "ENOSPC"),
            Map.entry(ESPIPE, "ESPIPE"), Map.entry(EROFS, "EROFS"), Map.entry(EMLINK, "EMLINK"),
            Map.entry(EPIPE, "EPIPE"), Map.entry(ERANGE, "ERANGE"), Map.entry(EDEADLK, "EDEADLK"),
            Map.entry(ENAMETOOLONG, "ENAMETOOLONG"), Map.entry(ENOLCK, "ENOLCK"),
            Map.entry(ENOSYS, "ENOSYS"), Map.entry(ENOTEMPTY, "ENOTEMPTY"), Map.entry(ELOOP, "ELOOP"),
            Map.entry(ENODATA, "ENODATA"), Map.entry(EOVERFLOW, "EOVERFLOW"),
            Map.entry(ENOTSOCK, "ENOTSOCK"), Map.entry(EMSGSIZE, "EMSGSIZE"),
            Map.entry(EPROTOTYPE, "EPROTOTYPE"), Map.entry(ENOPROTOOPT, "ENOPROTOOPT"),
            Map.entry(EOPNOTSUPP, "EOPNOTSUPP"), Map.entry(EAFNOSUPPORT, "EAFNOSUPPORT"),
            Map.entry(EADDRINUSE, "EADDRINUSE"), Map.entry(EADDRNOTAVAIL, "EADDRNOTAVAIL"),
            Map.entry(ECONNABORTED, "ECONNABORTED"), Map.entry(ECONNRESET, "ECONNRESET"),
            Map.entry(ENOBUFS, "ENOBUFS"), Map.entry(EISCONN, "EISCONN"),
            Map.entry(ENOTCONN, "ENOTCONN"), Map.entry(ETIMEDOUT, "ETIMEDOUT"),
            Map.entry(ECONNREFUSED, "ECONNREFUSED"), Map.entry(EALREADY, "EALREADY"),
            Map.entry(EINPROGRESS, "EINPROGRESS"), Map.entry(ESTALE, "ESTALE"),
            Map.entry(EREMOTEIO, "EREMOTEIO"), Map.entry(EDQUOT, "EDQUOT"),
            Map.entry(ENOMEDIUM, "ENOMEDIUM"), Map.entry(ECANCELED, "ECANCELED"));

    private static final Map<Integer, String> DESCRIPTIONS = new ConcurrentHashMap<>();

    private Errno() {
    }

    /** The symbolic name ({@code "EACCES"}), or {@code "errno 200"} for one not listed here. */
    public static String name(int errno) {
        String name = NAMES.get(errno);
        return name != null ? name : "errno " + errno;
    }

    /**
     * The C library's description ({@code "Permission denied"}): glibc's untranslated
     * {@code strerrordesc_np} where it exists (glibc 2.32+), else {@code strerror_r}.
     */
    public static String description(int errno) {
        String d = DESCRIPTIONS.get(errno);
        if (d == null) {
            d = lookUpDescription(errno);
            DESCRIPTIONS.put(errno, d);
        }
        return d;
    }

    private static String lookUpDescription(int errno) {
        if (!PosixPlatform.isAvailable()) {
            return "errno " + errno;
        }
        try {
            NativeLibrary libc = NativeLibrary.getInstance("c");
            try {
                Function f = libc.getFunction("strerrordesc_np");
                Pointer p = (Pointer) f.invoke(Pointer.class, new Object[] {errno});
                if (p != null) {
                    return p.getString(0, "UTF-8");
                }
            } catch (UnsatisfiedLinkError absent) {
                // older glibc: fall through to strerror_r
            }
            // the GNU strerror_r, which returns the string (in buf or static)
            Function f = libc.getFunction("strerror_r");
            try (Memory buf = new Memory(256)) {
                buf.clear();
                Pointer p = (Pointer) f.invoke(Pointer.class, new Object[] {errno, buf, 256L});
                if (p != null) {
                    return p.getString(0);
                }
            }
        } catch (RuntimeException | LinkageError e) {
            // fall through
        }
        return "errno " + errno;
    }
}
