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

    private static final BiPredicate<Object, String> EVERY_CLIENT = (object, client) -> true;
    private static final Policy<Object> DEFAULTS =
            new Policy<>(EVERY_CLIENT, (scribe, client) -> true, Resolver.lastWriterWins(), Set.of());

    private final BiPredicate<? super T, String> recipients;
    private final BiPredicate<Scribe, String> authorizer;
    private final Resolver resolver;
    private final Set<String> keyMerged;
    private Set<String> setMerged = Set.of();
    private Set<String> listMerged = Set.of();
    private BiPredicate<String, String> formerRecipients = (id, client) -> true;
    private FollowUp followUp;

    private Policy(BiPredicate<? super T, String> recipients, BiPredicate<Scribe, String> authorizer, Resolver resolver,
            Set<String> keyMerged) {
        this.recipients = recipients;
        this.authorizer = authorizer;
        this.resolver = resolver;
        this.keyMerged = keyMerged;
    }

    private Policy<T> copy(BiPredicate<? super T, String> recipients, BiPredicate<Scribe, String> authorizer,
            Resolver resolver, Set<String> keyMerged) {
        Policy<T> p = new Policy<>(recipients, authorizer, resolver, keyMerged);
        p.formerRecipients = formerRecipients;
        p.followUp = followUp;
        p.setMerged = setMerged;
        p.listMerged = listMerged;
        return p;
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
        return copy(Objects.requireNonNull(recipients, "recipients"), authorizer, resolver, keyMerged);
    }

    /**
     * Returns a copy that accepts an incoming scribe only when {@code authorizer.test(scribe, fromClientId)} is
     * true; a refused scribe is answered with error 403 and changes nothing.
     */
    public Policy<T> withAuthorizer(BiPredicate<Scribe, String> authorizer) {
        return copy(recipients, Objects.requireNonNull(authorizer, "authorizer"), resolver, keyMerged);
    }

    /** Returns a copy that resolves concurrent writes with {@code resolver}. */
    public Policy<T> withResolver(Resolver resolver) {
        return copy(recipients, authorizer, Objects.requireNonNull(resolver, "resolver"), keyMerged);
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
        Set<String> names = new java.util.HashSet<>(Set.of(fields));
        names.addAll(setMerged);
        names.addAll(listMerged);
        return copy(recipients, authorizer, resolver, Set.copyOf(names));
    }

    /**
     * Returns a copy whose named fields merge as <b>add-wins sets</b> of strings. Each field must be a synced {@code
     * Set<String>} or {@code List<String>} (a list is then a set too: one copy of each element). Then:
     * <ul>
     *   <li>each element has its own stamp, and an update carries only the elements added and removed, as a merge
     *       patch of an object with one key per element: {@code {"tags": {"urgent": true, "old": null}}};</li>
     *   <li>concurrent adds are all kept: two peers that each add a tag offline both keep theirs;</li>
     *   <li>a remove removes only what the remover had seen: it covers the adds of the element up to the newest one
     *       the remover held, so an element added again by a peer that had not seen the removal stays;</li>
     *   <li>the order is not synced: after playing a remote change, every peer holds the elements in string order;</li>
     *   <li>no conflict is reported for these fields: keeping concurrent adds is the rule, not a loss.</li>
     * </ul>
     * On the wire and in the store such a field is the object {@code {"element": true, ...}}. Every peer must
     * register the class with the same merged fields. Other fields keep the class's resolver.
     *
     * @throws IllegalArgumentException (when the class is registered) if a name is not a synced field of that kind
     */
    public Policy<T> withSetMerge(String... fields) {
        Set<String> names = new java.util.HashSet<>(Set.of(fields));
        Set<String> merged = new java.util.HashSet<>(keyMerged);
        merged.addAll(names);
        names.addAll(setMerged);
        Policy<T> p = copy(recipients, authorizer, resolver, Set.copyOf(merged));
        p.setMerged = Set.copyOf(names);
        return p;
    }

    /** The fields merged as add-wins sets (see {@link #withSetMerge(String...)}); a subset of {@link #keyMerged()}. */
    public Set<String> setMerged() {
        return setMerged;
    }

    /**
     * Returns a copy whose named fields merge as <b>lists that keep concurrent inserts</b>. Each field must be a
     * synced {@code List} whose elements convert to JSON (strings, numbers, records, maps...). Then:
     * <ul>
     *   <li>each inserted element gets an id unique to the insert (from the writer's clock and GUID) and a
     *       position, a fractional index between its neighbours' at the time of the insert; the list is the
     *       elements ordered by position, then id;</li>
     *   <li>a local change is diffed against the elements held: a removed element's id is set to null, an inserted
     *       one gets a new id, a moved or changed element is a removal and an insert; an update carries only those
     *       ids, as a merge patch: {@code {"tags": {"lq3x1.0.laptop": ["V4kP", "urgent"], "lq2a9.0.phone": null}}};
     *       </li>
     *   <li>concurrent inserts are all kept, in the same order on every peer (inserts made at one place by two
     *       peers are ordered by their ids, and runs of such inserts may interleave);</li>
     *   <li>a removal removes that element for good, and concurrent inserts elsewhere stay; two peers that move the
     *       same element concurrently both insert it, so it is then there twice;</li>
     *   <li>no conflict is reported for these fields: keeping concurrent inserts is the rule, not a loss.</li>
     * </ul>
     * On the wire and in the store such a field is the object {@code {"id": [position, element], ...}}. Every peer
     * must register the class with the same merged fields. Other fields keep the class's resolver.
     *
     * @throws IllegalArgumentException (when the class is registered) if a name is not a synced List field, or is
     *     also merged as a set
     */
    public Policy<T> withListMerge(String... fields) {
        Set<String> names = new java.util.HashSet<>(Set.of(fields));
        Set<String> merged = new java.util.HashSet<>(keyMerged);
        merged.addAll(names);
        names.addAll(listMerged);
        Policy<T> p = copy(recipients, authorizer, resolver, Set.copyOf(merged));
        p.listMerged = Set.copyOf(names);
        return p;
    }

    /** The fields merged as lists (see {@link #withListMerge(String...)}); a subset of {@link #keyMerged()}. */
    public Set<String> listMerged() {
        return listMerged;
    }

    /**
     * Returns a copy that sends the {@code destroy} of an object that no longer exists (in a catch-up page, where
     * {@link #withRecipients} cannot be asked) only to the clients for which {@code test(objectId, clientId)} is
     * true. By default every client receives it.
     */
    public Policy<T> withFormerRecipients(BiPredicate<String, String> test) {
        Policy<T> p = copy(recipients, authorizer, resolver, keyMerged);
        p.formerRecipients = Objects.requireNonNull(test, "test");
        return p;
    }

    /**
     * Returns a copy that calls {@code followUp} each time this peer applied a write that came from another peer
     * (not when it absorbs what another process sharing its store appended). The fields it returns are written as
     * this peer's own update in the same step: stored in the same store commit as the write, and relayed right
     * after it to every entitled session, its author's included. A server uses it to stamp what it accepted.
     */
    public Policy<T> withFollowUp(FollowUp followUp) {
        Policy<T> p = copy(recipients, authorizer, resolver, keyMerged);
        p.followUp = Objects.requireNonNull(followUp, "followUp");
        return p;
    }

    /** What {@link #withFollowUp} calls; under the Scriber's lock, before the step is stored: keep it short. */
    @FunctionalInterface
    public interface FollowUp {
        /**
         * @param before the object's state before the write, null if it did not exist
         * @param after its state after the write, null after a destroy
         * @param write the write as played (its {@code origin} is its author)
         * @return fields (synced fields of the class, as JSON) to write in the same step, or null for none; ignored
         *     after a destroy
         */
        com.fasterxml.jackson.databind.node.ObjectNode applied(io.scribe.core.spi.ObjectState before,
                io.scribe.core.spi.ObjectState after, Scribe write);
    }

    FollowUp followUp() {
        return followUp;
    }

    boolean sendsDestroyTo(String objectId, String clientId) {
        return formerRecipients.test(objectId, clientId);
    }

    /** The fields merged key by key (see {@link #withKeyMerge(String...)}). */
    public Set<String> keyMerged() {
        return keyMerged;
    }

    /** Whether every client receives every object's scribes: the default recipients, no rule to ask per client. */
    boolean sendsToEveryClient() {
        return recipients == EVERY_CLIENT;
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
