package org.polysock;

import java.io.IOException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** Every constant the native library knows, enumerated once with net_constant_at(). */
final class ConstantTable {
  static final Map<String, Long> ALL = load();

  private ConstantTable() {}

  private static Map<String, Long> load() {
    try {
      long[] count = new long[1];
      PolysockNative.net_constant_count(count);
      Map<String, Long> table = new LinkedHashMap<>();
      String[] name = new String[1];
      long[] value = new long[1];
      for (long i = 0; i < count[0]; i++) {
        PolysockNative.net_constant_at(i, name, value);
        table.put(name[0], value[0]);
      }
      return Collections.unmodifiableMap(table);
    } catch (IOException e) {
      throw new IllegalStateException("polysock: cannot enumerate the constants", e);
    }
  }

  static long longValue(String name) {
    Long value = ALL.get(name);
    if (value == null) {
      throw new IllegalStateException("polysock: the native library has no constant " + name);
    }
    return value;
  }

  static int intValue(String name) {
    return Math.toIntExact(longValue(name));
  }
}
