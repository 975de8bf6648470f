package io.scribe.it.runtime.model;

import io.scribe.annotations.SyncId;
import io.scribe.annotations.Synced;

/** A synced class with a field of every number type, enhanced at run time by the tests. */
@Synced
public class Gauge {
    @SyncId
    private String id;
    private float level;
    private long count;
    private short small;
    private byte tiny;
    private char mark;
    private double ratio;
    private Float boxedLevel;
    private Long boxedCount;
    private Short boxedSmall;
    private Byte boxedTiny;
    private Character boxedMark;
    private java.util.List<Float> levels = new java.util.ArrayList<>();
    private java.util.Map<String, Float> byName = new java.util.HashMap<>();

    protected Gauge() {}

    public Gauge(String id) {
        this.id = id;
        level = 1.1f;
        count = 5;
        small = 7;
        tiny = -3;
        mark = 'x';
        ratio = 0.1;
        boxedLevel = 0.3f;
        boxedCount = 6L;
        boxedSmall = 8;
        boxedTiny = 4;
        boxedMark = 'y';
        levels.add(0.7f);
        byName.put("a", 1.3f);
    }

    public float level() { return level; }
    public long count() { return count; }
    public Float boxedLevel() { return boxedLevel; }
    public java.util.List<Float> levels() { return levels; }
    public java.util.Map<String, Float> byName() { return byName; }

    public void setLevel(float level) { this.level = level; }
    public void setCount(long count) { this.count = count; }
    public void setSmall(short small) { this.small = small; }
    public void setTiny(byte tiny) { this.tiny = tiny; }
    public void setMark(char mark) { this.mark = mark; }
    public void setRatio(double ratio) { this.ratio = ratio; }
    public void setBoxedLevel(Float boxedLevel) { this.boxedLevel = boxedLevel; }
    public void setBoxedCount(Long boxedCount) { this.boxedCount = boxedCount; }
    public void setBoxedSmall(Short boxedSmall) { this.boxedSmall = boxedSmall; }
    public void setBoxedTiny(Byte boxedTiny) { this.boxedTiny = boxedTiny; }
    public void setBoxedMark(Character boxedMark) { this.boxedMark = boxedMark; }
}
