package dev.orchestrator.client;

import com.google.protobuf.ListValue;
import com.google.protobuf.NullValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import java.util.Map;

/** Conversions from plain Java values to {@code google.protobuf} Struct and Value. */
public final class Values {
  private Values() {}

  /**
   * A Struct from a map of JSON-like values.
   *
   * @param map keys to null, Boolean, Number, String, Map, Iterable or Value; null for none
   * @return the Struct (empty for null)
   */
  public static Struct toStruct(Map<String, ?> map) {
    Struct.Builder b = Struct.newBuilder();
    if (map != null) {
      map.forEach((k, v) -> b.putFields(k, toValue(v)));
    }
    return b.build();
  }

  /**
   * A Value from a JSON-like Java value.
   *
   * @param o null, Boolean, Number, String, Map with String keys, Iterable or Value
   * @return the Value
   * @throws IllegalArgumentException for any other type
   */
  public static Value toValue(Object o) {
    if (o == null) {
      return Value.newBuilder().setNullValue(NullValue.NULL_VALUE).build();
    } else if (o instanceof Value v) {
      return v;
    } else if (o instanceof Boolean b) {
      return Value.newBuilder().setBoolValue(b).build();
    } else if (o instanceof Number n) {
      return Value.newBuilder().setNumberValue(n.doubleValue()).build();
    } else if (o instanceof CharSequence s) {
      return Value.newBuilder().setStringValue(s.toString()).build();
    } else if (o instanceof Map<?, ?> m) {
      Struct.Builder b = Struct.newBuilder();
      m.forEach((k, v) -> b.putFields(String.valueOf(k), toValue(v)));
      return Value.newBuilder().setStructValue(b).build();
    } else if (o instanceof Iterable<?> it) {
      ListValue.Builder b = ListValue.newBuilder();
      it.forEach(v -> b.addValues(toValue(v)));
      return Value.newBuilder().setListValue(b).build();
    }
    throw new IllegalArgumentException("not a JSON-like value: " + o.getClass().getName());
  }
}
