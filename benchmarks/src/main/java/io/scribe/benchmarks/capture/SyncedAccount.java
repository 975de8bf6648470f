package io.scribe.benchmarks.capture;

import io.scribe.annotations.Synced;

/** Enhanced at run time by the benchmark: every {@link #setBalance} records an update. */
@Synced
public class SyncedAccount implements Account {
    private String id;
    private String owner;
    private long balance;

    protected SyncedAccount() {}

    public SyncedAccount(String id, String owner) {
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
