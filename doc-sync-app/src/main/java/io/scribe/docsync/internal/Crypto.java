package io.scribe.docsync.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/** API keys and secrets, their encryption at rest (AES-256-GCM under the master key) and request signatures. */
public final class Crypto {

    private static final SecureRandom RANDOM = new SecureRandom();
    public static final String MASTER_KEY_ENV = "DOC_SYNC_MASTER_KEY";

    private Crypto() {}

    /** A random token: {@code prefix} then 32 random bytes in URL-safe base64. */
    public static String token(String prefix) {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return prefix + Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** A master key given as base64 of 32 bytes (the value of {@value #MASTER_KEY_ENV}). */
    public static byte[] masterKeyFromEnv(String base64) {
        byte[] k;
        try {
            k = Base64.getDecoder().decode(base64.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(MASTER_KEY_ENV + " must be base64 of 32 bytes: " + e.getMessage());
        }
        if (k.length != 32) {
            throw new IllegalArgumentException(MASTER_KEY_ENV + " must be base64 of 32 bytes, got " + k.length);
        }
        return k;
    }

    /** The master key in {@code file} (base64 of 32 bytes), created with mode 0600 when absent. */
    public static byte[] masterKeyFile(Path file) {
        try {
            if (!Files.exists(file)) {
                Path dir = file.toAbsolutePath().getParent();
                Files.createDirectories(dir);
                byte[] k = new byte[32];
                RANDOM.nextBytes(k);
                Files.writeString(file, Base64.getEncoder().encodeToString(k));
                try {
                    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
                } catch (UnsupportedOperationException e) {
                    // not a POSIX file system: the file keeps the default permissions
                }
            }
            byte[] k;
            try {
                k = Base64.getDecoder().decode(Files.readString(file).trim());
            } catch (IllegalArgumentException e) {
                k = new byte[0];
            }
            if (k.length != 32) {
                throw new IllegalArgumentException("master key file " + file + " must hold base64 of 32 bytes");
            }
            return k;
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot read or create the master key " + file + ": " + e, e);
        }
    }

    /** A value that tells keys apart without revealing them: hex of HMAC-SHA256(key, "doc-sync master key"). */
    public static String keyCheck(byte[] key) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal("doc-sync master key".getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable: " + e, e);
        }
    }

    /** Encrypts {@code plain} with AES-256-GCM: base64 of a 12-byte nonce then the ciphertext and tag. */
    public static String encrypt(byte[] key, String plain, String associated) {
        try {
            byte[] nonce = new byte[12];
            RANDOM.nextBytes(nonce);
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, nonce));
            c.updateAAD(associated.getBytes(StandardCharsets.UTF_8));
            byte[] out = c.doFinal(plain.getBytes(StandardCharsets.UTF_8));
            return Base64.getEncoder().encodeToString(ByteBuffer.allocate(12 + out.length).put(nonce).put(out).array());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM unavailable: " + e, e);
        }
    }

    /** Decrypts what {@link #encrypt} made with the same key and associated data; throws if it was tampered with. */
    public static String decrypt(byte[] key, String sealed, String associated) throws GeneralSecurityException {
        byte[] all = Base64.getDecoder().decode(sealed);
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
        c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, all, 0, 12));
        c.updateAAD(associated.getBytes(StandardCharsets.UTF_8));
        return new String(c.doFinal(all, 12, all.length - 12), StandardCharsets.UTF_8);
    }

    /** Hex of HMAC-SHA256({@code secret}, {@code "timestamp.email.apiKey.body"}). */
    public static String sign(String secret, long timestamp, String email, String apiKey, String body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            String text = timestamp + "." + email + "." + apiKey + "." + body;
            return HexFormat.of().formatHex(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable: " + e, e);
        }
    }

    /** Compares two texts in time that does not depend on where they differ. */
    public static boolean constantTimeEquals(String a, String b) {
        return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }
}
