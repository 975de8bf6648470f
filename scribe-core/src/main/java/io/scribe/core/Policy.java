package io.scribe.core;

import java.util.Objects;
import java.util.Set;
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
            new Policy<>((object, client) -> true, (scribe, client) -> true, Resolver.lastWriterWins(), Set.of());

    private final BiPredicate<? super T, String> recipients;
    private final BiPredicate<Scribe, String> authorizer;
    private final Resolver resolver;
    private final Set<String> keyMerged;

    private Policy(BiPredicate<? super T, String> recipients, BiPredicate<Scribe, String> authorizer, Resolver resolver,
            Set<String> keyMerged) {
        this.recipients = recipients;
        this.authorizer = authorizer;
        this.resolver = resolver;
        this.keyMerged = keyMerged;
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
        return new Policy<>(Objects.requireNonNull(recipients, "recipients"), authorizer, resolver, keyMerged);
    }

    /**
     * Returns a copy that accepts an incoming scribe only when {@code authorizer.test(scribe, fromClientId)} is
     * true; a refused scribe is answered with error 403 and changes nothing.
     */
    public Policy<T> withAuthorizer(BiPredicate<Scribe, String> authorizer) {
        return new Policy<>(recipients, Objects.requireNonNull(authorizer, "authorizer"), resolver, keyMerged);
    }

    /** Returns a copy that resolves concurrent writes with {@code resolver}. */
    public Policy<T> withResolver(Resolver resolver) {
        return new Policy<>(recipients, authorizer, Objects.requireNonNull(resolver, "resolver"), keyMerged);
    }

    /**
     * Returns a copy whose named fields merge key by key instead of as whole values. Each field must hold a JSON
     * object: a {@code Map} with String keys or a Jackson {@code ObjectNode}. Then:
     * <ul>
     *   <li>an update carries only the keys that changed, as a JSON merge patch (RFC 7386, one level): {@code
     *       {"content": {"title": "new", "old": null}}} sets {@code title} and removes {@code old};</li>
     *   <li>each key has its own stamp (named {@code field/key} in {@link Scribe#base()} and the stored state), so
     *       the resolver decides key by key: concurrent writes to different keys both survive;</li>
     *   <li>a key whose value is JSON {@code null} is removed: such fields cannot hold null values.</li>
     * </ul>
     * Every peer must register the class with the same merged fields.
     *
     * @throws IllegalArgumentException (when the class is registered) if a name is not a synced field of that kind
     */
    public Policy<T> withKeyMerge(String... fields) {
        Set<String> names = Set.of(fields);
        return new Policy<>(recipients, authorizer, resolver, names);
    }

    /** The fields merged key by key (see {@link #withKeyMerge(String...)}). */
    public Set<String> keyMerged() {
        return keyMerged;
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
