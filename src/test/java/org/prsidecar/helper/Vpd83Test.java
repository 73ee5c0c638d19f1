package org.prsidecar.helper;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** INQUIRY VPD page 83h: the logical unit's WWID in sysfs's notation. */
class Vpd83Test {

    /** A designation descriptor: code set, association, designator type, value. */
    private static byte[] descriptor(int codeSet, int association, int type, byte[] value) {
        byte[] d = new byte[4 + value.length];
        d[0] = (byte) codeSet;
        d[1] = (byte) (association << 4 | type);
        d[3] = (byte) value.length;
        System.arraycopy(value, 0, d, 4, value.length);
        return d;
    }

    private static byte[] page(byte[]... descriptors) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] d : descriptors) {
            b.writeBytes(d);
        }
        byte[] body = b.toByteArray();
        byte[] p = new byte[4 + body.length];
        p[1] = (byte) 0x83;
        p[2] = (byte) (body.length >> 8);
        p[3] = (byte) body.length;
        System.arraycopy(body, 0, p, 4, body.length);
        return p;
    }

    static final byte[] NAA = {0x60, 0x01, 0x40, 0x5A, (byte) 0xBC, (byte) 0xDE, (byte) 0xF0, 0x12, 0x34, 0x56, 0x78,
        (byte) 0x9A, (byte) 0xBC, (byte) 0xDE, (byte) 0xF0, 0x01};
    static final byte[] EUI = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77};
    static final byte[] T10 = "LIO-ORG block0          1234abcd".getBytes(StandardCharsets.US_ASCII);
    static final byte[] NAME = "iqn.2003-01.org.linux-iscsi:lun0\0\0\0\0".getBytes(StandardCharsets.UTF_8);

    @Test
    void naaIsPreferredOverEveryOtherDesignator() {
        byte[] p = page(descriptor(2, 0, 1, T10), descriptor(1, 0, 2, EUI), descriptor(1, 0, 3, NAA));
        assertEquals(Optional.of("naa.6001405abcdef0123456789abcdef001"), Vpd83.wwid(p));
    }

    @Test
    void euiThenScsiNameThenT10() {
        assertEquals(Optional.of("eui.0011223344556677"),
                Vpd83.wwid(page(descriptor(2, 0, 1, T10), descriptor(3, 0, 8, NAME), descriptor(1, 0, 2, EUI))));
        assertEquals(Optional.of("iqn.2003-01.org.linux-iscsi:lun0"),
                Vpd83.wwid(page(descriptor(2, 0, 1, T10), descriptor(3, 0, 8, NAME))), "NULs are padding");
        assertEquals(Optional.of("t10.lio-org block0 1234abcd"), Vpd83.wwid(page(descriptor(2, 0, 1, T10))),
                "vendor id spaces folded as sysfs does");
    }

    @Test
    void onlyLogicalUnitAssociationCounts() {
        // a target port's NAA (association 1) or a target device's (2) is not the LU's WWID
        byte[] p = page(descriptor(1, 1, 3, NAA), descriptor(1, 2, 3, NAA), descriptor(1, 0, 2, EUI));
        assertEquals(Optional.of("eui.0011223344556677"), Vpd83.wwid(p));
        assertEquals(Optional.empty(), Vpd83.wwid(page(descriptor(1, 1, 3, NAA))));
    }

    @Test
    void textDesignatorsInABinaryCodeSetAreSkipped() {
        assertEquals(Optional.empty(), Vpd83.wwid(page(descriptor(1, 0, 1, T10))));
    }

    @Test
    void emptyDesignatorsAreSkipped() {
        assertEquals(Optional.of("eui.0011223344556677"),
                Vpd83.wwid(page(descriptor(1, 0, 3, new byte[0]), descriptor(1, 0, 2, EUI))));
    }

    @Test
    void malformedPagesGiveNothingAndNeverThrow() {
        assertEquals(Optional.empty(), Vpd83.wwid(new byte[0]));
        assertEquals(Optional.empty(), Vpd83.wwid(new byte[3]));
        byte[] wrongPage = page(descriptor(1, 0, 3, NAA));
        wrongPage[1] = (byte) 0x80;
        assertEquals(Optional.empty(), Vpd83.wwid(wrongPage));
        byte[] overrun = page(descriptor(1, 0, 3, NAA));
        overrun[7] = (byte) 200; // descriptor claims more bytes than the page has
        assertEquals(Optional.empty(), Vpd83.wwid(overrun));
    }

    @Test
    void pageLengthLimitsTheScanEvenWhenTheBufferIsLonger() {
        byte[] p = page(descriptor(1, 0, 2, EUI), descriptor(1, 0, 3, NAA));
        byte[] cut = p.clone();
        cut[3] = (byte) (4 + EUI.length); // the page length covers only the EUI descriptor
        assertEquals(Optional.of("eui.0011223344556677"), Vpd83.wwid(cut));
    }
}
