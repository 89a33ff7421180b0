package dev.siskin.tls;

/** A TLS file that cannot be used; the message names the setting, the file and why, on one line. */
public final class TlsFileException extends Exception {
    private static final long serialVersionUID = 1L;

    private final transient TlsFile file;
    private final String reason;

    public TlsFileException(TlsFile file, String reason) {
        super(file + ": " + reason);
        this.file = file;
        this.reason = reason;
    }

    public TlsFile file() {
        return file;
    }

    public String reason() {
        return reason;
    }
}
