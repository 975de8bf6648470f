package io.scribe.benchmarks.capture;

/** The baseline: the same class as {@link SyncedAccount}, without {@code @Synced}. */
public class PlainAccount implements Account {
    private String id;
    private String owner;
    private long balance;

    public PlainAccount(String id, String owner) {
        this.id = id;
        this.owner = owner;
    }

    @Override
    public void setBalance(long balance) {
        this.balance = balance;
    }

    @Override
    public long balance() {
        return balance;
    }
}
