package org.prsidecar.scsi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.function.Executable;

/** Byte-level helpers and sense assertions shared by the scsi tests. */
final class Wire {
    private Wire() {
    }

    /** Bytes from hex digits; spaces, newlines and '|' separators are ignored. */
    static byte[] hex(String digits) {
        return HexFormat.of().parseHex(digits.replaceAll("[\\s|]", ""));
    }

    static String hex(byte[] b) {
        return HexFormat.ofDelimiter(" ").formatHex(b);
    }

    static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    /** A copy of {@code b} with the big-endian u32 at {@code off} set to {@code value}. */
    static byte[] withU32(byte[] b, int off, long value) {
        byte[] c = b.clone();
        c[off] = (byte) (value >>> 24);
        c[off + 1] = (byte) (value >>> 16);
        c[off + 2] = (byte) (value >>> 8);
        c[off + 3] = (byte) value;
        return c;
    }

    /** A copy of {@code b} with the big-endian u16 at {@code off} set to {@code value}. */
    static byte[] withU16(byte[] b, int off, int value) {
        byte[] c = b.clone();
        c[off] = (byte) (value >>> 8);
        c[off + 1] = (byte) value;
        return c;
    }

    /** A copy of {@code b} with byte {@code off} set to {@code value}. */
    static byte[] withByte(byte[] b, int off, int value) {
        byte[] c = b.clone();
        c[off] = (byte) value;
        return c;
    }

    static byte[] slice(byte[] b, int from, int to) {
        return Arrays.copyOfRange(b, from, to);
    }

    static void assertBytes(String expectedHex, byte[] actual) {
        assertEquals(hex(hex(expectedHex)), hex(actual));
    }

    /** Asserts CHECK CONDITION with exactly this sense, and returns the exception. */
    static ScsiException assertSense(SenseData expected, Executable decode) {
        ScsiException e = assertThrows(ScsiException.class, decode);
        assertEquals(ScsiStatus.CHECK_CONDITION, e.status(), e::getMessage);
        assertEquals(expected, e.sense().orElseThrow(), e::getMessage);
        return e;
    }

    static ScsiException assertInvalidFieldInCdb(Executable decode) {
        return assertSense(SenseData.INVALID_FIELD_IN_CDB, decode);
    }

    static ScsiException assertInvalidFieldInParameterList(Executable decode) {
        return assertSense(SenseData.INVALID_FIELD_IN_PARAMETER_LIST, decode);
    }

    static ScsiException assertParameterListLengthError(Executable decode) {
        return assertSense(SenseData.PARAMETER_LIST_LENGTH_ERROR, decode);
    }
}
