package io.scribe.transport.netty;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.ImmutableSecret;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import io.scribe.core.ScribeException;
import io.scribe.core.Session;
import io.scribe.core.spi.Authenticator;
import java.security.interfaces.RSAPublicKey;
import java.text.ParseException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Authenticates sessions with a JSON Web Token signed with HS256 (a shared secret) or RS256 (an RSA key pair), checked
 * with Nimbus JOSE+JWT. Register it as the Scriber's authenticator; a socket peer then sends {@code
 * {"type":"<messageType>","token":"<JWT>"}} first, and an HTTP sync request carries the token as {@code
 * Authorization: Bearer <JWT>} (see {@code docs/PROTOCOL.md}).
 *
 * <pre>{@code
 * JwtAuthenticator jwt = JwtAuthenticator.hs256(secret).issuer("https://auth.example").audience("scribe");
 * Scriber server = Scriber.builder().clientId("server").authenticate("jwt", jwt)...build();
 * }</pre>
 *
 * <p>A token is accepted when its signature verifies with the configured algorithm (no other algorithm, never
 * {@code none}), it has an {@code exp} that has not passed and an {@code nbf}, if any, that has (both within the clock
 * skew), its {@code iss} and {@code aud} are the configured ones when configured, its {@code client_id} claim is the
 * session's client, and its scopes (a space-separated {@code scope} claim or an array {@code scp}) include what the
 * session does: the read scope to pull, the write scope to push; a socket session both reads and writes, so it needs
 * both. A refusal is error 401 (the token is not valid) or 403 (valid, but not for this client or this operation),
 * with the reason. The principal is the {@code sub} claim, or the {@code client_id} when there is none.
 *
 * <p>Configure it before the Scriber uses it; thread-safe from then on.
 */
public final class JwtAuthenticator implements Authenticator {

    /** The field of the authentication message that holds the token. */
    public static final String TOKEN_FIELD = "token";
    /**
     * The field of an HTTP request's authentication message naming the operation ({@code "read"} or {@code
     * "write"}); set by the server, never taken from a socket peer.
     */
    public static final String OPERATION_FIELD = "operation";

    private final JWSAlgorithm algorithm;
    private final com.nimbusds.jose.proc.JWSKeySelector<SecurityContext> keys;
    private String issuer;
    private String audience;
    private String readScope = "scribe:read";
    private String writeScope = "scribe:write";
    private Duration clockSkew = Duration.ofSeconds(30);
    private volatile DefaultJWTProcessor<SecurityContext> processor;

    private JwtAuthenticator(JWSAlgorithm algorithm, com.nimbusds.jose.proc.JWSKeySelector<SecurityContext> keys) {
        this.algorithm = algorithm;
        this.keys = keys;
    }

    /**
     * Tokens signed with HMAC-SHA256 under {@code secret}.
     *
     * @throws IllegalArgumentException if the secret is shorter than 32 bytes (256 bits, what HS256 requires)
     */
    public static JwtAuthenticator hs256(byte[] secret) {
        Objects.requireNonNull(secret, "secret");
        if (secret.length < 32) {
            throw new IllegalArgumentException("an HS256 secret needs at least 32 bytes, got " + secret.length);
        }
        return new JwtAuthenticator(JWSAlgorithm.HS256,
                new JWSVerificationKeySelector<>(JWSAlgorithm.HS256, new ImmutableSecret<>(secret.clone())));
    }

    /** Tokens signed with RSASSA-PKCS1-v1_5 SHA-256 by the private key of {@code publicKey}. */
    public static JwtAuthenticator rs256(RSAPublicKey publicKey) {
        Objects.requireNonNull(publicKey, "publicKey");
        return new JwtAuthenticator(JWSAlgorithm.RS256, new JWSVerificationKeySelector<>(JWSAlgorithm.RS256,
                new ImmutableJWKSet<>(new JWKSet(new RSAKey.Builder(publicKey).build()))));
    }

    /** The {@code iss} every token must carry. Default: not checked. */
    public JwtAuthenticator issuer(String issuer) {
        this.issuer = Objects.requireNonNull(issuer, "issuer");
        processor = null;
        return this;
    }

    /** An {@code aud} every token must include. Default: not checked. */
    public JwtAuthenticator audience(String audience) {
        this.audience = Objects.requireNonNull(audience, "audience");
        processor = null;
        return this;
    }

    /** The scopes that allow pulling and pushing. Defaults {@code scribe:read} and {@code scribe:write}. */
    public JwtAuthenticator scopes(String read, String write) {
        this.readScope = Objects.requireNonNull(read, "read");
        this.writeScope = Objects.requireNonNull(write, "write");
        return this;
    }

    /** How far {@code exp} and {@code nbf} may be off the server's clock. Default 30 seconds. */
    public JwtAuthenticator clockSkew(Duration skew) {
        Objects.requireNonNull(skew, "skew");
        if (skew.isNegative()) {
            throw new IllegalArgumentException("clock skew must not be negative: " + skew);
        }
        this.clockSkew = skew;
        processor = null;
        return this;
    }

    private DefaultJWTProcessor<SecurityContext> processor() {
        DefaultJWTProcessor<SecurityContext> p = processor;
        if (p == null) {
            p = new DefaultJWTProcessor<>();
            p.setJWSKeySelector(keys);
            JWTClaimsSet.Builder exact = new JWTClaimsSet.Builder();
            if (issuer != null) {
                exact.issuer(issuer);
            }
            DefaultJWTClaimsVerifier<SecurityContext> verifier = new DefaultJWTClaimsVerifier<>(
                    audience == null ? null : Set.of(audience), exact.build(), Set.of("exp", "client_id"), null);
            verifier.setMaxClockSkew((int) Math.min(Integer.MAX_VALUE, clockSkew.toSeconds()));
            p.setJWTClaimsSetVerifier(verifier);
            processor = p;
        }
        return p;
    }

    /**
     * Checks the token of {@code message} for {@code session}; see the class comment.
     *
     * @throws ScribeException 401 when the token is missing or not valid, 403 when it is for another client or lacks
     *     a scope
     */
    @Override
    public String authenticate(Session session, JsonNode message) {
        JsonNode token = message.get(TOKEN_FIELD);
        if (token == null || !token.isTextual() || token.asText().isBlank()) {
            throw new ScribeException(ScribeException.UNAUTHENTICATED, "no token: send a JWT in \"token\"");
        }
        JWTClaimsSet claims;
        try {
            claims = processor().process(token.asText(), null);
        } catch (ParseException e) {
            throw new ScribeException(ScribeException.UNAUTHENTICATED, "token refused: not a JWT");
        } catch (BadJOSEException e) {
            throw new ScribeException(ScribeException.UNAUTHENTICATED, "token refused: " + e.getMessage());
        } catch (JOSEException e) {
            throw new ScribeException(ScribeException.UNAUTHENTICATED, "token refused: " + e.getMessage());
        }
        Object clientClaim = claims.getClaim("client_id");
        String client = session.client().id();
        if (!client.equals(clientClaim)) {
            throw new ScribeException(ScribeException.FORBIDDEN, "token refused: its client_id is " + clientClaim
                    + ", but the request is from client " + client);
        }
        Set<String> scopes = scopes(claims);
        List<String> needed;
        if (session.isExchange()) {
            String operation = message.path(OPERATION_FIELD).asText("");
            needed = switch (operation) {
                case "read" -> List.of(readScope);
                case "write" -> List.of(writeScope);
                default -> List.of(readScope, writeScope);
            };
        } else {
            needed = List.of(readScope, writeScope);
        }
        for (String scope : needed) {
            if (!scopes.contains(scope)) {
                throw new ScribeException(ScribeException.FORBIDDEN, "token refused: it lacks the scope " + scope
                        + (session.isExchange() ? "" : " (a socket session both reads and writes)"));
            }
        }
        return claims.getSubject() != null ? claims.getSubject() : client;
    }

    private static Set<String> scopes(JWTClaimsSet claims) {
        Set<String> scopes = new HashSet<>();
        Object scope = claims.getClaim("scope");
        if (scope instanceof String s) {
            for (String part : s.trim().split("\\s+")) {
                if (!part.isEmpty()) {
                    scopes.add(part);
                }
            }
        }
        Object scp = claims.getClaim("scp");
        if (scp instanceof List<?> list) {
            list.forEach(item -> scopes.add(String.valueOf(item)));
        } else if (scp instanceof String s) {
            scopes.add(s);
        }
        return scopes;
    }

    @Override
    public String toString() {
        return "JwtAuthenticator[" + algorithm + (issuer == null ? "" : ", iss " + issuer)
                + (audience == null ? "" : ", aud " + audience) + "]";
    }
}
