package io.scribe.core.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.FloatNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.lang.reflect.Field;

/**
 * The JSON of primitive, box and String values exactly as {@link Json#MAPPER} writes ({@code valueToTree}) and reads
 * ({@code treeToValue}) them, without its trees or its reflection: int, short and byte as IntNode, long as LongNode,
 * float and double as FloatNode and DoubleNode, boolean as BooleanNode, char and String as TextNode, null as
 * NullNode.
 */
public final class ScalarJson {

    private ScalarJson() {}

    /**
     * The node of {@code field}'s value in {@code object}, for a field of a primitive, box or String type; null for
     * a value of any other type.
     */
    public static JsonNode read(Field field, Object object) throws IllegalAccessException {
        Class<?> t = field.getType();
        if (t == long.class) {
            return Json.NODES.numberNode(field.getLong(object));
        } else if (t == int.class || t == short.class || t == byte.class) {
            return Json.NODES.numberNode(field.getInt(object));
        } else if (t == boolean.class) {
            return Json.NODES.booleanNode(field.getBoolean(object));
        } else if (t == double.class) {
            return Json.NODES.numberNode(field.getDouble(object));
        } else if (t == float.class) {
            return Json.NODES.numberNode(field.getFloat(object));
        } else if (t == char.class) {
            return Json.NODES.textNode(String.valueOf(field.getChar(object)));
        }
        Object value = field.get(object);
        return value == null ? Json.NODES.nullNode() : of(value);
    }

    /** The node of a String or a box; null for any other value. */
    public static JsonNode of(Object value) {
        if (value instanceof String v) {
            return Json.NODES.textNode(v);
        } else if (value instanceof Long v) {
            return Json.NODES.numberNode(v.longValue());
        } else if (value instanceof Integer v) {
            return Json.NODES.numberNode(v.intValue());
        } else if (value instanceof Short v) {
            return Json.NODES.numberNode((int) v);
        } else if (value instanceof Byte v) {
            return Json.NODES.numberNode((int) v);
        } else if (value instanceof Boolean v) {
            return Json.NODES.booleanNode(v);
        } else if (value instanceof Double v) {
            return Json.NODES.numberNode(v.doubleValue());
        } else if (value instanceof Float v) {
            return Json.NODES.numberNode(v.floatValue());
        } else if (value instanceof Character v) {
            return Json.NODES.textNode(String.valueOf(v.charValue()));
        }
        return null;
    }

    /**
     * The value of type {@code t} that {@code json} stands for when it is the node's natural type (a text for a
     * String, an int or long number for a long, an int for an int, a double for a double, a boolean for a boolean,
     * boxes alike), as {@code treeToValue} would give it; null for any other pairing, which the mapper converts
     * (with its coercions and errors).
     */
    public static Object natural(Class<?> t, JsonNode json) {
        if (t == String.class) {
            return json.isTextual() ? json.textValue() : null;
        } else if (t == long.class || t == Long.class) {
            return json.isInt() || json.isLong() ? json.longValue() : null;
        } else if (t == int.class || t == Integer.class) {
            return json.isInt() ? json.intValue() : null;
        } else if (t == boolean.class || t == Boolean.class) {
            return json.isBoolean() ? json.booleanValue() : null;
        } else if (t == double.class || t == Double.class) {
            return json.isDouble() ? json.doubleValue() : null;
        }
        return null;
    }

    /**
     * Whether {@code field} of {@code object} (a primitive, box or String field) holds the value {@code held}
     * stands for, i.e. {@code read(field, object).equals(held)}, without building the node for a primitive or a
     * String.
     */
    public static boolean same(Field field, Object object, JsonNode held) throws IllegalAccessException {
        if (held == null) {
            return false;
        }
        Class<?> t = field.getType();
        if (t == long.class) {
            return held instanceof LongNode && held.longValue() == field.getLong(object);
        } else if (t == int.class || t == short.class || t == byte.class) {
            return held instanceof IntNode && held.intValue() == field.getInt(object);
        } else if (t == boolean.class) {
            return held instanceof BooleanNode && held.booleanValue() == field.getBoolean(object);
        } else if (t == double.class) {
            return held instanceof DoubleNode && Double.compare(held.doubleValue(), field.getDouble(object)) == 0;
        } else if (t == float.class) {
            return held instanceof FloatNode && Float.compare(held.floatValue(), field.getFloat(object)) == 0;
        } else if (t == char.class) {
            String text = held instanceof TextNode ? held.textValue() : null;
            return text != null && text.length() == 1 && text.charAt(0) == field.getChar(object);
        }
        Object value = field.get(object);
        if (value == null) {
            return held instanceof NullNode;
        } else if (value instanceof String v) {
            return held instanceof TextNode && v.equals(held.textValue());
        }
        // A box: rare enough to build the node.
        JsonNode node = of(value);
        return node != null && node.equals(held);
    }

    /** The texts of a floating-point value's NaN and infinities, as the mapper writes them. */
    private static final java.util.Set<String> NON_FINITE = java.util.Set.of("NaN", "Infinity", "-Infinity");

    /** Whether {@code t} is a primitive, a box or String. */
    public static boolean scalarType(Class<?> t) {
        return t.isPrimitive() || t == String.class || t == Integer.class || t == Long.class
                || t == Boolean.class || t == Double.class || t == Float.class || t == Short.class
                || t == Byte.class || t == Character.class;
    }

    /**
     * Whether the mapper would take {@code value} for a field of type {@code t} only by changing it: a fraction for a
     * whole-number field (cut off), a number or a text for a boolean, a text for a number (other than {@code NaN},
     * {@code Infinity} and {@code -Infinity} for a floating-point field: how such a value is written). The scribe
     * is stored and relayed as it came, so a peer that reads it without that conversion (another language, a Syncro
     * peer) would hold another value than this one.
     */
    public static boolean changedByConversion(Class<?> t, JsonNode value) {
        if (value.isNull()) {
            return false;
        }
        if (t == int.class || t == long.class || t == short.class || t == byte.class || t == Integer.class
                || t == Long.class || t == Short.class || t == Byte.class) {
            return !value.isNumber() || !value.canConvertToExactIntegral();
        }
        if (t == boolean.class || t == Boolean.class) {
            return !value.isBoolean();
        }
        if (t == double.class || t == float.class || t == Double.class || t == Float.class) {
            // NaN and the infinities go over the wire as text, as Jackson writes them.
            return !value.isNumber() && !(value.isTextual() && NON_FINITE.contains(value.textValue()));
        }
        return false;
    }
}
