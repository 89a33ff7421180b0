package dev.siskin.model.config;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The address the server's ports bind ({@code HOST}): an IP literal, never a name. A name would need a DNS lookup at
 * start (slow or hanging where DNS is unreachable) and could bind somewhere else than the operator meant; a pod's own
 * address, from the downward API ({@code status.podIP}), is a literal anyway.
 */
public final class BindAddress {
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

    private BindAddress() {}

    /** Empty for "" (all interfaces); the address for an IPv4 or IPv6 literal ({@code [::1]} too). */
    static Optional<InetAddress> parse(String raw, String env) throws SettingsException {
        String value = raw.strip();
        if (value.isEmpty()) {
            return Optional.empty();
        }
        String literal = value.startsWith("[") && value.endsWith("]") ? value.substring(1, value.length() - 1) : value;
        try {
            if (IPV4.matcher(literal).matches()) {
                return Optional.of(InetAddress.getByAddress(ipv4Bytes(literal)));
            }
            if (IPV6.matcher(literal).matches()) {
                // A literal with ':' is parsed, never looked up in DNS.
                return Optional.of(InetAddress.getByName(literal));
            }
        } catch (UnknownHostException | NumberFormatException e) {
            // reported below
        }
        throw new SettingsException(env + "=" + raw + " is not an IP address (expected: an IPv4 or IPv6 address of "
                + "this machine such as 127.0.0.1 or ::1, or unset to listen on all interfaces)");
    }

    private static byte[] ipv4Bytes(String literal) throws UnknownHostException {
        String[] parts = literal.split("\\.");
        byte[] bytes = new byte[4];
        for (int i = 0; i < 4; i++) {
            int part = Integer.parseInt(parts[i]);
            if (part > 255) {
                throw new UnknownHostException(literal);
            }
            bytes[i] = (byte) part;
        }
        return bytes;
    }

    /**
     * Fails unless this machine can bind {@code address}. Tried on a throwaway socket on port 0, which is never in
     * use, so a failure here is the address's fault and the later "port in use" error stays about the port.
     */
    public static void requireOfThisMachine(InetAddress address, String env) throws SettingsException {
        try (ServerSocket probe = new ServerSocket()) {
            probe.bind(new InetSocketAddress(address, 0));
        } catch (IOException e) {
            throw new SettingsException(env + "=" + address.getHostAddress() + " is not an address of this machine ("
                    + e.getMessage() + "; set " + env + " to one of its addresses, e.g. 127.0.0.1, or unset it to "
                    + "listen on all interfaces)");
        }
    }
}
