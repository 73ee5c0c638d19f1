package org.prsidecar.posix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** errno names, strerror descriptions and the exception's message. */
class PosixExceptionTest {
    @Test
    void messageNamesCallPathDescriptionAndErrno() {
        PosixException e = new PosixException(Errno.EACCES, "open", Path.of("/srv/x.json"));
        assertEquals("open /srv/x.json: Permission denied (EACCES)", e.getMessage());
        assertEquals(Errno.EACCES, e.errno());
        assertEquals("EACCES", e.errnoName());
        assertEquals("open", e.call());
        assertEquals(Path.of("/srv/x.json"), e.path().orElseThrow());
        assertFalse(e.isTimeout());
        assertTrue(e instanceof IOException);
    }

    @Test
    void withoutPathAndWithDetail() {
        PosixException e = new PosixException(Errno.EAGAIN, "fcntl(F_OFD_SETLK)", null, "held elsewhere");
        assertEquals("fcntl(F_OFD_SETLK): Resource temporarily unavailable (EAGAIN): held elsewhere", e.getMessage());
        assertTrue(e.path().isEmpty());
        assertEquals("held elsewhere", e.detail().orElseThrow());
    }

    @Test
    void namesAndDescriptionsOfTheErrnosThisProjectMeets() {
        assertEquals("EPERM", Errno.name(1));
        assertEquals("ENOENT", Errno.name(Errno.ENOENT));
        assertEquals("ESTALE", Errno.name(116));
        assertEquals("EDQUOT", Errno.name(122));
        assertEquals("ENOLCK", Errno.name(37));
        assertEquals("ENOTSOCK", Errno.name(88));
        assertEquals("errno 4000", Errno.name(4000));
        assertEquals("No space left on device", Errno.description(Errno.ENOSPC));
        assertEquals("Stale file handle", Errno.description(Errno.ESTALE));
        assertEquals("No locks available", Errno.description(Errno.ENOLCK));
        assertEquals("Disk quota exceeded", Errno.description(Errno.EDQUOT));
        assertEquals("Inappropriate ioctl for device", Errno.description(Errno.ENOTTY));
        assertTrue(Errno.description(4000).contains("4000"), Errno.description(4000));
    }
}
