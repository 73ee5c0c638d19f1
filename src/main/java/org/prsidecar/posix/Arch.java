package org.prsidecar.posix;

import java.util.Locale;

/**
 * Everything that differs between the two supported Linux architectures, in one place:
 * open(2) flags, raw syscall numbers and the layout of the kernel's {@code struct stat}.
 *
 * <p>Sources (checked against the kernel's uapi headers):
 * <ul>
 * <li>x86_64: {@code include/uapi/asm-generic/fcntl.h} (the defaults), {@code
 *     arch/x86/include/uapi/asm/stat.h} (the non-i386 {@code struct stat}, 144 bytes),
 *     {@code arch/x86/entry/syscalls/syscall_64.tbl} (fstat 5, newfstatat 262).
 * <li>aarch64: {@code arch/arm64/include/uapi/asm/fcntl.h} (overrides O_DIRECTORY 040000,
 *     O_NOFOLLOW 0100000, O_DIRECT, O_LARGEFILE), {@code include/uapi/asm-generic/stat.h}
 *     ({@code struct stat}, 128 bytes, st_mode before a 32-bit st_nlink), {@code
 *     include/uapi/asm-generic/unistd.h} with {@code __ARCH_WANT_NEW_STAT} (newfstatat 79,
 *     fstat 80).
 * </ul>
 * Everything else this package uses is the same on both (LP64; asm-generic errno, socket
 * options, fcntl commands, {@code struct flock}, {@code msghdr}, {@code sg_io_hdr_t}).
 * glibc's {@code struct stat} equals the kernel's on both, so {@code stat} is done with the
 * raw syscall and works whatever the glibc version ({@code fstat} is only exported as a
 * symbol since glibc 2.33).
 */
enum Arch {
    X86_64(
            0200000, 0400000,
            5, 262,
            144, 0, 8, 16, true, 24, 28, 32, 40, 48, 88, 96, 104, 112),
    AARCH64(
            040000, 0100000,
            80, 79,
            128, 0, 8, 20, false, 16, 24, 28, 32, 48, 88, 96, 104, 112);

    /** Same on both: {@code 02000000}. */
    static final int O_CLOEXEC = 02000000;
    static final int O_CREAT = 0100;
    static final int O_RDONLY = 0;
    static final int O_WRONLY = 1;
    static final int O_RDWR = 2;
    static final int O_ACCMODE = 3;

    final int oDirectory;
    final int oNofollow;
    final long sysFstat;
    final long sysNewfstatat;
    final int statSize;
    final int stDev;
    final int stIno;
    final int stNlink;
    /** st_nlink is an unsigned long on x86_64, an unsigned int on aarch64. */
    final boolean stNlinkIsLong;
    final int stMode;
    final int stUid;
    final int stGid;
    final int stRdev;
    final int stSize;
    final int stMtime;
    final int stMtimeNsec;
    final int stCtime;
    final int stCtimeNsec;

    Arch(int oDirectory, int oNofollow, long sysFstat, long sysNewfstatat, int statSize,
            int stDev, int stIno, int stNlink, boolean stNlinkIsLong, int stMode, int stUid,
            int stGid, int stRdev, int stSize, int stMtime, int stMtimeNsec, int stCtime,
            int stCtimeNsec) {
        this.oDirectory = oDirectory;
        this.oNofollow = oNofollow;
        this.sysFstat = sysFstat;
        this.sysNewfstatat = sysNewfstatat;
        this.statSize = statSize;
        this.stDev = stDev;
        this.stIno = stIno;
        this.stNlink = stNlink;
        this.stNlinkIsLong = stNlinkIsLong;
        this.stMode = stMode;
        this.stUid = stUid;
        this.stGid = stGid;
        this.stRdev = stRdev;
        this.stSize = stSize;
        this.stMtime = stMtime;
        this.stMtimeNsec = stMtimeNsec;
        this.stCtime = stCtime;
        this.stCtimeNsec = stCtimeNsec;
    }

    /**
     * The architecture of this JVM, or null when it is not one this package supports (the
     * caller turns that into a {@link PosixUnavailableException} with the reason).
     */
    static Arch detect(String osName, String osArch) {
        if (osName == null || !osName.toLowerCase(Locale.ROOT).startsWith("linux")) {
            return null;
        }
        switch (osArch == null ? "" : osArch.toLowerCase(Locale.ROOT)) {
            case "amd64":
            case "x86_64":
                return X86_64;
            case "aarch64":
            case "arm64":
                return AARCH64;
            default:
                return null;
        }
    }
}
