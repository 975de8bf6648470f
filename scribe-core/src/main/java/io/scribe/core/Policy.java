package io.scribe.core;

import java.util.Objects;
import java.util.function.BiPredicate;

/**
 * Per-class rules: which clients receive an object's scribes (Syncro's {@code scribe_clients}), which incoming
 * scribes are accepted (Syncro's {@code scribe_authorized?}) and how concurrent writes resolve. Immutable; each
 * {@code with*} method returns a modified copy.
 *
 * @param <T> the synced class
 */
public final class Policy<T> {

    private static final Policy<Object> DEFAULTS =
            new Policy<>((object, client) -> true, (scribe, client) -> true, Resolver.lastWriterWins());

    private final BiPredicate<? super T, String> recipients;
    private final BiPredicate<Scribe, String> authorizer;
    private final Resolver resolver;

    private Policy(BiPredicate<? super T, String> recipients, BiPredicate<Scribe, String> authorizer, Resolver resolver) {
        this.recipients = recipients;
        this.authorizer = authorizer;
        this.resolver = resolver;
    }

    /** Every client receives every scribe, every incoming scribe is accepted, last writer wins. */
    @SuppressWarnings("unchecked")
    public static <T> Policy<T> defaults() {
        return (Policy<T>) DEFAULTS;
    }

    /**
     * Returns a copy whose scribes reach only the clients for which {@code recipients.test(object, clientId)} is
     * true. Asked when a scribe is pushed and when a catch-up page is built (then with the object as it is now; the
     * scribes of objects that no longer exist are sent only as their destroy).
     */
    public Policy<T> withRecipients(BiPredicate<? super T, String> recipients) {
        return new Policy<>(Objects.requireNonNull(recipients, "recipients"), authorizer, resolver);
    }

    /**
     * Returns a copy that accepts an incoming scribe only when {@code authorizer.test(scribe, fromClientId)} is
     * true; a refused scribe is answered with error 403 and changes nothing.
     */
    public Policy<T> withAuthorizer(BiPredicate<Scribe, String> authorizer) {
        return new Policy<>(recipients, Objects.requireNonNull(authorizer, "authorizer"), resolver);
    }

    /** Returns a copy that resolves concurrent writes with {@code resolver}. */
    public Policy<T> withResolver(Resolver resolver) {
        return new Policy<>(recipients, authorizer, Objects.requireNonNull(resolver, "resolver"));
    }

    boolean sendsTo(T object, String clientId) {
        return recipients.test(object, clientId);
    }

    boolean accepts(Scribe scribe, String clientId) {
        return authorizer.test(scribe, clientId);
    }

    Resolver resolver() {
        return resolver;
    }
}
