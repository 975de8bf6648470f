package io.scribe.store.file;

import io.scribe.core.Scribe;
import io.scribe.core.ScribeException;
import io.scribe.core.spi.Codec;
import io.scribe.core.spi.Commit;
import io.scribe.core.spi.ObjectState;
import io.scribe.core.spi.ReadAhead;
import io.scribe.core.spi.Store;
import io.scribe.core.spi.StoredScribe;
import io.scribe.store.file.internal.ChronicleRuntime;
import io.scribe.store.file.internal.JournalRecord;
import io.scribe.store.file.internal.SegmentStates;
import java.io.File;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import net.openhft.chronicle.hash.ChronicleHashCorruption;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.ChronicleMapBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Store} in Chronicle Map files in one directory: the embedded default for a peer that must outlive its
 * process. One process at a time owns the directory (an OS file lock; a second opener gets a clear error).
 *
 * <pre>
 * DIR/scribe-store.properties   format=scribe-file, version=1   marks the directory as a Scribe store
 *                               (version=2, log.compacted=N     once compacted: the last id compaction removed)
 * DIR/log.cm                    id -&gt; scribe JSON              ids N+1..lastId, none missing (N = 0 if never
 *                                                                compacted)
 * DIR/objects.cm                klass NUL id -&gt; state JSON
 * DIR/cursors.cm                client GUID -&gt; cursor
 * DIR/journal.cm                the commit being applied (redo record)
 * DIR/lock, DIR/open            the owner's lock; present while open, so a crash is noticed at the next open
 * DIR/*.cm.recovering           a map file being recovered (only while a store opens after a crash)
 * </pre>
 *
 * <p><b>Atomicity and crashes.</b> Chronicle Map updates one entry atomically but not several, so each
 * {@link #commit} first writes a redo record (its parts, then a header with their CRC32: the commit point) to the
 * journal, then applies it to the log, objects and cursors, then removes the header. After a crash of the process
 * ({@code kill -9} included) the next {@link #open} recovers the maps (Chronicle Map's recovery, which resets the
 * locks a dead process held) and replays a committed record, so every commit that returned is there and one in flight
 * is there entirely or not at all. The recovery runs on a copy of each file that then replaces it (an atomic rename),
 * and a first open that did not finish creating the files starts them again, so a crash during an open, a recovery
 * or the creation of the store is survived the same way. The files are memory-mapped and never forced to disk: after
 * a crash of the machine, commits the kernel had not yet written back (Linux: up to about 30 s) may be lost or
 * damaged; damage is reported at open, never silently repaired by dropping scribes.
 *
 * <p><b>Compaction.</b> {@link #compact} does not go through the journal: it is idempotent, so it is redone rather
 * than replayed. It first raises {@code log.compacted} in the marker file (written to a temporary file, forced to
 * disk and renamed, before anything is removed), then removes the log's ids from the old mark + 1 up to the new one in
 * ascending order, then the named objects whose stored state is still a tombstone. {@code lastId} is the mark plus
 * the number of scribes left in {@code log.cm}; an open first removes what a crash left of an unfinished removal (a
 * run of ids ending at the mark), so {@code lastId} never goes back and no id is given twice, whenever the process
 * dies. The first compaction raises the marker's format version to 2, which a Scribe that does not know the mark
 * refuses to open (it would number from 1 again).
 *
 * <p>Thread-safe: commits and compactions are serialised, reads run concurrently. Arguments must not be null.
 */
public final class FileStore implements Store {

    private static final Logger log = LoggerFactory.getLogger(FileStore.class);
    private static final Codec CODEC = Codec.json();
    /** Stores of fewer objects are read on the calling thread by {@link #forEachObject}: too few to gain. */
    private static final long READ_AHEAD_OBJECTS = 20_000;
    private static final String MARKER = "scribe-store.properties";
    private static final String FORMAT = "scribe-file";
    /** The format version a new store is created with. */
    private static final int CREATED_VERSION = 1;
    /** The newest format version this code reads: 2 once a store has a {@code log.compacted} mark. */
    private static final int VERSION = 2;
    private static final String COMPACTED = "log.compacted";
    private static final List<String> MAP_FILES = List.of("log.cm", "objects.cm", "cursors.cm", "journal.cm");
    private static final String RECOVERING = ".recovering";
    private static final Set<String> OWN_FILES = Set.of(MARKER, MARKER + ".tmp", "log.cm", "objects.cm", "cursors.cm",
            "journal.cm", "log.cm" + RECOVERING, "objects.cm" + RECOVERING, "cursors.cm" + RECOVERING,
            "journal.cm" + RECOVERING, "lock", "open");
    /** The bit of a Chronicle Map header's size word that says the file is being created or recovered. */
    private static final int NOT_COMPLETE = 0x8000_0000;
    private static final int PART_BYTES = 16 * 1024;
    private static final int MAX_PARTS = 256;
    private static final long HEADER = 0L;
    /** The default number of log entries and of objects the files are sized for; they grow past it, more slowly. */
    public static final long DEFAULT_ENTRIES = 1_000_000;

    private final Path dir;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final ChronicleMap<Long, byte[]> logMap;
    private final ChronicleMap<String, byte[]> objects;
    private final ChronicleMap<String, String> cursors;
    private final ChronicleMap<Long, byte[]> journal;
    private final Object writeLock = new Object();
    /** Reads ahead of a {@link #forEachObject} in progress, stopped by {@link #close} before the files close. */
    private final Set<ReadAhead> reading = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final Properties marker;
    private boolean markerChanged;
    private volatile long lastId;
    /** The last id compaction removed (0 if none): the log holds ids compacted+1..lastId. */
    private volatile long compacted;
    private volatile boolean closed;
    // Set when a commit failed after its commit point: it will be completed from the journal when the store is
    // reopened, so no further write may be taken until then.
    private volatile RuntimeException broken;

    private FileStore(Path dir, long entries) throws IOException {
        ChronicleRuntime.check();
        this.dir = dir;
        Files.createDirectories(dir);
        this.marker = checkMarker(dir);
        lockChannel = FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock l;
        try {
            l = lockChannel.tryLock();
        } catch (OverlappingFileLockException e) {
            l = null;
        }
        if (l == null) {
            lockChannel.close();
            throw new ScribeException(ScribeException.INTERNAL, "file store " + dir
                    + " is open in another process (or another FileStore in this one)");
        }
        lock = l;
        List<ChronicleMap<?, ?>> opened = new ArrayList<>();
        try {
            Path openFlag = dir.resolve("open");
            if (!MAP_FILES.stream().allMatch(name -> marker.containsKey(name + ".header"))) {
                // The first open never finished creating the files, so no commit was ever accepted: start again.
                for (String name : MAP_FILES) {
                    Files.deleteIfExists(dir.resolve(name));
                    Files.deleteIfExists(dir.resolve(name + RECOVERING));
                }
                Files.deleteIfExists(openFlag);
            }
            boolean crashed = Files.exists(openFlag);
            if (crashed) {
                log.warn("file store {} was not closed cleanly; recovering its files", dir);
            }
            logMap = map(opened, ChronicleMapBuilder.of(Long.class, byte[].class).name("scribe-log")
                    .entries(entries).averageValueSize(256), "log.cm", crashed);
            objects = map(opened, ChronicleMapBuilder.of(String.class, byte[].class).name("scribe-objects")
                    .entries(entries).averageKeySize(48).averageValueSize(512), "objects.cm", crashed);
            cursors = map(opened, ChronicleMapBuilder.of(String.class, String.class).name("scribe-cursors")
                    .entries(10_000).averageKeySize(40).averageValueSize(24), "cursors.cm", crashed);
            journal = map(opened, ChronicleMapBuilder.of(Long.class, byte[].class).name("scribe-journal")
                    .entries(MAX_PARTS + 1).averageValueSize(PART_BYTES).maxBloatFactor(4), "journal.cm", crashed);
            if (markerChanged) {
                writeMarker(dir, marker);
            }
            Files.write(openFlag, new byte[0]);
            replayJournal();
            compacted = compactedMark();
            finishCompaction();
            lastId = compacted + logMap.longSize();
            if (crashed) {
                verifyLog();
            } else if (lastId > compacted && (!logMap.containsKey(compacted + 1) || !logMap.containsKey(lastId)
                    || logMap.containsKey(lastId + 1))) {
                throw damaged("its log holds " + (lastId - compacted) + " entries that are not ids "
                        + (compacted + 1) + ".." + lastId);
            }
        } catch (IOException | RuntimeException e) {
            opened.forEach(ChronicleMap::close);
            lock.release();
            lockChannel.close();
            throw e;
        }
    }

    /**
     * Opens (creating when needed) the store in {@code dir}, with files sized for {@link #DEFAULT_ENTRIES} scribes
     * and objects.
     *
     * @throws ScribeException if the directory holds something other than a Scribe file store, a store of a newer
     *     format, damaged files, or is open elsewhere (nothing is changed then)
     */
    public static FileStore open(Path dir) {
        return open(dir, DEFAULT_ENTRIES);
    }

    /**
     * Opens (creating when needed) the store in {@code dir}, with files sized for {@code entries} scribes and objects
     * (they grow past it, more slowly; the sizing of an existing store is kept).
     *
     * @throws IllegalArgumentException if {@code entries} is not positive
     * @throws ScribeException as {@link #open(Path)}
     */
    public static FileStore open(Path dir, long entries) {
        Objects.requireNonNull(dir, "dir");
        if (entries <= 0) {
            throw new IllegalArgumentException("entries must be positive: " + entries);
        }
        try {
            return new FileStore(dir.toAbsolutePath(), entries);
        } catch (IOException e) {
            throw new ScribeException(ScribeException.INTERNAL, "file store " + dir + ": " + e, e);
        }
    }

    /**
     * Opens the store a URL names: {@code file:DIR}, {@code file:///abs/dir}, with an optional {@code ?entries=N}.
     *
     * @throws IllegalArgumentException if the URL is malformed
     * @throws ScribeException as {@link #open(Path)}
     */
    public static FileStore open(String url) {
        Objects.requireNonNull(url, "url");
        if (!url.startsWith("file:")) {
            throw new IllegalArgumentException("not a file URL: " + url);
        }
        String rest = url.substring("file:".length());
        long entries = DEFAULT_ENTRIES;
        int qm = rest.indexOf('?');
        if (qm >= 0) {
            for (String pair : rest.substring(qm + 1).split("&")) {
                if (pair.startsWith("entries=")) {
                    try {
                        entries = Long.parseLong(pair.substring("entries=".length()));
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("entries is not a number in " + url, e);
                    }
                } else if (!pair.isEmpty()) {
                    throw new IllegalArgumentException("unknown parameter " + pair + " in " + url + "; known: entries");
                }
            }
            rest = rest.substring(0, qm);
        }
        if (rest.startsWith("//")) {
            rest = rest.substring(2);
        }
        rest = URLDecoder.decode(rest, StandardCharsets.UTF_8);
        if (rest.isEmpty()) {
            throw new IllegalArgumentException("file URL without a directory: " + url);
        }
        return open(Path.of(rest), entries);
    }

    /** The directory this store lives in. */
    public Path directory() {
        return dir;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Opening

    private static Properties checkMarker(Path dir) throws IOException {
        Path marker = dir.resolve(MARKER);
        if (!Files.exists(marker)) {
            List<String> present;
            try (Stream<Path> files = Files.list(dir)) {
                // A temporary marker alone is what a crash while creating the store leaves.
                present = files.map(p -> p.getFileName().toString()).filter(n -> !n.equals(MARKER + ".tmp"))
                        .sorted().toList();
            }
            if (!present.isEmpty()) {
                throw new ScribeException(ScribeException.INTERNAL, "directory " + dir + " is not empty (" + present
                        + ") and holds no " + MARKER + ": not a Scribe file store; nothing was changed");
            }
            Properties p = new Properties();
            p.setProperty("format", FORMAT);
            p.setProperty("version", Integer.toString(CREATED_VERSION));
            writeMarker(dir, p);
            return p;
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(marker, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (IllegalArgumentException e) {
            throw new ScribeException(ScribeException.INTERNAL, marker + " is unreadable: " + e.getMessage(), e);
        }
        if (!FORMAT.equals(p.getProperty("format"))) {
            throw new ScribeException(ScribeException.INTERNAL, marker + " says format " + p.getProperty("format")
                    + ", not " + FORMAT + ": not a Scribe file store; nothing was changed");
        }
        int version;
        try {
            version = Integer.parseInt(p.getProperty("version", ""));
        } catch (NumberFormatException e) {
            throw new ScribeException(ScribeException.INTERNAL, marker + " has no valid version", e);
        }
        if (version > VERSION) {
            throw new ScribeException(ScribeException.INTERNAL, "file store " + dir + " has format version " + version
                    + ", newer than the " + VERSION + " this Scribe reads; nothing was changed");
        }
        try (Stream<Path> files = Files.list(dir)) {
            List<String> foreign = files.map(f -> f.getFileName().toString())
                    .filter(n -> !OWN_FILES.contains(n)).sorted().toList();
            if (!foreign.isEmpty()) {
                log.warn("file store {}: ignoring files that are not its own: {}", dir, foreign);
            }
        }
        return p;
    }

    /** Writes the marker through a temporary file, forced to disk, then an atomic rename. */
    private static void writeMarker(Path dir, Properties p) throws IOException {
        Path tmp = dir.resolve(MARKER + ".tmp");
        try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            p.store(w, "Scribe file store: do not edit");
        }
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        Files.move(tmp, dir.resolve(MARKER), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * The SHA-256 of a Chronicle Map file's self-describing header (its configuration, written once at creation), or
     * null when the file does not start like one. Checked before Chronicle Map reads the file: Chronicle Map waits
     * for a header it does not recognise to be completed by another process rather than failing, and adopts the
     * configuration it finds, whatever the types. The size word's "not complete" bit, which Chronicle Map sets while
     * it creates or recovers the file, is left out: a crash in the middle of either leaves it set.
     */
    private static String headerHash(File file) throws IOException {
        try (FileChannel ch = FileChannel.open(file.toPath(), StandardOpenOption.READ)) {
            ByteBuffer head = ByteBuffer.allocate(12).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            if (ch.read(head, 0) != 12) {
                return null;
            }
            int length = head.getInt(8) & 0x3FFF_FFFF;
            if (length <= 0 || length > (1 << 20) || 12L + length > ch.size()) {
                return null;
            }
            ByteBuffer body = ByteBuffer.allocate(12 + length);
            ch.read(body, 0);
            body.put(11, (byte) (body.get(11) & 0x7F));
            java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
            sha.update(body.array());
            return java.util.HexFormat.of().formatHex(sha.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private <K, V> ChronicleMap<K, V> map(List<ChronicleMap<?, ?>> opened, ChronicleMapBuilder<K, V> builder,
            String name, boolean recover) throws IOException {
        File file = dir.resolve(name).toFile();
        boolean exists = file.exists();
        String expected = marker.getProperty(name + ".header");
        if (exists) {
            String actual = headerHash(file);
            if (expected == null || !expected.equals(actual)) {
                throw damaged(name + " is not the Chronicle Map file this store created (corrupt or foreign file)");
            }
        } else if (expected != null) {
            throw damaged(name + " is missing");
        }
        builder.sparseFile(true);
        // This store closes its maps (and then marks itself closed cleanly); Chronicle Map's own hook closing them at
        // JVM exit would race an application's shutdown hook that closes the store, writing through a closed map.
        builder.skipCloseOnExitHook(true);
        ChronicleMap<K, V> map;
        try {
            if (exists && (recover || !headerReady(file))) {
                recover(builder, name);
            }
            map = builder.createPersistedTo(file);
        } catch (IOException | RuntimeException | Error e) {
            if (e instanceof VirtualMachineError vme) {
                throw vme;
            }
            throw damaged(name + " is not a readable Chronicle Map of this store (corrupt or foreign file: " + e
                    + ")", e);
        }
        opened.add(map);
        if (!exists) {
            marker.setProperty(name + ".header", Objects.requireNonNull(headerHash(file), name));
            markerChanged = true;
        }
        return map;
    }

    /** Whether a Chronicle Map file's header says the file is complete (not being created or recovered). */
    private static boolean headerReady(File file) throws IOException {
        try (FileChannel ch = FileChannel.open(file.toPath(), StandardOpenOption.READ)) {
            ByteBuffer word = ByteBuffer.allocate(4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            return ch.read(word, 8) == 4 && (word.getInt(0) & NOT_COMPLETE) == 0;
        }
    }

    /**
     * Runs Chronicle Map's recovery (which frees the segment locks a dead process held and drops a torn entry) on a
     * copy of the file, then puts the copy in the file's place with an atomic rename. Chronicle Map's recovery
     * rewrites its hash lookup in place (each entry is cleared, then inserted again), so a crash in the middle of a
     * recovery done on the file itself could lose entries; on a copy, a crash at any point leaves either the file
     * as it was, to be recovered again, or the recovered copy.
     */
    private <K, V> void recover(ChronicleMapBuilder<K, V> builder, String name) throws IOException {
        Path file = dir.resolve(name);
        Path copy = dir.resolve(name + RECOVERING);
        Files.deleteIfExists(copy);
        sparseCopy(file, copy);
        ChronicleHashCorruption.Listener report = c -> log.warn("file store {}: {} segment {}: {}", dir, name,
                c.segmentIndex(), c.message(), c.exception());
        builder.recoverPersistedTo(copy.toFile(), true, report).close();
        try (FileChannel ch = FileChannel.open(copy, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        Files.move(copy, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** Copies a file, leaving holes where the source has blocks of zeros (the map files are sparse and large). */
    private static void sparseCopy(Path from, Path to) throws IOException {
        try (FileChannel in = FileChannel.open(from, StandardOpenOption.READ);
                FileChannel out = FileChannel.open(to, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            long size = in.size();
            ByteBuffer block = ByteBuffer.allocate(64 * 1024);
            byte[] zeros = new byte[block.capacity()];
            for (long at = 0; at < size; ) {
                block.clear();
                int n = in.read(block, at);
                if (n <= 0) {
                    break;
                }
                if (Arrays.mismatch(block.array(), 0, n, zeros, 0, n) >= 0) {
                    block.flip();
                    for (long pos = at; block.hasRemaining(); ) {
                        pos += out.write(block, pos);
                    }
                }
                at += n;
            }
            if (out.size() < size) {
                out.write(ByteBuffer.allocate(1), size - 1);
            }
        }
    }

    private ScribeException damaged(String what) {
        return damaged(what, null);
    }

    private ScribeException damaged(String what, Throwable cause) {
        return new ScribeException(ScribeException.INTERNAL,
                "file store " + dir + " is damaged: " + what + "; nothing was changed", cause);
    }

    /** The marker's {@code log.compacted}: the last id compaction removed, 0 if none. */
    private long compactedMark() {
        String v = marker.getProperty(COMPACTED);
        if (v == null) {
            return 0;
        }
        try {
            long mark = Long.parseLong(v);
            if (mark >= 0) {
                return mark;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw damaged(MARKER + " has an invalid " + COMPACTED + ": " + v);
    }

    /**
     * Removes the ids at or below the compaction mark that a crash during a compaction (or during this very step)
     * left: compaction removes in ascending order, so they are a run ending at the mark. Found downwards, removed
     * upwards, so that a crash here leaves such a run again.
     */
    private void finishCompaction() {
        long lowest = compacted + 1;
        while (lowest > 1 && logMap.containsKey(lowest - 1)) {
            lowest--;
        }
        if (lowest <= compacted) {
            log.info("file store {}: finishing an interrupted compaction (ids {}..{})", dir, lowest, compacted);
            for (long id = lowest; id <= compacted; id++) {
                logMap.remove(id);
            }
        }
    }

    /** After an unclean shutdown: every id from the compaction mark + 1 to the last must be present. */
    private void verifyLog() {
        for (long id = compacted + 1; id <= lastId; id++) {
            if (!logMap.containsKey(id)) {
                throw damaged("scribe " + id + " of " + lastId + " is missing from log.cm");
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Writes

    @Override
    public List<Scribe> commit(Commit commit) {
        Objects.requireNonNull(commit, "commit");
        if (commit.isEmpty()) {
            checkOpen();
            return List.of();
        }
        List<byte[]> scribes = new ArrayList<>(commit.scribes().size());
        for (Scribe s : commit.scribes()) {
            scribes.add(CODEC.encode(s.withId(null)));
        }
        Map<String, byte[]> states = new LinkedHashMap<>();
        for (ObjectState o : commit.objects()) {
            states.put(objectKey(o.klass(), o.id()), CODEC.encode(o));
        }
        synchronized (writeLock) {
            checkOpen();
            long first = lastId + 1;
            JournalRecord record = new JournalRecord(first, scribes, states, commit.cursors());
            try {
                writeJournal(record.encode());
            } catch (RuntimeException e) {
                // Before the commit point: nothing of this commit counts.
                throw new ScribeException(ScribeException.INTERNAL, "file store " + dir + ": commit failed: " + e, e);
            }
            try {
                apply(record);
                journal.remove(HEADER);
            } catch (RuntimeException e) {
                broken = e;
                throw new ScribeException(ScribeException.INTERNAL, "file store " + dir + ": commit of ids " + first
                        + ".. is in the journal but could not be applied (" + e + "); it is completed when the store"
                        + " is reopened, and no write is accepted until then", e);
            }
            lastId = first + scribes.size() - 1;
            List<Scribe> stored = new ArrayList<>(scribes.size());
            for (int i = 0; i < scribes.size(); i++) {
                stored.add(commit.scribes().get(i).withId(Long.toString(first + i)));
            }
            return stored;
        }
    }

    /**
     * Refuses a scribe that could not fit one commit: the commit holds the scribe and the object's state (which
     * repeats its values), so a scribe may take at most half of a commit's bytes, less room for the rest.
     */
    @Override
    public void check(Scribe scribe, long encodedBytes) {
        long max = (long) MAX_PARTS * PART_BYTES / 2 - 64 * 1024;
        if (encodedBytes > max) {
            throw new ScribeException(ScribeException.TOO_LARGE, "scribe " + scribe.id() + " of " + encodedBytes
                    + " bytes is over the " + max + " bytes the file store can commit at once; refused");
        }
    }

    /**
     * Raises the compaction mark in the marker file (forced to disk) to {@code upTo} (at most {@link #lastId()}),
     * then removes the log's ids up to it in ascending order, then those of {@code tombstones} whose stored state is
     * still a tombstone. Not journaled: a crash part way is completed by the next open (the log) or by the next
     * compaction (tombstones). Serialised with commits.
     */
    @Override
    public boolean compact(long upTo, java.util.Collection<ObjectState> tombstones) {
        Objects.requireNonNull(tombstones, "tombstones");
        synchronized (writeLock) {
            checkOpen();
            long from = compacted;
            long to = Math.min(upTo, lastId);
            if (to > from) {
                String version = marker.getProperty("version");
                String mark = marker.getProperty(COMPACTED);
                marker.setProperty("version", Integer.toString(Math.max(VERSION,
                        Integer.parseInt(version == null ? "1" : version))));
                marker.setProperty(COMPACTED, Long.toString(to));
                try {
                    writeMarker(dir, marker);
                } catch (IOException | RuntimeException e) {
                    restore(marker, "version", version);
                    restore(marker, COMPACTED, mark);
                    throw new ScribeException(ScribeException.INTERNAL, "file store " + dir
                            + ": compaction failed before it removed anything: " + e, e);
                }
                // Readers that find an id missing at or below the mark start again after it.
                compacted = to;
                for (long id = from + 1; id <= to; id++) {
                    logMap.remove(id);
                }
            }
            for (ObjectState t : tombstones) {
                String key = objectKey(t.klass(), t.id());
                byte[] held = objects.get(key);
                if (held != null && CODEC.decodeState(held).destroyed()) {
                    objects.remove(key);
                }
            }
            return true;
        }
    }

    private static void restore(Properties p, String key, String value) {
        if (value == null) {
            p.remove(key);
        } else {
            p.setProperty(key, value);
        }
    }

    /** Writes the record's parts, then its header: the header's presence is the commit point. */
    private void writeJournal(byte[] record) {
        int parts = Math.max(1, (record.length + PART_BYTES - 1) / PART_BYTES);
        if (parts > MAX_PARTS) {
            throw new ScribeException(ScribeException.TOO_LARGE, "file store " + dir + ": a commit of "
                    + record.length + " bytes exceeds the maximum of " + (long) MAX_PARTS * PART_BYTES
                    + "; nothing was written");
        }
        for (int i = 0; i < parts; i++) {
            int from = i * PART_BYTES;
            journal.put((long) i + 1, Arrays.copyOfRange(record, from, Math.min(record.length, from + PART_BYTES)));
        }
        CRC32 crc = new CRC32();
        crc.update(record);
        journal.put(HEADER, ByteBuffer.allocate(16).putInt(parts).putInt(record.length).putLong(crc.getValue())
                .array());
    }

    private void apply(JournalRecord record) {
        long id = record.firstId();
        for (byte[] s : record.scribes()) {
            logMap.put(id++, s);
        }
        record.objects().forEach(objects::put);
        record.cursors().forEach((client, cursor) -> {
            if (cursor.isEmpty()) {
                cursors.remove(client);
            } else {
                cursors.put(client, cursor);
            }
        });
    }

    /** Re-applies a committed record whose application a crash may have cut short. */
    private void replayJournal() {
        byte[] header = journal.get(HEADER);
        if (header == null) {
            return;
        }
        if (header.length != 16) {
            throw damaged("the journal header has " + header.length + " bytes, not 16");
        }
        ByteBuffer h = ByteBuffer.wrap(header);
        int parts = h.getInt();
        int length = h.getInt();
        long crc = h.getLong();
        if (parts <= 0 || parts > MAX_PARTS || length < 0) {
            throw damaged("the journal header is not valid");
        }
        byte[] record = new byte[length];
        int at = 0;
        for (int i = 1; i <= parts; i++) {
            byte[] part = journal.get((long) i);
            if (part == null || at + part.length > length) {
                throw damaged("journal part " + i + " of " + parts + " is missing or too long");
            }
            System.arraycopy(part, 0, record, at, part.length);
            at += part.length;
        }
        CRC32 check = new CRC32();
        check.update(record, 0, at);
        if (at != length || check.getValue() != crc) {
            throw damaged("the journal record fails its checksum");
        }
        JournalRecord r = JournalRecord.decode(record);
        log.info("file store {}: replaying an interrupted commit ({} scribes from id {}, {} objects, {} cursors)",
                dir, r.scribes().size(), r.firstId(), r.objects().size(), r.cursors().size());
        apply(r);
        journal.remove(HEADER);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Reads

    @Override
    public List<Scribe> readAfter(long afterId, int limit) {
        return readLog(afterId, limit, (id, v) -> CODEC.decodeScribe(v).withId(Long.toString(id)));
    }

    /** The log's bytes as they are: they are {@link Codec#json()}'s encoding of each scribe without its id. */
    @Override
    public List<StoredScribe> readStoredAfter(long afterId, int limit) {
        return readLog(afterId, limit, StoredScribe::new);
    }

    /** Reads a page of the log, each scribe made by {@code make} of its id and stored bytes. */
    private <T> List<T> readLog(long afterId, int limit, java.util.function.BiFunction<Long, byte[], T> make) {
        if (limit <= 0) {
            throw new IllegalArgumentException("limit must be positive: " + limit);
        }
        checkOpen();
        long last = lastId;
        long from = Math.max(compacted, afterId);
        long to = Math.min(last, from + limit);
        List<T> page = new ArrayList<>((int) Math.max(0, to - from));
        for (long id = from + 1; id <= to; id++) {
            byte[] v = logMap.get(id);
            if (v == null) {
                long mark = compacted;
                if (id > mark) {
                    throw damaged("scribe " + id + " is missing from log.cm");
                }
                // A compaction running meanwhile removed it: read the page again after its mark.
                page.clear();
                from = mark;
                to = Math.min(last, from + limit);
                id = from;
                continue;
            }
            page.add(make.apply(id, v));
        }
        return page;
    }

    @Override
    public long lastId() {
        checkOpen();
        return lastId;
    }

    @Override
    public Optional<String> cursor(String clientId) {
        Objects.requireNonNull(clientId, "clientId");
        checkOpen();
        return Optional.ofNullable(cursors.get(clientId));
    }

    /** Goes through all cursors (Chronicle Map has no order) and compares with {@link String#startsWith}. */
    @Override
    public Map<String, String> cursors(String prefix) {
        Objects.requireNonNull(prefix, "prefix");
        checkOpen();
        Map<String, String> found = new java.util.HashMap<>();
        cursors.forEachEntry(e -> {
            String client = e.key().get();
            if (client.startsWith(prefix)) {
                found.put(client, e.value().get());
            }
        });
        return found;
    }

    @Override
    public Optional<ObjectState> object(String klass, String id) {
        Objects.requireNonNull(klass, "klass");
        Objects.requireNonNull(id, "id");
        checkOpen();
        byte[] v = objects.get(objectKey(klass, id));
        return v == null ? Optional.empty() : Optional.of(CODEC.decodeState(v));
    }

    @Override
    public long objectCount() {
        checkOpen();
        return objects.longSize();
    }

    @Override
    public void forEachObject(Consumer<ObjectState> action) {
        Objects.requireNonNull(action, "action");
        checkOpen();
        // One segment at a time, copied first: the action must not run while Chronicle Map holds a segment lock, and
        // a copy of every state at once would double the heap a peer needs to start. A store of many objects is read
        // a segment or two ahead on a thread of its own, so that a peer's start restores one segment while the next
        // is copied and parsed; a small one on the calling thread, the copy buffer reused from segment to segment.
        int segments = objects.segments();
        SegmentStates scratch = new SegmentStates();   // of the thread that reads
        int[] next = {0};
        ReadAhead.Pages pages = sink -> {
            readSegment(next[0]++, scratch, sink);
            scratch.clear();
            return next[0] < segments;
        };
        if (segments < 2 || objects.longSize() < READ_AHEAD_OBJECTS) {
            while (pages.next(action)) {
                // the next segment
            }
            return;
        }
        ReadAhead ahead = ReadAhead.of(pages, "scribe-file-read " + dir.getFileName());
        synchronized (writeLock) {
            checkOpen();
            reading.add(ahead);   // stopped by close() before the files are
        }
        try {
            ahead.handTo(action);
        } finally {
            reading.remove(ahead);
        }
    }

    /** Copies the states of segment {@code i} into {@code values}, then hands each, decoded, to {@code action}. */
    private void readSegment(int i, SegmentStates values, Consumer<ObjectState> action) {
        try (var segment = objects.segmentContext(i)) {
            segment.forEachSegmentEntry(e -> values.add(e.value()));
        }
        CODEC.decodeStates(values.bytes(), values.ends(), values.count(), action);
    }

    /** Closes the files and releases the directory. Idempotent. */
    @Override
    public void close() {
        List<ReadAhead> stopping;
        synchronized (writeLock) {
            if (closed) {
                return;
            }
            closed = true;
            stopping = List.copyOf(reading);
        }
        // No thread reads the files once they are closed: reads ahead of a forEachObject stop first.
        stopping.forEach(ReadAhead::stop);
        for (ChronicleMap<?, ?> m : List.of(journal, cursors, objects, logMap)) {
            m.close();
        }
        try {
            Files.deleteIfExists(dir.resolve("open"));
            lock.release();
            lockChannel.close();
        } catch (IOException e) {
            log.warn("file store {}: could not release the directory cleanly", dir, e);
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("file store " + dir + " is closed");
        }
        RuntimeException failure = broken;
        if (failure != null) {
            throw new ScribeException(ScribeException.INTERNAL, "file store " + dir
                    + " must be reopened to complete a commit that failed after its commit point: " + failure, failure);
        }
    }

    private static String objectKey(String klass, String id) {
        return klass + '\u0000' + id;
    }
}
