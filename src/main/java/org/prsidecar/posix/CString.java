package org.prsidecar.posix;

import java.nio.charset.Charset;
import java.nio.file.Path;
import java.util.Arrays;

/** NUL-terminated byte strings for the C library, in the JDK's file name encoding. */
final class CString {
    /** The encoding the JDK itself uses for file names (sun.jnu.encoding). */
    static final Charset FILE_NAMES = fileNameCharset();

    private CString() {
    }

    private static Charset fileNameCharset() {
        String name = System.getProperty("sun.jnu.encoding");
        try {
            return name != null ? Charset.forName(name) : Charset.defaultCharset();
        } catch (RuntimeException e) {
            return Charset.defaultCharset();
        }
    }

    static byte[] of(Path path) {
        return of(path.toString());
    }

    static byte[] of(String s) {
        byte[] b = s.getBytes(FILE_NAMES);
        for (byte x : b) {
            if (x == 0) {
                throw new IllegalArgumentException("a NUL byte in " + s);
            }
        }
        return Arrays.copyOf(b, b.length + 1);
    }

    /** Length without the terminating NUL. */
    static int length(byte[] cstring) {
        return cstring.length - 1;
    }
}
